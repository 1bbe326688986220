import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OPEN_ROLLOUT_STATES } from '../../domain/rollout/rollout-gate.js';
import { type RolloutClusterFacts } from '../../domain/rollout/rollout-progress.js';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { RolloutClusterEntity } from './rollout-cluster.entity.js';
import { RolloutEntity } from './rollout.entity.js';

/** A rollout cluster with what the rollout reads about it and the names the API shows. */
export interface RolloutClusterView extends RolloutClusterFacts {
  clusterId: string;
  clusterName: string;
  stage: number;
  batch: number;
  rolledBackAt: Date | null;
  previousDigest: string | null;
  previousRevision: string | null;
  previousRevisionDisplay: string | null;
  /** Whether the cluster has a queued or leased job of this application. */
  jobUnfinished: boolean;
}

/** Rollouts and their clusters. */
@Injectable()
export class RolloutRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** The application's newest rollout (locked for the caller's transaction when `lock`). */
  latest(tx: Tx | undefined, applicationId: string, lock = false): Promise<RolloutEntity | null> {
    const q = managerOf(this.ds, tx)
      .createQueryBuilder(RolloutEntity, 'r')
      .where('r.application_id = :applicationId', { applicationId })
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .limit(1);
    if (lock) q.setLock('pessimistic_write');
    return q.getOne();
  }

  /** One rollout of an application. */
  find(applicationId: string, id: string, tx?: Tx): Promise<RolloutEntity | null> {
    return managerOf(this.ds, tx).findOne(RolloutEntity, { where: { id, applicationId } });
  }

  /** The application's rollouts, newest first. */
  list(applicationId: string, limit: number): Promise<RolloutEntity[]> {
    return this.ds.manager.find(RolloutEntity, {
      where: { applicationId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  /**
   * Locks a rollout to advance it, skipping one another replica holds: the row lock is the lease,
   * released with the transaction, so a killed hub leaves nothing to expire.
   */
  lockOpen(tx: Tx, id: string): Promise<RolloutEntity | null> {
    return managerOf(this.ds, tx)
      .createQueryBuilder(RolloutEntity, 'r')
      .where('r.id = :id AND r.state IN (:...open)', { id, open: OPEN_ROLLOUT_STATES })
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getOne();
  }

  /** Progressing rollouts due for a look: no known wait, or one that has ended. */
  async due(now: Date, limit: number): Promise<{ id: string; applicationId: string }[]> {
    const rows: { id: string; application_id: string }[] = await this.ds.query(
      `SELECT id, application_id FROM rollouts
        WHERE state = 'progressing' AND (check_at IS NULL OR check_at <= $1)
        ORDER BY check_at NULLS FIRST LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => ({ id: r.id, applicationId: r.application_id }));
  }

  /** The progressing rollouts of these applications (their clusters' status changed: they may move on). */
  async progressingFor(applicationIds: string[]): Promise<{ id: string; applicationId: string }[]> {
    const rows: { id: string; application_id: string }[] = await this.ds.query(
      `SELECT id, application_id FROM rollouts WHERE application_id = ANY($1::uuid[]) AND state = 'progressing'`,
      [applicationIds],
    );
    return rows.map((r) => ({ id: r.id, applicationId: r.application_id }));
  }

  async insert(tx: Tx, rollout: Omit<RolloutEntity, 'createdAt' | 'updatedAt'>): Promise<void> {
    await managerOf(this.ds, tx).insert(RolloutEntity, rollout as never);
  }

  async insertClusters(tx: Tx, rows: Omit<RolloutClusterEntity, 'rollout' | 'cluster'>[]): Promise<void> {
    const m = managerOf(this.ds, tx);
    for (let i = 0; i < rows.length; i += 1000) await m.insert(RolloutClusterEntity, rows.slice(i, i + 1000));
  }

  /** Writes the rollout's mutable fields. */
  async update(
    tx: Tx,
    r: Pick<
      RolloutEntity,
      'id' | 'state' | 'position' | 'reason' | 'history' | 'checkAt' | 'endedAt' | 'waitFor'
    >,
  ): Promise<void> {
    await managerOf(this.ds, tx).update(
      RolloutEntity,
      { id: r.id },
      {
        state: r.state,
        position: r.position,
        reason: r.reason,
        history: r.history,
        checkAt: r.checkAt,
        endedAt: r.endedAt,
        waitFor: r.waitFor,
      },
    );
  }

  /** Each cluster's target bundle and whether it was moved (and not moved back). */
  async targets(tx: Tx, rolloutId: string): Promise<Map<string, { digest: string; moved: boolean }>> {
    const rows: { cluster_id: string; bundle_digest: string; moved: boolean }[] = await managerOf(
      this.ds,
      tx,
    ).query(
      `SELECT cluster_id, bundle_digest, (started_at IS NOT NULL AND rolled_back_at IS NULL) AS moved
         FROM rollout_clusters WHERE rollout_id = $1`,
      [rolloutId],
    );
    return new Map(rows.map((r) => [r.cluster_id, { digest: r.bundle_digest, moved: r.moved }]));
  }

  async retarget(tx: Tx, rolloutId: string, changes: { clusterId: string; digest: string }[]): Promise<void> {
    if (changes.length === 0) return;
    await managerOf(this.ds, tx).query(
      `UPDATE rollout_clusters rc SET bundle_digest = c.digest
         FROM unnest($2::uuid[], $3::text[]) AS c(cluster_id, digest)
        WHERE rc.rollout_id = $1 AND rc.cluster_id = c.cluster_id AND rc.started_at IS NULL`,
      [rolloutId, changes.map((c) => c.clusterId), changes.map((c) => c.digest)],
    );
  }

  /** Forgets the clusters of a rollout that are not among `keep`. */
  async dropOthers(tx: Tx, rolloutId: string, keep: string[]): Promise<void> {
    await managerOf(this.ds, tx).query(
      `DELETE FROM rollout_clusters WHERE rollout_id = $1 AND NOT (cluster_id = ANY($2::uuid[]))`,
      [rolloutId, keep],
    );
  }

  async markStarted(tx: Tx, rolloutId: string, clusterIds: string[], at: Date): Promise<void> {
    await managerOf(this.ds, tx).query(
      `UPDATE rollout_clusters SET started_at = $3 WHERE rollout_id = $1 AND cluster_id = ANY($2::uuid[])`,
      [rolloutId, clusterIds, at],
    );
  }

  async markRolledBack(tx: Tx, rolloutId: string, clusterIds: string[], at: Date): Promise<void> {
    await managerOf(this.ds, tx).query(
      `UPDATE rollout_clusters SET rolled_back_at = $3 WHERE rollout_id = $1 AND cluster_id = ANY($2::uuid[])`,
      [rolloutId, clusterIds, at],
    );
  }

  /** Every cluster of a rollout with its desired state, status and unfinished jobs, in plan order. */
  async clusters(
    tx: Tx | undefined,
    rollout: { id: string; applicationId: string },
  ): Promise<RolloutClusterView[]> {
    const rows: Record<string, unknown>[] = await managerOf(this.ds, tx).query(
      `SELECT rc.cluster_id, c.name AS cluster_name, rc.stage, rc.batch, rc.bundle_digest,
              rc.previous_digest, rc.previous_revision, rc.previous_revision_display,
              rc.started_at, rc.rolled_back_at, d.applied_digest,
              c.connection_state, f.sync, f.health, f.message, f.updated_at AS status_since,
              EXISTS (SELECT 1 FROM reconcile_jobs j WHERE j.application_id = $2 AND j.cluster_id = rc.cluster_id
                        AND j.state IN ('queued', 'leased')) AS job_unfinished
         FROM rollout_clusters rc
         JOIN clusters c ON c.id = rc.cluster_id
         LEFT JOIN desired_states d ON d.application_id = $2 AND d.cluster_id = rc.cluster_id
         LEFT JOIN fleet_status f ON f.application_id = $2 AND f.cluster_id = rc.cluster_id
        WHERE rc.rollout_id = $1
        ORDER BY rc.stage, rc.batch, c.name`,
      [rollout.id, rollout.applicationId],
    );
    return rows.map((r) => ({
      clusterId: r.cluster_id as string,
      clusterName: r.cluster_name as string,
      stage: r.stage as number,
      batch: r.batch as number,
      targetDigest: r.bundle_digest as string,
      previousDigest: r.previous_digest as string | null,
      previousRevision: r.previous_revision as string | null,
      previousRevisionDisplay: r.previous_revision_display as string | null,
      startedAt: (r.started_at as Date | null) ?? null,
      rolledBackAt: (r.rolled_back_at as Date | null) ?? null,
      appliedDigest: r.applied_digest as string | null,
      connectionState: r.connection_state as string | null,
      sync: r.sync as string | null,
      health: r.health as string | null,
      message: r.message as string | null,
      statusSince: (r.status_since as Date | null) ?? null,
      jobUnfinished: r.job_unfinished as boolean,
    }));
  }

  /** Whether any of these clusters has an unfinished job of the application. */
  async anyUnfinished(tx: Tx, applicationId: string, clusterIds: string[]): Promise<boolean> {
    if (clusterIds.length === 0) return false;
    const rows: unknown[] = await managerOf(this.ds, tx).query(
      `SELECT 1 FROM reconcile_jobs WHERE application_id = $1 AND cluster_id = ANY($2::uuid[])
          AND state IN ('queued', 'leased') LIMIT 1`,
      [applicationId, clusterIds],
    );
    return rows.length > 0;
  }
}
