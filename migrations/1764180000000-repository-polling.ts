import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Polling and webhooks: when each repository is due, a lease so only one hub replica polls it
 * at a time, and the sealed webhook secret.
 */
export class RepositoryPolling1764180000000 implements MigrationInterface {
  name = 'RepositoryPolling1764180000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repositories ADD COLUMN next_poll_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(`ALTER TABLE repositories ALTER COLUMN next_poll_at DROP DEFAULT`);
    await q.query(`ALTER TABLE repositories ADD COLUMN poll_lease_until timestamptz`);
    await q.query(`ALTER TABLE repositories ADD COLUMN webhook_secret_sealed text`);
    await q.query(`CREATE INDEX repositories_next_poll_idx ON repositories (next_poll_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX repositories_next_poll_idx`);
    await q.query(`ALTER TABLE repositories DROP COLUMN webhook_secret_sealed`);
    await q.query(`ALTER TABLE repositories DROP COLUMN poll_lease_until`);
    await q.query(`ALTER TABLE repositories DROP COLUMN next_poll_at`);
  }
}
