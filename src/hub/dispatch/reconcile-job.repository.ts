import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { ReconcileJobEntity } from './reconcile-job.entity.js';

/** Reconcile jobs: queue, lease, finish, supersede. */
@Injectable()
export class ReconcileJobRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** Marks queued jobs of (application, cluster) superseded; a newer job replaces them. */
  async supersedeQueued(tx: Tx, applicationId: string, clusterId: string): Promise<number> {
    const res: [unknown[], number] = await managerOf(this.ds, tx).query(
      `UPDATE reconcile_jobs SET state = 'superseded', updated_at = now()
       WHERE application_id = $1 AND cluster_id = $2 AND state = 'queued'`,
      [applicationId, clusterId],
    );
    return res[1];
  }

  /** Supersedes the queued jobs of an application on many clusters in one statement. */
  async supersedeQueuedFor(tx: Tx, applicationId: string, clusterIds: string[]): Promise<void> {
    if (clusterIds.length === 0) return;
    await managerOf(this.ds, tx).query(
      `UPDATE reconcile_jobs SET state = 'superseded', updated_at = now()
       WHERE application_id = $1 AND cluster_id = ANY($2::uuid[]) AND state = 'queued'`,
      [applicationId, clusterIds],
    );
  }

  async insertMany(tx: Tx, jobs: Omit<ReconcileJobEntity, 'createdAt' | 'updatedAt'>[]): Promise<void> {
    const m = managerOf(this.ds, tx);
    for (let i = 0; i < jobs.length; i += 1000)
      await m.insert(ReconcileJobEntity, jobs.slice(i, i + 1000) as never);
  }

  /** Leases up to `limit` due queued jobs of a cluster, oldest first; SKIP LOCKED lets replicas share. */
  async claim(
    tx: Tx,
    clusterId: string,
    now: Date,
    leaseUntil: Date,
    limit: number,
  ): Promise<ReconcileJobEntity[]> {
    const m = managerOf(this.ds, tx);
    const [rows]: [{ id: string }[], number] = await m.query(
      `UPDATE reconcile_jobs SET state = 'leased', lease_expires_at = $3, attempts = attempts + 1, updated_at = now()
       WHERE id IN (SELECT id FROM reconcile_jobs WHERE cluster_id = $1 AND state = 'queued' AND not_before <= $2
                    ORDER BY not_before, created_at LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [clusterId, now, leaseUntil, limit],
    );
    if (rows.length === 0) return [];
    return m
      .createQueryBuilder(ReconcileJobEntity, 'j')
      .where('j.id IN (:...ids)', { ids: rows.map((r) => r.id) })
      .orderBy('j.created_at', 'ASC')
      .getMany();
  }

  /** A job of this cluster, locked for the rest of the transaction. */
  findForCluster(tx: Tx, id: string, clusterId: string): Promise<ReconcileJobEntity | null> {
    return managerOf(this.ds, tx)
      .createQueryBuilder(ReconcileJobEntity, 'j')
      .where('j.id = :id AND j.cluster_id = :clusterId', { id, clusterId })
      .setLock('pessimistic_write')
      .getOne();
  }

  findById(id: string): Promise<ReconcileJobEntity | null> {
    return this.ds.manager.findOne(ReconcileJobEntity, { where: { id } });
  }

  async save(tx: Tx, job: ReconcileJobEntity): Promise<void> {
    await managerOf(this.ds, tx).save(ReconcileJobEntity, job);
  }

  /**
   * Leases whose agent went silent: back to the queue (with a delay) while attempts remain,
   * else failed, in the caller's transaction (so the status rows and audit events of the
   * change commit with it). Returns the requeued jobs (to wake their agents) and the failed ones.
   */
  async expireLeases(
    tx: Tx,
    now: Date,
    retryAt: Date,
  ): Promise<{
    requeued: { id: string; clusterId: string; applicationId: string }[];
    failed: ReconcileJobEntity[];
  }> {
    const m = managerOf(this.ds, tx);
    const [requeued]: [{ id: string; cluster_id: string; application_id: string }[], number] = await m.query(
      `UPDATE reconcile_jobs SET state = 'queued', lease_expires_at = NULL, not_before = $2, updated_at = now()
       WHERE id IN (SELECT id FROM reconcile_jobs WHERE state = 'leased' AND lease_expires_at < $1 AND attempts < max_attempts
                    FOR UPDATE SKIP LOCKED)
       RETURNING id, cluster_id, application_id`,
      [now, retryAt],
    );
    const [failedIds]: [{ id: string }[], number] = await m.query(
      `UPDATE reconcile_jobs SET state = 'failed', error = 'agent did not report within its lease, ' || attempts || ' times', updated_at = now()
       WHERE id IN (SELECT id FROM reconcile_jobs WHERE state = 'leased' AND lease_expires_at < $1 AND attempts >= max_attempts
                    FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [now],
    );
    const failed = failedIds.length
      ? await m
          .createQueryBuilder(ReconcileJobEntity, 'j')
          .where('j.id IN (:...ids)', { ids: failedIds.map((r) => r.id) })
          .getMany()
      : [];
    return {
      requeued: requeued.map((r) => ({ id: r.id, clusterId: r.cluster_id, applicationId: r.application_id })),
      failed,
    };
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
