import { Inject, Injectable } from '@nestjs/common';
import { leaseUntil } from '../../domain/job-lifecycle.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { GroupCommit, type Settled } from '../platform/group-commit.js';
import { type Claimed, ReconcileJobRepository } from './reconcile-job.repository.js';

/** One poll's claim, as submitted for a batch. */
interface ClaimItem {
  clusterId: string;
  limit: number;
}

/**
 * Claims made together: up to this many clusters per statement, this many statements at once
 * per hub process (a woken fleet then holds two pool connections, not one per poll, and does
 * not wait for the pool until it is answered 503).
 */
const CLAIM_BATCH = { maxBatch: 500, maxConcurrent: 2 };

/**
 * Leases of reconcile jobs to the agents' polls: the one transition not decided job by job (the
 * repository grants it set-based, the fleet status's last-job columns with it, with the lease
 * end the domain sets), and none with a transaction to open on the long-poll path. Claims that
 * arrive together (a commit wakes a whole fleet's polls at once) are made together, one
 * statement per batch (see {@link GroupCommit}).
 */
@Injectable()
export class JobClaims {
  private readonly claims = new GroupCommit<ClaimItem, Claimed>(
    (items) => this.claimBatch(items),
    CLAIM_BATCH,
  );

  constructor(
    @Inject(ReconcileJobRepository) private readonly jobs: ReconcileJobRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'jobLeaseSeconds'>,
  ) {}

  /** Leases up to `limit` due jobs of a cluster, oldest first, and says when its next queued one is due. */
  lease(clusterId: string, limit: number): Promise<Claimed> {
    return this.claims.submit({ clusterId, limit });
  }

  private async claimBatch(items: ClaimItem[]): Promise<Settled<Claimed>[]> {
    // One claim per cluster in a statement; a second poll of the same cluster in the batch (one
    // just replaced by the other) gets nothing, and nothing it could remember as idle.
    const first = new Map<string, ClaimItem>();
    for (const item of items) if (!first.has(item.clusterId)) first.set(item.clusterId, item);
    const now = this.clock.now();
    const claimed = await this.jobs.claim(
      [...first.values()],
      now,
      leaseUntil(now, this.config.jobLeaseSeconds * 1000),
    );
    return items.map((item) => ({
      ok: true,
      value:
        first.get(item.clusterId) === item
          ? (claimed.get(item.clusterId) ?? { jobs: [], nextDueAt: null })
          : { jobs: [], nextDueAt: now },
    }));
  }
}
