import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When an SSO session was last used, so admins listing live sessions can tell an active person
 * from a forgotten sign-in before revoking it.
 */
export class SsoSessionLastUsed1764450000000 implements MigrationInterface {
  name = 'SsoSessionLastUsed1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sso_sessions ADD COLUMN last_used_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sso_sessions DROP COLUMN last_used_at`);
  }
}
