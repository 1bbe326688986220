import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dependencies between applications (issue 20): the names an application waits for, and on each
 * cluster's desired state why its sync job is held (null: nothing held).
 */
export class ApplicationDependencies1764560000000 implements MigrationInterface {
  name = 'ApplicationDependencies1764560000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE applications ADD COLUMN depends_on jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`ALTER TABLE desired_states ADD COLUMN waiting_for text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE desired_states DROP COLUMN waiting_for`);
    await q.query(`ALTER TABLE applications DROP COLUMN depends_on`);
  }
}
