import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fleet status read model: one row per (application, cluster), kept by the hub in the same
 * transaction as every write that changes it. The backfill below is a frozen copy of the rule
 * at the time of this migration (src/domain/fleet-status.ts); later rows come from the hub.
 */
export class FleetStatus1764310000000 implements MigrationInterface {
  name = 'FleetStatus1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fleet_status (
        application_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        application_name text COLLATE "C" NOT NULL,
        cluster_name text COLLATE "C" NOT NULL,
        connection_state text NOT NULL,
        wanted_revision text,
        wanted_revision_display text,
        applied_revision text,
        applied_revision_display text,
        sync text NOT NULL,
        health text NOT NULL,
        drifted boolean NOT NULL,
        message text,
        last_job_id uuid,
        last_job_kind text,
        last_job_state text,
        last_job_revision_display text,
        last_job_attempts integer,
        last_job_error text,
        last_job_updated_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (application_id, cluster_id),
        CONSTRAINT fleet_status_application_id_fkey FOREIGN KEY (application_id)
          REFERENCES applications (id) ON DELETE CASCADE,
        CONSTRAINT fleet_status_cluster_id_fkey FOREIGN KEY (cluster_id)
          REFERENCES clusters (id) ON DELETE CASCADE
      )`);
    // Pages are ordered by (application name, cluster name); each filter has an index that
    // serves it in that order, so a filter over a large fleet reads one page, not the table.
    await q.query(`CREATE UNIQUE INDEX fleet_status_names_idx ON fleet_status (application_name, cluster_name)`);
    await q.query(`CREATE INDEX fleet_status_cluster_idx ON fleet_status (cluster_id)`);
    await q.query(`CREATE INDEX fleet_status_sync_idx ON fleet_status (sync, application_name, cluster_name)`);
    await q.query(
      `CREATE INDEX fleet_status_health_idx ON fleet_status (health, application_name, cluster_name)`,
    );
    await q.query(`
      WITH pairs AS (
        SELECT application_id, cluster_id FROM desired_states
        UNION
        SELECT application_id, cluster_id FROM reconcile_jobs WHERE state IN ('queued', 'leased')
      ),
      s AS (
        SELECT p.application_id, p.cluster_id, a.name AS application_name, c.name AS cluster_name,
               c.connection_state, d.application_id IS NOT NULL AS targeted,
               d.revision, d.revision_display, d.bundle_digest, d.render_error, d.applied_revision, d.applied_digest,
               j.id AS job_id, j.kind AS job_kind, j.state AS job_state, j.revision_display AS job_revision_display,
               j.attempts AS job_attempts, j.error AS job_error, j.updated_at AS job_updated_at,
               r.res_health, r.res_drifted
        FROM pairs p
        JOIN applications a ON a.id = p.application_id
        JOIN clusters c ON c.id = p.cluster_id
        LEFT JOIN desired_states d ON d.application_id = p.application_id AND d.cluster_id = p.cluster_id
        LEFT JOIN LATERAL (
          SELECT * FROM reconcile_jobs j
          WHERE j.application_id = p.application_id AND j.cluster_id = p.cluster_id AND j.state <> 'superseded'
          ORDER BY j.created_at DESC LIMIT 1
        ) j ON true
        LEFT JOIN LATERAL (
          SELECT (CASE (array_agg(rs.health ORDER BY CASE rs.health WHEN 'Current' THEN 0 WHEN 'Unknown' THEN -1
                        WHEN 'InProgress' THEN -2 WHEN 'NotFound' THEN -2 WHEN 'Terminating' THEN -3
                        WHEN 'Failed' THEN -4 ELSE 0 END))[1]
                  WHEN 'NotFound' THEN 'InProgress'
                  ELSE (array_agg(rs.health ORDER BY CASE rs.health WHEN 'Current' THEN 0 WHEN 'Unknown' THEN -1
                        WHEN 'InProgress' THEN -2 WHEN 'NotFound' THEN -2 WHEN 'Terminating' THEN -3
                        WHEN 'Failed' THEN -4 ELSE 0 END))[1] END) AS res_health,
                 bool_or(rs.drifted) AS res_drifted
          FROM resource_status rs WHERE rs.application_id = p.application_id AND rs.cluster_id = p.cluster_id
          HAVING count(*) > 0
        ) r ON true
      )
      INSERT INTO fleet_status (application_id, cluster_id, application_name, cluster_name, connection_state,
        wanted_revision, wanted_revision_display, applied_revision, applied_revision_display, sync, health,
        drifted, message, last_job_id, last_job_kind, last_job_state, last_job_revision_display,
        last_job_attempts, last_job_error, last_job_updated_at, updated_at)
      SELECT s.application_id, s.cluster_id, s.application_name, s.cluster_name, s.connection_state,
             s.revision, s.revision_display, s.applied_revision,
             CASE WHEN s.applied_revision IS NULL THEN NULL
                  WHEN s.applied_revision = s.revision THEN s.revision_display ELSE s.applied_revision END,
             CASE WHEN coalesce(s.render_error, '') <> '' THEN 'Failed'
                  WHEN s.connection_state <> 'Connected' THEN 'Unknown'
                  WHEN s.job_state IN ('queued', 'leased') THEN 'Progressing'
                  WHEN s.job_state = 'failed' THEN 'Failed'
                  WHEN coalesce(s.bundle_digest, '') <> '' AND s.applied_digest = s.bundle_digest
                    THEN CASE WHEN coalesce(s.res_drifted, false) THEN 'OutOfSync' ELSE 'Synced' END
                  WHEN s.targeted THEN 'OutOfSync'
                  ELSE 'Unknown' END,
             CASE WHEN s.connection_state = 'Connected' THEN coalesce(s.res_health, 'Unknown') ELSE 'Unknown' END,
             coalesce(s.res_drifted, false),
             CASE WHEN coalesce(s.render_error, '') <> '' THEN s.render_error
                  WHEN s.connection_state = 'Pending' THEN 'the agent has not joined yet'
                  WHEN s.connection_state <> 'Connected' THEN 'the agent is disconnected'
                  WHEN s.job_state IN ('queued', 'leased') THEN NULL
                  WHEN s.job_state = 'failed' THEN s.job_error
                  WHEN coalesce(s.bundle_digest, '') <> '' AND s.applied_digest = s.bundle_digest
                       AND coalesce(s.res_drifted, false) THEN 'live objects differ from the desired state'
                  ELSE NULL END,
             s.job_id, s.job_kind, s.job_state, s.job_revision_display, s.job_attempts, s.job_error,
             s.job_updated_at, now()
      FROM s`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE fleet_status`);
  }
}
