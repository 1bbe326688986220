import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fleet-wide previews (issue 18): a preview of an application at a revision, and each target
 * cluster's part (render error, policy denials, the preview job's lease and the agent's answer).
 */
export class Previews1764520000000 implements MigrationInterface {
  name = 'Previews1764520000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE previews (
        id uuid PRIMARY KEY,
        application_id uuid,
        application_name text NOT NULL,
        project_id uuid NOT NULL,
        ref_revision text,
        ref_branch text,
        revision text,
        revision_display text,
        prune boolean NOT NULL,
        ignore_differences jsonb NOT NULL,
        object_policy jsonb NOT NULL,
        requested_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        delete_after timestamptz NOT NULL,
        CONSTRAINT previews_application_id_fkey FOREIGN KEY (application_id)
          REFERENCES applications (id) ON DELETE CASCADE,
        CONSTRAINT previews_project_id_fkey FOREIGN KEY (project_id)
          REFERENCES projects (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX previews_application_idx ON previews (application_id, created_at)`);
    await q.query(`CREATE INDEX previews_delete_after_idx ON previews (delete_after)`);
    await q.query(`
      CREATE TABLE preview_clusters (
        id uuid PRIMARY KEY,
        preview_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        cluster_name text NOT NULL,
        job boolean NOT NULL,
        bundle_digest text,
        render_error text,
        policy_denials jsonb NOT NULL DEFAULT '[]',
        unknown_reason text,
        lease_expires_at timestamptz,
        report_id text,
        answered_at timestamptz,
        outcome text,
        message text,
        objects jsonb NOT NULL DEFAULT '[]',
        CONSTRAINT preview_clusters_preview_id_fkey FOREIGN KEY (preview_id)
          REFERENCES previews (id) ON DELETE CASCADE,
        CONSTRAINT preview_clusters_cluster_id_fkey FOREIGN KEY (cluster_id)
          REFERENCES clusters (id) ON DELETE CASCADE,
        CONSTRAINT preview_clusters_bundle_digest_fkey FOREIGN KEY (bundle_digest)
          REFERENCES bundles (digest)
      )`);
    await q.query(`CREATE INDEX preview_clusters_preview_idx ON preview_clusters (preview_id)`);
    await q.query(
      `CREATE INDEX preview_clusters_queue_idx ON preview_clusters (cluster_id, lease_expires_at) WHERE answered_at IS NULL AND job = true`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE preview_clusters`);
    await q.query(`DROP TABLE previews`);
  }
}
