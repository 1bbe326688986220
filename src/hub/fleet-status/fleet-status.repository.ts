import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  CONNECTION_MESSAGES,
  SYNC_RULES,
  type MessageSource,
  type SyncCondition,
} from '../../domain/fleet-status.js';
import { isUuid } from '../../domain/ids.js';
import { type LabelSelector } from '../../domain/label-selector.js';
import { labelSelectorSql } from '../common/selector-sql.js';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { worstHealthSql } from '../dispatch/resource-status.repository.js';
import { FleetStatusEntity } from './fleet-status.entity.js';

/** Which rows of the read model a list or count covers. */
export interface FleetStatusFilter {
  /** Application id or name. */
  application?: string;
  /** Cluster id or name. */
  cluster?: string;
  selector?: LabelSelector;
  sync?: string[];
  health?: string[];
  /** Only rows of applications of these projects (names): a project-scoped caller's view. */
  projects?: string[];
}

/** Counts by sync and by health over a whole filtered set. */
export interface FleetStatusCounts {
  total: number;
  sync: Record<string, number>;
  health: Record<string, number>;
}

/** Predicates of the domain's named conditions over the columns of the refresh's `s` rows. */
const CONDITION_SQL: Record<SyncCondition, string> = {
  renderFailed: `coalesce(s.render_error, '') <> ''`,
  notConnected: `s.connection_state <> 'Connected'`,
  jobUnfinished: `s.job_state IN ('queued', 'leased')`,
  jobFailed: `s.job_state = 'failed'`,
  appliedCurrentDrifted: `(coalesce(s.bundle_digest, '') <> '' AND s.applied_digest = s.bundle_digest AND coalesce(s.res_drifted, false))`,
  appliedCurrent: `(coalesce(s.bundle_digest, '') <> '' AND s.applied_digest = s.bundle_digest)`,
  targeted: 's.targeted',
  always: 'true',
};

const literal = (t: string) => `'${t.replace(/'/g, "''")}'`;

function messageSql(m: MessageSource): string {
  if (m === null) return 'NULL';
  if (typeof m === 'object') return literal(m.text);
  if (m === 'renderError') return 's.render_error';
  if (m === 'jobError') return 's.job_error';
  const cases = Object.entries(CONNECTION_MESSAGES)
    .map(([state, text]) => `WHEN ${literal(state)} THEN ${literal(text)}`)
    .join(' ');
  return `(CASE s.connection_state ${cases} ELSE ${literal(CONNECTION_MESSAGES.Disconnected)} END)`;
}

/** `SYNC_RULES` as CASE expressions: built from the domain's table and constants only. */
const SYNC_SQL = `CASE ${SYNC_RULES.map((r) => `WHEN ${CONDITION_SQL[r.when]} THEN ${literal(r.sync)}`).join(' ')} END`;
const MESSAGE_SQL = `CASE ${SYNC_RULES.map((r) => `WHEN ${CONDITION_SQL[r.when]} THEN ${messageSql(r.message)}`).join(' ')} END`;
const HEALTH_SQL = `CASE WHEN s.connection_state = 'Connected' THEN coalesce(s.res_health, 'Unknown') ELSE 'Unknown' END`;

const VALUE_COLUMNS = [
  'application_name',
  'cluster_name',
  'connection_state',
  'wanted_revision',
  'wanted_revision_display',
  'applied_revision',
  'applied_revision_display',
  'sync',
  'health',
  'drifted',
  'message',
  'last_job_id',
  'last_job_kind',
  'last_job_state',
  'last_job_revision_display',
  'last_job_attempts',
  'last_job_error',
  'last_job_updated_at',
];

