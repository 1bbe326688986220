import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The group/versions each cluster's API server serves, as its agent reports them: Helm charts
 * rendered for the cluster see them as `.Capabilities.APIVersions` (issue 15). Null until the
 * agent's next heartbeat.
 */
export class ClusterApiVersions1764480000000 implements MigrationInterface {
  name = 'ClusterApiVersions1764480000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters ADD COLUMN api_versions jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters DROP COLUMN api_versions`);
  }
}
