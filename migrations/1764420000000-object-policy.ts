import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A job carries its application's project object rules fixed when it was queued, and the
 * agent checks them before applying (defence in depth behind the hub's check at render).
 * Jobs already stored carry none (null): they were queued before projects had rules, and
 * every application then was in the `default` project, which allows everything.
 */
export class JobObjectPolicy1764420000000 implements MigrationInterface {
  name = 'JobObjectPolicy1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconcile_jobs ADD COLUMN object_policy jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconcile_jobs DROP COLUMN object_policy`);
  }
}
