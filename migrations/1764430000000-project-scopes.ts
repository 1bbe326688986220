import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Project-scoped tokens: a token holds a global role, roles within projects, or both.
 *
 * The project of every application-related audit event, so the trail can be filtered by project
 * (and a project-scoped caller shown only its own). Events written before have none: they stay
 * as they are (the table is append-only, and their hashes do not cover a project).
 */
export class ProjectScopes1764430000000 implements MigrationInterface {
  name = 'ProjectScopes1764430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens ALTER COLUMN role DROP NOT NULL`);
    await q.query(`ALTER TABLE api_tokens ADD COLUMN projects jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE audit_events ADD COLUMN project_id uuid`);
    await q.query(
      `CREATE INDEX audit_events_project_idx ON audit_events (project_id, occurred_at DESC, seq DESC) WHERE project_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_events_project_idx`);
    await q.query(`ALTER TABLE audit_events DROP COLUMN project_id`);
    await q.query(`DELETE FROM api_tokens WHERE role IS NULL`);
    await q.query(`ALTER TABLE api_tokens DROP COLUMN projects`);
    await q.query(`ALTER TABLE api_tokens ALTER COLUMN role SET NOT NULL`);
  }
}