/** The fleet status read model (see {@link FleetStatusEntity}). */
@Injectable()
export class FleetStatusRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /**
   * Recomputes, in one statement, the rows of an application on `clusterIds` (every cluster when
   * null) from the source tables: desired state, the newest job that was not superseded, and the
   * resource status rollup. Pairs with neither desired state nor an unfinished job are deleted.
   * Call it inside the transaction that changed any of those, so the row commits with it.
   */
  async refresh(tx: Tx, applicationId: string, clusterIds: string[] | null): Promise<void> {
    if (clusterIds?.length === 0) return;
    await this.recompute(tx, { applicationIds: [applicationId], clusterIds: clusterIds ?? undefined });
  }

  /** Recomputes the rows of some applications on one cluster (an agent's status report). */
  async refreshOnCluster(tx: Tx, clusterId: string, applicationIds: string[]): Promise<void> {
    if (applicationIds.length === 0) return;
    await this.recompute(tx, { applicationIds, clusterIds: [clusterId] });
  }

  /** Recomputes the rows of some (application, cluster) pairs (jobs changed across applications). */
  async refreshPairs(tx: Tx, pairs: { applicationId: string; clusterId: string }[]): Promise<void> {
    if (pairs.length === 0) return;
    await this.recompute(tx, { pairs });
  }

  /**
   * After sync results: moves each job's row in place from its job, desired state and objects,
   * all jobs in one statement — a row whose last job is another one, or whose pair is no longer
   * targeted, is left alone. Call it after the objects and the applied revision are written.
   * Returns the jobs whose rows moved (the caller recomputes the others).
   */
  async updateAfterResults(
    tx: Tx,
    jobs: readonly { id: string; applicationId: string; clusterId: string }[],
  ): Promise<Set<string>> {
    if (jobs.length === 0) return new Set();
    const res: unknown = await managerOf(this.ds, tx).query(
      `UPDATE fleet_status f SET
              wanted_revision = s.revision, wanted_revision_display = s.revision_display,
              applied_revision = s.applied_revision,
              applied_revision_display = CASE WHEN s.applied_revision IS NULL THEN NULL
                   WHEN s.applied_revision = s.revision THEN s.revision_display ELSE s.applied_revision END,
              sync = ${SYNC_SQL}, health = ${HEALTH_SQL}, drifted = coalesce(s.res_drifted, false),
              message = ${MESSAGE_SQL},
              last_job_state = s.job_state, last_job_attempts = s.job_attempts, last_job_error = s.job_error,
              last_job_updated_at = s.job_updated_at, updated_at = now()
         FROM (
           SELECT k.application_id, k.cluster_id, k.job_id,
                  f0.connection_state, d.application_id IS NOT NULL AS targeted,
                  d.revision, d.revision_display, d.bundle_digest, d.render_error,
                  d.applied_revision, d.applied_digest,
                  j.state AS job_state, j.attempts AS job_attempts, j.error AS job_error,
                  j.updated_at AS job_updated_at, r.res_health, r.res_drifted
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS k(application_id, cluster_id, job_id)
           JOIN fleet_status f0 ON f0.application_id = k.application_id AND f0.cluster_id = k.cluster_id
           JOIN reconcile_jobs j ON j.id = k.job_id
           LEFT JOIN desired_states d ON d.application_id = k.application_id AND d.cluster_id = k.cluster_id
           LEFT JOIN LATERAL (
             SELECT ${worstHealthSql('rs.health')} AS res_health, bool_or(rs.drifted) AS res_drifted
             FROM resource_status rs WHERE rs.application_id = k.application_id AND rs.cluster_id = k.cluster_id
             HAVING count(*) > 0
           ) r ON true
         ) s
        WHERE f.application_id = s.application_id AND f.cluster_id = s.cluster_id
          AND f.last_job_id = s.job_id AND s.targeted
        RETURNING f.last_job_id AS id`,
      [jobs.map((j) => j.applicationId), jobs.map((j) => j.clusterId), jobs.map((j) => j.id)],
    );
    // TypeORM answers an UPDATE … RETURNING with [rows, count]
    const rows = (Array.isArray(res) && Array.isArray(res[0]) ? res[0] : res) as { id: string }[];
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Recomputes every row of some clusters (a connection transition changes all of them at once).
   * Call it in the transaction that changed their connection state.
   */
  async refreshClusters(tx: Tx, clusterIds: string[]): Promise<void> {
    if (clusterIds.length === 0) return;
    await this.recompute(tx, { clusterIds });
  }

  private async recompute(tx: Tx, only: RecomputeScope): Promise<void> {
    const { sql, params } = recomputeStatement(only);
    await managerOf(this.ds, tx).query(sql, params);
  }

  /**
   * EXPLAIN ANALYZE, as JSON, of {@link refreshPairs} for some pairs, run in `tx` (it executes the
   * statement: tests call it in a transaction they roll back).
   */
  async explainRefreshPairs(tx: Tx, pairs: { applicationId: string; clusterId: string }[]): Promise<unknown> {
    const { sql, params } = recomputeStatement({ pairs });
    const rows: { 'QUERY PLAN': unknown }[] = await managerOf(this.ds, tx).query(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      params,
    );
    return rows[0]['QUERY PLAN'];
  }

  /** A page of rows ordered by application then cluster name, after a (application, cluster) name pair. */
  page(
    filter: FleetStatusFilter,
    after: [string, string] | null,
    limit: number,
  ): Promise<FleetStatusEntity[]> {
    const { sql, params } = this.pageSql(filter, after, limit);
    return this.ds.query<FleetStatusRow[]>(sql, params).then((rows) => rows.map(fromRow));
  }

  /** Counts by sync and health of every row the filter selects, in one grouped query. */
  async counts(filter: FleetStatusFilter): Promise<FleetStatusCounts> {
    const params: unknown[] = [];
    const { from, where } = filterSql(filter, params);
    const rows: { sync: string; health: string; n: string }[] = await this.ds.query(
      `SELECT f.sync, f.health, count(*) AS n FROM ${from} WHERE ${where} GROUP BY f.sync, f.health`,
      params,
    );
    const out: FleetStatusCounts = { total: 0, sync: {}, health: {} };
    for (const r of rows) {
      const n = Number(r.n);
      out.total += n;
      out.sync[r.sync] = (out.sync[r.sync] ?? 0) + n;
      out.health[r.health] = (out.health[r.health] ?? 0) + n;
    }
    return out;
  }

  /** Every row of one application (the application view), ordered by cluster name. */
  async forApplication(applicationId: string): Promise<FleetStatusEntity[]> {
    const rows: FleetStatusRow[] = await this.ds.query(
      `SELECT * FROM fleet_status WHERE application_id = $1 ORDER BY cluster_name`,
      [applicationId],
    );
    return rows.map(fromRow);
  }

  /**
   * Sync, health and revisions of some applications on some clusters (what dependencies are
   * judged by), in the caller's transaction when given.
   */
  async statesOf(
    applicationIds: string[],
    clusterIds: string[],
    tx?: Tx,
  ): Promise<
    {
      applicationId: string;
      clusterId: string;
      sync: string;
      health: string;
      wantedRevision: string | null;
      appliedRevision: string | null;
    }[]
  > {
    if (applicationIds.length === 0 || clusterIds.length === 0) return [];
    return managerOf(this.ds, tx).query(
      `SELECT application_id AS "applicationId", cluster_id AS "clusterId", sync, health,
              wanted_revision AS "wantedRevision", applied_revision AS "appliedRevision"
         FROM fleet_status WHERE application_id = ANY($1::uuid[]) AND cluster_id = ANY($2::uuid[])`,
      [applicationIds, clusterIds],
    );
  }

  /** EXPLAIN of the page query a filter runs (tests check it stays an index scan). */
  async explain(filter: FleetStatusFilter, after: [string, string] | null, limit: number): Promise<string> {
    const { sql, params } = this.pageSql(filter, after, limit);
    const rows: { 'QUERY PLAN': string }[] = await this.ds.query(`EXPLAIN ${sql}`, params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  private pageSql(
    filter: FleetStatusFilter,
    after: [string, string] | null,
    limit: number,
  ): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    const { from, where } = filterSql(filter, params);
    let keyset = '';
    if (after) {
      params.push(after[0], after[1]);
      keyset = ` AND (f.application_name, f.cluster_name) > ($${params.length - 1}::text, $${params.length}::text)`;
    }
    params.push(limit);
    return {
      sql: `SELECT f.* FROM ${from} WHERE ${where}${keyset}
            ORDER BY f.application_name, f.cluster_name LIMIT $${params.length}`,
      params,
    };
  }
}

/** What {@link FleetStatusRepository} recomputes: rows of applications, of clusters, or of given pairs. */
interface RecomputeScope {
  applicationIds?: string[];
  clusterIds?: string[];
  pairs?: { applicationId: string; clusterId: string }[];
}

/**
 * The one statement that recomputes the rows of a scope from the source tables and deletes the
 * rows of pairs with neither desired state nor an unfinished job.
 */
function recomputeStatement(only: RecomputeScope): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  // the given pairs, bound once: (application ids, cluster ids)
  const given = only.pairs
    ? `unnest(${p(only.pairs.map((x) => x.applicationId))}::uuid[], ${p(only.pairs.map((x) => x.clusterId))}::uuid[])`
    : null;
  const scope = (alias: string) => {
    const parts: string[] = [];
    if (only.applicationIds) parts.push(`${alias}.application_id = ANY(${p(only.applicationIds)}::uuid[])`);
    if (only.clusterIds) parts.push(`${alias}.cluster_id = ANY(${p(only.clusterIds)}::uuid[])`);
    if (given) parts.push(`(${alias}.application_id, ${alias}.cluster_id) IN (SELECT * FROM ${given})`);
    if (parts.length === 0) throw new Error('fleet status refresh without a scope');
    return parts.join(' AND ');
  };
  // The pairs that keep a row: desired state, or a job not yet finished. Given pairs are probed
  // one by one through the indexes: as a semi-join against the jobs the transaction has just
  // inserted (which the planner's statistics do not know yet), 10,000 pairs took seconds.
  const pairs = given
    ? `SELECT DISTINCT k.application_id, k.cluster_id
       FROM ${given} AS k(application_id, cluster_id)
       WHERE EXISTS (SELECT 1 FROM desired_states d
                     WHERE d.application_id = k.application_id AND d.cluster_id = k.cluster_id)
          OR EXISTS (SELECT 1 FROM reconcile_jobs j
                     WHERE j.application_id = k.application_id AND j.cluster_id = k.cluster_id
                       AND j.state IN ('queued', 'leased'))`
    : `SELECT d.application_id, d.cluster_id FROM desired_states d WHERE ${scope('d')}
       UNION
       SELECT j.application_id, j.cluster_id FROM reconcile_jobs j
       WHERE ${scope('j')} AND j.state IN ('queued', 'leased')`;
  const target = scope('f');
  const cols = ['application_id', 'cluster_id', ...VALUE_COLUMNS, 'updated_at'];
  return {
    sql: `WITH pairs AS (${pairs}),
     s AS (
       SELECT p.application_id, p.cluster_id, a.name AS application_name, c.name AS cluster_name,
              c.connection_state, d.application_id IS NOT NULL AS targeted,
              d.revision, d.revision_display, d.bundle_digest, d.render_error,
              d.applied_revision, d.applied_digest,
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
         SELECT ${worstHealthSql('rs.health')} AS res_health, bool_or(rs.drifted) AS res_drifted
         FROM resource_status rs WHERE rs.application_id = p.application_id AND rs.cluster_id = p.cluster_id
         HAVING count(*) > 0
       ) r ON true
     ),
     upserted AS (
       INSERT INTO fleet_status (${cols.join(', ')})
       SELECT s.application_id, s.cluster_id, s.application_name, s.cluster_name, s.connection_state,
              s.revision, s.revision_display, s.applied_revision,
              CASE WHEN s.applied_revision IS NULL THEN NULL
                   WHEN s.applied_revision = s.revision THEN s.revision_display ELSE s.applied_revision END,
              ${SYNC_SQL}, ${HEALTH_SQL}, coalesce(s.res_drifted, false), ${MESSAGE_SQL},
              s.job_id, s.job_kind, s.job_state, s.job_revision_display, s.job_attempts, s.job_error,
              s.job_updated_at, now()
       FROM s
       ON CONFLICT (application_id, cluster_id) DO UPDATE SET
         ${[...VALUE_COLUMNS, 'updated_at'].map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
       WHERE (${VALUE_COLUMNS.map((c) => `fleet_status.${c}`).join(', ')})
             IS DISTINCT FROM (${VALUE_COLUMNS.map((c) => `EXCLUDED.${c}`).join(', ')})
     )
     DELETE FROM fleet_status f
     WHERE ${target}
       AND NOT EXISTS (SELECT 1 FROM pairs p WHERE p.application_id = f.application_id AND p.cluster_id = f.cluster_id)`,
    params,
  };
}

