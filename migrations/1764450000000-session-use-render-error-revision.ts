import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When an SSO session was last used, so admins listing live sessions can tell an active person
 * from a forgotten sign-in before revoking it.
 *
 * The revision whose render failed, next to the render error: a new revision refused with the
 * same error is a new decision and audited again (`policy.denied`, `sync.failed`). Rows failing
 * today have none, so their next reconcile audits their failure once more.
 */
export class SessionUseRenderErrorRevision1764450000000 implements MigrationInterface {
  name = 'SessionUseRenderErrorRevision1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sso_sessions ADD COLUMN last_used_at timestamptz`);
    await q.query(`ALTER TABLE desired_states ADD COLUMN render_error_revision text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE desired_states DROP COLUMN render_error_revision`);
    await q.query(`ALTER TABLE sso_sessions DROP COLUMN last_used_at`);
  }
}
