import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Applications, content-addressed bundles, desired state per (application, cluster), the
 * deployment history, reconcile jobs, per-resource status and the agent report ledger.
 */
export class ApplicationsAndDispatch1764190000000 implements MigrationInterface {
  name = 'ApplicationsAndDispatch1764190000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE applications (
        id uuid PRIMARY KEY,
        name text COLLATE "C" NOT NULL,
        repository_id uuid NOT NULL REFERENCES repositories (id) ON DELETE RESTRICT,
        path text NOT NULL,
        revision text,
        targets jsonb NOT NULL,
        sync_policy jsonb NOT NULL,
        ignore_differences jsonb NOT NULL,
        suspended boolean NOT NULL DEFAULT false,
        deleting boolean NOT NULL DEFAULT false,
        generation integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX applications_name_key ON applications (name)`);
    await q.query(`CREATE INDEX applications_repository_idx ON applications (repository_id)`);

    await q.query(`
      CREATE TABLE bundles (
        digest text PRIMARY KEY,
        content bytea NOT NULL,
        object_count integer NOT NULL,
        size_bytes integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE deployments (
        id uuid PRIMARY KEY,
        application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
        revision text NOT NULL,
        revision_display text NOT NULL,
        trigger text NOT NULL,
        actor_name text NOT NULL,
        cluster_count integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX deployments_application_idx ON deployments (application_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE desired_states (
        application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
        cluster_id uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
        revision text,
        revision_display text,
        bundle_digest text REFERENCES bundles (digest),
        generation integer NOT NULL DEFAULT 0,
        render_error text,
        applied_revision text,
        applied_digest text,
        inventory jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (application_id, cluster_id)
      )`);
    await q.query(`CREATE INDEX desired_states_cluster_idx ON desired_states (cluster_id)`);

    await q.query(`
      CREATE TABLE reconcile_jobs (
        id uuid PRIMARY KEY,
        cluster_id uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
        application_id uuid NOT NULL,
        deployment_id uuid,
        kind text NOT NULL CONSTRAINT reconcile_jobs_kind_check CHECK (kind IN ('sync', 'remove')),
        revision text NOT NULL,
        revision_display text NOT NULL,
        bundle_digest text REFERENCES bundles (digest),
        prune boolean NOT NULL,
        state text NOT NULL CONSTRAINT reconcile_jobs_state_check CHECK (state IN ('queued', 'leased', 'succeeded', 'failed', 'superseded')),
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL DEFAULT 5,
        not_before timestamptz NOT NULL DEFAULT now(),
        lease_expires_at timestamptz,
        result jsonb,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // What an agent asks for: its queued jobs, oldest first.
    await q.query(`CREATE INDEX reconcile_jobs_queue_idx ON reconcile_jobs (cluster_id, not_before) WHERE state = 'queued'`);
    await q.query(`CREATE INDEX reconcile_jobs_lease_idx ON reconcile_jobs (lease_expires_at) WHERE state = 'leased'`);
    await q.query(`CREATE INDEX reconcile_jobs_app_cluster_idx ON reconcile_jobs (application_id, cluster_id, created_at DESC)`);
    await q.query(`CREATE INDEX reconcile_jobs_deployment_idx ON reconcile_jobs (deployment_id)`);
    // Bundle visibility: "was this cluster ever given this digest?", asked on every bundle fetch.
    await q.query(`CREATE INDEX reconcile_jobs_cluster_digest_idx ON reconcile_jobs (cluster_id, bundle_digest)`);

    await q.query(`
      CREATE TABLE resource_status (
        application_id uuid NOT NULL,
        cluster_id uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
        resource text NOT NULL,
        action text,
        health text NOT NULL DEFAULT 'Unknown',
        health_message text,
        drifted boolean NOT NULL DEFAULT false,
        diff text,
        message text,
        revision text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (application_id, cluster_id, resource)
      )`);

    await q.query(`
      CREATE TABLE agent_reports (
        report_id uuid PRIMARY KEY,
        cluster_id uuid NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['agent_reports', 'resource_status', 'reconcile_jobs', 'desired_states', 'deployments', 'bundles', 'applications'])
      await q.query(`DROP TABLE ${t}`);
  }
}
