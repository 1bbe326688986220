import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sealed secrets (issue 17): the public age recipient of each cluster's agent (secrets are
 * sealed to it; the private key never leaves the cluster), and when an operator asked the agent
 * for a new one (`flotilla cluster rotate-key`), until the agent sends it.
 */
export class ClusterAgeRecipients1764500000000 implements MigrationInterface {
  name = 'ClusterAgeRecipients1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters ADD COLUMN age_recipient text`);
    await q.query(`ALTER TABLE clusters ADD COLUMN age_key_rotation_requested_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters DROP COLUMN age_key_rotation_requested_at`);
    await q.query(`ALTER TABLE clusters DROP COLUMN age_recipient`);
  }
}
