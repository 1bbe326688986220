import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Custom health checks (issue 20): the hub's rules, one per group/kind, and each application's
 * own list (which wins over the hub's for the same group/kind).
 */
export class HealthChecks1764590000000 implements MigrationInterface {
  name = 'HealthChecks1764590000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE health_checks (
        id uuid PRIMARY KEY,
        "group" text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        current text NOT NULL,
        in_progress text,
        failed text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX health_checks_group_kind_key ON health_checks ("group", kind)`);
    await q.query(`ALTER TABLE applications ADD COLUMN health_checks jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE applications DROP COLUMN health_checks`);
    await q.query(`DROP TABLE health_checks`);
  }
}
