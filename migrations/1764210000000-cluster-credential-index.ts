import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every agent request looks its cluster up by the credential's hash: index it (unique, as the
 * registration token hash is) so authentication does not scan the clusters table.
 */
export class ClusterCredentialIndex1764210000000 implements MigrationInterface {
  name = 'ClusterCredentialIndex1764210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE UNIQUE INDEX clusters_credential_hash_key ON clusters (credential_hash)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX clusters_credential_hash_key`);
  }
}
