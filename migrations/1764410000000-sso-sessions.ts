import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single sign-on: sessions of people signed in through the OIDC provider (only the sha256 of
 * the session secret is stored, like API tokens), and the groups of an SSO user on audit events
 * (null for every other actor, so events written before stay as they were hashed).
 */
export class SsoSessions1764410000000 implements MigrationInterface {
  name = 'SsoSessions1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sso_sessions (
        id uuid PRIMARY KEY,
        secret_hash text NOT NULL,
        issuer text NOT NULL,
        subject text NOT NULL,
        email text,
        groups jsonb NOT NULL,
        role text,
        projects jsonb NOT NULL,
        client text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sso_sessions_role_check CHECK (role IN ('admin', 'operator', 'viewer')),
        CONSTRAINT sso_sessions_client_check CHECK (client IN ('browser', 'cli'))
      )`);
    await q.query(`CREATE UNIQUE INDEX sso_sessions_secret_hash_key ON sso_sessions (secret_hash)`);
    await q.query(`CREATE INDEX sso_sessions_expires_at_idx ON sso_sessions (expires_at)`);
    await q.query(`ALTER TABLE audit_events ADD COLUMN actor_groups jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events DROP COLUMN actor_groups`);
    await q.query(`DROP TABLE sso_sessions`);
  }
}
