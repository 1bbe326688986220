import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import type { HealthCheckRule } from '../../domain/health/custom-health.js';
import type { ObjectPolicy } from '../../domain/object-policy.js';
import { INLINE_BUNDLE_MAX_BYTES } from '../../protocol/v1/agent-protocol.js';
import { type JobState, ReconcileJobEntity } from './reconcile-job.entity.js';
import { insertRows } from '../database/bulk-insert.js';

/** The fields a transition writes (see `JobChange` in domain/job-lifecycle.ts). */
export interface JobStateWrite {
  id: string;
  /** The state the transition was decided from: the row is written only if it still has it. */
  from: JobState;
  state: JobState;
  attempts: number;
  notBefore: Date;
  leaseExpiresAt: Date | null;
  error: string | null;
  /** Set only by results; other transitions keep the stored one. */
  result?: Record<string, unknown>;
}

/**
 * Reconcile jobs. Only the dispatch service writes their state (JobDispatchService): it asks
 * the domain for each transition and writes it here. Rows are locked before a decision
 * (FOR UPDATE, SKIP LOCKED where replicas compete) and written only if still in the state the
 * decision was made from, so two replicas never both apply a transition.
 */
@Injectable()
export class ReconcileJobRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** Queued jobs of an application on some clusters, locked: about to be superseded. */
  lockQueuedFor(tx: Tx, applicationId: string, clusterIds: string[]): Promise<ReconcileJobEntity[]> {
    if (clusterIds.length === 0) return Promise.resolve([]);
    return managerOf(this.ds, tx)
      .createQueryBuilder(ReconcileJobEntity, 'j')
      .where(`j.application_id = :applicationId AND j.cluster_id = ANY(:clusterIds) AND j.state = 'queued'`, {
        applicationId,
        clusterIds,
      })
      .setLock('pessimistic_write')
      .getMany();
  }

  async insertMany(tx: Tx, jobs: Omit<ReconcileJobEntity, 'createdAt' | 'updatedAt'>[]): Promise<void> {
    await insertRows(managerOf(this.ds, tx), ReconcileJobEntity, jobs as ReconcileJobEntity[]);
  }

  /**
   * Leases up to `limit` due queued jobs of each cluster, oldest first, for many clusters in one
   * statement (the agents' hot path: a commit wakes a whole fleet's polls at once). It is the
   * domain's `lease` transition done set-based: the WHERE is its precondition (queued,
   * `not_before <= now`), the SET its change (leased, one more attempt, the lease end the caller
   * got from the domain). SKIP LOCKED lets replicas share. One statement, so atomic without a
   * transaction: nothing may fail between granting a lease and answering. Each cluster appears
   * once in `wanted`.
   */
  async claim(
    wanted: readonly { clusterId: string; limit: number }[],
    now: Date,
    leaseUntil: Date,
  ): Promise<Map<string, Claimed>> {
    // The fleet status read model moves with the lease: only the row's last-job columns (queued
    // and leased read the same in the domain's sync rule), by primary key, and a row whose last
    // job is another one is left alone. The statement also tells when each cluster's next queued
    // job is due (locked or not: only a job leased here is left out), so a replica can skip the
    // claims of an idle cluster until then, the application's own health rules, which the lease
    // carries, and a small bundle, which travels with its job.
    const rows: (JobRow & {
      wanted_cluster: string;
      application_name: string | null;
      application_health_checks: unknown;
      inline_bundle: Buffer | null;
      next_due: Date | null;
    })[] = await this.ds.manager.query(
      `WITH want AS (
         SELECT * FROM unnest($1::uuid[], $2::int[]) AS w(cluster_id, lim)),
       picked AS (
         SELECT p.id FROM want w CROSS JOIN LATERAL (
           SELECT id FROM reconcile_jobs
            WHERE cluster_id = w.cluster_id AND state = 'queued' AND not_before <= $3
            ORDER BY not_before, created_at LIMIT w.lim FOR UPDATE SKIP LOCKED) p),
       leased AS (
         UPDATE reconcile_jobs SET state = 'leased', lease_expires_at = $4, attempts = attempts + 1, updated_at = now()
          WHERE id IN (SELECT id FROM picked)
          RETURNING *),
       status AS (
         UPDATE fleet_status f SET last_job_state = 'leased', last_job_attempts = leased.attempts,
                last_job_error = NULL, last_job_updated_at = now(), updated_at = now()
           FROM leased
          WHERE f.application_id = leased.application_id AND f.cluster_id = leased.cluster_id
            AND f.last_job_id = leased.id),
       next AS (
         SELECT w.cluster_id,
                (SELECT min(r.not_before) FROM reconcile_jobs r
                  WHERE r.cluster_id = w.cluster_id AND r.state = 'queued'
                    AND r.id NOT IN (SELECT id FROM leased)) AS due
           FROM want w)
       SELECT next.cluster_id AS wanted_cluster, next.due AS next_due, l.*
         FROM next LEFT JOIN (
           SELECT leased.*, a.name AS application_name, a.health_checks AS application_health_checks,
                  b.content AS inline_bundle
             FROM leased LEFT JOIN applications a ON a.id = leased.application_id
             LEFT JOIN bundles b ON b.digest = leased.bundle_digest AND b.size_bytes <= $5) l
           ON l.cluster_id = next.cluster_id
        ORDER BY next.cluster_id, l.created_at`,
      [wanted.map((w) => w.clusterId), wanted.map((w) => w.limit), now, leaseUntil, INLINE_BUNDLE_MAX_BYTES],
    );
    const out = new Map<string, Claimed>();
    for (const r of rows) {
      const claimed = out.get(r.wanted_cluster) ?? { jobs: [], nextDueAt: r.next_due ?? null };
      out.set(r.wanted_cluster, claimed);
      if (r.id === null) continue;
      claimed.jobs.push(
        Object.assign(toEntity(r), {
          applicationName: r.application_name ?? '',
          applicationHealthChecks: Array.isArray(r.application_health_checks)
            ? r.application_health_checks
            : [],
          inlineBundle: r.inline_bundle ?? null,
        }),
      );
    }
    return out;
  }

  /**
   * The jobs of a batch of results, each only if it is its cluster's, locked for the rest of the
   * transaction in id order (two batches lock what they share in the same order), with the
   * project of its application for the audit trail: one round trip for the whole batch. The
   * rows only, not their applications': results of one application arrive from every cluster.
   */
  async findManyForClusters(
    tx: Tx,
    keys: readonly { id: string; clusterId: string }[],
  ): Promise<Map<string, ResultJob>> {
    if (keys.length === 0) return new Map();
    const rows: JobRow[] = await managerOf(this.ds, tx).query(
      `SELECT j.*, a.project_id AS application_project_id
         FROM reconcile_jobs j LEFT JOIN applications a ON a.id = j.application_id
        WHERE (j.id, j.cluster_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))
        ORDER BY j.id
          FOR UPDATE OF j`,
      [keys.map((k) => k.id), keys.map((k) => k.clusterId)],
    );
    return new Map(
      rows.map((r) => [r.id, Object.assign(toEntity(r), { projectId: r.application_project_id ?? null })]),
    );
  }

  findById(id: string): Promise<ReconcileJobEntity | null> {
    return this.ds.manager.findOne(ReconcileJobEntity, { where: { id } });
  }

  /** Leased jobs whose lease ended before `now`, locked; another replica's are skipped. */
  lockExpiredLeases(tx: Tx, now: Date, limit: number): Promise<ReconcileJobEntity[]> {
    return managerOf(this.ds, tx)
      .createQueryBuilder(ReconcileJobEntity, 'j')
      .where(`j.state = 'leased' AND j.lease_expires_at < :now`, { now })
      .orderBy('j.lease_expires_at', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  /**
   * Writes decided transitions in one statement; a row no longer in the state the decision was
   * made from is left alone. Returns the ids written.
   */
  async writeStates(tx: Tx, writes: JobStateWrite[]): Promise<Set<string>> {
    if (writes.length === 0) return new Set();
    const [rows]: [{ id: string }[], number] = await managerOf(this.ds, tx).query(
      `UPDATE reconcile_jobs j SET state = v.state, attempts = v.attempts, not_before = v.not_before,
              lease_expires_at = v.lease_expires_at, error = v.error,
              result = COALESCE(v.result::jsonb, j.result), updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[])
            AS v(id, from_state, state, attempts, not_before, lease_expires_at, error, result)
       WHERE j.id = v.id AND j.state = v.from_state
       RETURNING j.id`,
      [
        writes.map((w) => w.id),
        writes.map((w) => w.from),
        writes.map((w) => w.state),
        writes.map((w) => w.attempts),
        writes.map((w) => w.notBefore.toISOString()),
        writes.map((w) => w.leaseExpiresAt?.toISOString() ?? null),
        writes.map((w) => w.error),
        writes.map((w) => (w.result ? JSON.stringify(w.result) : null)),
      ],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** The newest job of each cluster for an application. */
  latestPerCluster(applicationId: string): Promise<ReconcileJobEntity[]> {
    return this.ds.manager
      .createQueryBuilder(ReconcileJobEntity, 'j')
      .distinctOn(['j.cluster_id'])
      .where('j.application_id = :applicationId AND j.state <> :superseded', {
        applicationId,
        superseded: 'superseded',
      })
      .orderBy('j.cluster_id')
      .addOrderBy('j.created_at', 'DESC')
      .getMany();
  }

  /** Jobs of an application that have not finished. */
  unfinished(applicationId: string, tx?: Tx): Promise<ReconcileJobEntity[]> {
    return managerOf(this.ds, tx)
      .createQueryBuilder(ReconcileJobEntity, 'j')
      .where(`j.application_id = :applicationId AND j.state IN ('queued', 'leased')`, { applicationId })
      .getMany();
  }

  /** Outcome counts of the jobs of some deployments. */
  async outcomes(deploymentIds: string[]): Promise<Map<string, Record<string, number>>> {
    const out = new Map<string, Record<string, number>>();
    if (deploymentIds.length === 0) return out;
    const rows: { deployment_id: string; state: string; n: string }[] = await this.ds.query(
      `SELECT deployment_id, state, count(*) AS n FROM reconcile_jobs WHERE deployment_id = ANY($1) GROUP BY 1, 2`,
      [deploymentIds],
    );
    for (const r of rows) {
      const m = out.get(r.deployment_id) ?? {};
      m[r.state] = Number(r.n);
      out.set(r.deployment_id, m);
    }
    return out;
  }
}

/** A reconcile_jobs row as the driver returns it. */
/** A job just leased, with the name of its application (what the agent logs and labels by). */
export type LeasedJob = ReconcileJobEntity & {
  applicationName: string;
  /** The application's own health rules as stored now (the hub's are merged in by the caller). */
  applicationHealthChecks: HealthCheckRule[];
  /** The bundle's bytes when it is small enough to travel with the job (else fetched by the agent). */
  inlineBundle: Buffer | null;
};

/** What a claim leased, and when the cluster's next queued job is due (null: none queued). */
export interface Claimed {
  jobs: LeasedJob[];
  nextDueAt: Date | null;
}

/** A job a result is reported for, with its application's project (null once the application is gone). */
export type ResultJob = ReconcileJobEntity & { projectId: string | null };

interface JobRow {
  /** Only in the lease's answer. */
  application_name?: string | null;
  /** Only in a result's lookup. */
  application_project_id?: string | null;
  id: string;
  cluster_id: string;
  application_id: string;
  deployment_id: string | null;
  kind: 'sync' | 'remove';
  revision: string;
  revision_display: string;
  bundle_digest: string | null;
  prune: boolean;
  self_heal: boolean;
  ignore_differences: string[];
  object_policy: ObjectPolicy | null;
  state: JobState;
  attempts: number;
  max_attempts: number;
  not_before: Date;
  lease_expires_at: Date | null;
  result: Record<string, unknown> | null;
  error: string | null;
  created_at: Date;
  updated_at: Date;
}

function toEntity(r: JobRow): ReconcileJobEntity {
  return Object.assign(new ReconcileJobEntity(), {
    id: r.id,
    clusterId: r.cluster_id,
    applicationId: r.application_id,
    deploymentId: r.deployment_id,
    kind: r.kind,
    revision: r.revision,
    revisionDisplay: r.revision_display,
    bundleDigest: r.bundle_digest,
    prune: r.prune,
    selfHeal: r.self_heal,
    ignoreDifferences: r.ignore_differences,
    objectPolicy: r.object_policy,
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    notBefore: r.not_before,
    leaseExpiresAt: r.lease_expires_at,
    result: r.result,
    error: r.error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}