function filterSql(filter: FleetStatusFilter, params: unknown[]): { from: string; where: string } {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (filter.application !== undefined)
    where.push(
      isUuid(filter.application)
        ? `f.application_id = ${p(filter.application)}::uuid`
        : `f.application_name = ${p(filter.application)}::text`,
    );
  if (filter.cluster !== undefined)
    where.push(
      isUuid(filter.cluster)
        ? `f.cluster_id = ${p(filter.cluster)}::uuid`
        : `f.cluster_name = ${p(filter.cluster)}::text`,
    );
  if (filter.projects !== undefined)
    where.push(
      `f.application_id IN (SELECT a.id FROM applications a JOIN projects pr ON pr.id = a.project_id WHERE pr.name = ANY(${p(filter.projects)}::text[]))`,
    );
  if (filter.sync?.length) where.push(`f.sync = ANY(${p(filter.sync)}::text[])`);
  if (filter.health?.length) where.push(`f.health = ANY(${p(filter.health)}::text[])`);
  let from = 'fleet_status f';
  if (filter.selector?.length) {
    from += ' JOIN clusters c ON c.id = f.cluster_id';
    where.push(labelSelectorSql(filter.selector, 'c.labels', params));
  }
  return { from, where: where.length ? where.join(' AND ') : 'true' };
}

