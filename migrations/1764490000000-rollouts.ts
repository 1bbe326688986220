import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staged rollouts (issue 16): an application's strategy, and each rollout with its plan, position
 * and history, and the clusters it holds (the bundle it gives each, the one it would go back to).
 */
export class Rollouts1764490000000 implements MigrationInterface {
  name = 'Rollouts1764490000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE applications ADD COLUMN rollout jsonb`);
    await q.query(`
      CREATE TABLE rollouts (
        id uuid PRIMARY KEY,
        application_id uuid NOT NULL,
        revision text NOT NULL,
        revision_display text NOT NULL,
        state text NOT NULL,
        on_failure text NOT NULL,
        plan jsonb NOT NULL,
        position jsonb NOT NULL,
        reason text,
        wait_for jsonb NOT NULL,
        history jsonb NOT NULL,
        started_by text NOT NULL,
        check_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        ended_at timestamptz,
        CONSTRAINT rollouts_application_id_fkey FOREIGN KEY (application_id)
          REFERENCES applications (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX rollouts_application_idx ON rollouts (application_id, created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX rollouts_open_idx ON rollouts (check_at) WHERE state IN ('progressing', 'awaiting-approval', 'paused')`,
    );
    await q.query(`
      CREATE TABLE rollout_clusters (
        rollout_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        stage integer NOT NULL,
        batch integer NOT NULL,
        bundle_digest text NOT NULL,
        previous_digest text,
        previous_revision text,
        previous_revision_display text,
        started_at timestamptz,
        rolled_back_at timestamptz,
        PRIMARY KEY (rollout_id, cluster_id),
        CONSTRAINT rollout_clusters_rollout_id_fkey FOREIGN KEY (rollout_id)
          REFERENCES rollouts (id) ON DELETE CASCADE,
        CONSTRAINT rollout_clusters_cluster_id_fkey FOREIGN KEY (cluster_id)
          REFERENCES clusters (id) ON DELETE CASCADE,
        CONSTRAINT rollout_clusters_bundle_digest_fkey FOREIGN KEY (bundle_digest) REFERENCES bundles (digest),
        CONSTRAINT rollout_clusters_previous_digest_fkey FOREIGN KEY (previous_digest) REFERENCES bundles (digest)
      )`);
    await q.query(`CREATE INDEX rollout_clusters_cluster_idx ON rollout_clusters (cluster_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rollout_clusters`);
    await q.query(`DROP TABLE rollouts`);
    await q.query(`ALTER TABLE applications DROP COLUMN rollout`);
  }
}