/** A row of `fleet_status` as the driver returns it. */
interface FleetStatusRow {
  application_id: string;
  cluster_id: string;
  application_name: string;
  cluster_name: string;
  connection_state: string;
  wanted_revision: string | null;
  wanted_revision_display: string | null;
  applied_revision: string | null;
  applied_revision_display: string | null;
  sync: string;
  health: string;
  drifted: boolean;
  message: string | null;
  last_job_id: string | null;
  last_job_kind: string | null;
  last_job_state: string | null;
  last_job_revision_display: string | null;
  last_job_attempts: number | null;
  last_job_error: string | null;
  last_job_updated_at: Date | null;
  updated_at: Date;
}

/**
 * A raw row as entity properties, by hand: pages are up to 5,000 rows and TypeORM's per-row
 * entity building cost several times the query itself.
 */
function fromRow(r: FleetStatusRow): FleetStatusEntity {
  return {
    applicationId: r.application_id,
    clusterId: r.cluster_id,
    applicationName: r.application_name,
    clusterName: r.cluster_name,
    connectionState: r.connection_state,
    wantedRevision: r.wanted_revision,
    wantedRevisionDisplay: r.wanted_revision_display,
    appliedRevision: r.applied_revision,
    appliedRevisionDisplay: r.applied_revision_display,
    sync: r.sync,
    health: r.health,
    drifted: r.drifted,
    message: r.message,
    lastJobId: r.last_job_id,
    lastJobKind: r.last_job_kind,
    lastJobState: r.last_job_state,
    lastJobRevisionDisplay: r.last_job_revision_display,
    lastJobAttempts: r.last_job_attempts,
    lastJobError: r.last_job_error,
    lastJobUpdatedAt: r.last_job_updated_at,
    updatedAt: r.updated_at,
  };
}
