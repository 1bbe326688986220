import { Inject, Injectable } from '@nestjs/common';
import { JobNotifier } from '../dispatch/job-notifier.repository.js';
import { CLOCK, type Clock } from '../platform/clock.js';

/** The longest "nothing due" is trusted without a claim, a bound on anything the wake-ups miss. */
const TTL_MS = 5 * 60_000;

/**
 * This replica's memory of clusters with nothing to claim, so that the long-polls of an idle
 * fleet cost Postgres nothing: a claim that leaves no due job behind is remembered until the
 * cluster's next queued job is due (the claim says when). Every way a job becomes claimable
 * sends the cluster's wake-up on the jobs channel (queued, re-queued for a retry, its lease
 * taken back), which every replica hears and drops the cluster's entry on before any parked
 * poll runs; so do changes of the cluster itself. A replica that may have missed wake-ups
 * (LISTEN connection down) drops all and claims every time until it listens again, and an entry
 * is trusted for a few minutes at most.
 */
@Injectable()
export class IdleClusters {
  /** Cluster → the time (ms) until which a claim would find nothing. */
  private readonly idleUntil = new Map<string, number>();

  constructor(
    @Inject(JobNotifier) private readonly notifier: JobNotifier,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    notifier.onWake((wake) => {
      if (!wake) return this.idleUntil.clear();
      if (wake.kind === 'work' || wake.kind === 'cluster')
        for (const id of wake.clusterIds) this.idleUntil.delete(id);
    });
  }

  /** Whether a claim for the cluster now would find nothing (so need not be made). */
  idle(clusterId: string): boolean {
    const until = this.idleUntil.get(clusterId);
    if (until === undefined) return false;
    if (this.clock.now().getTime() < until) return true;
    this.idleUntil.delete(clusterId);
    return false;
  }

  /** A mark taken before a claim, for {@link claimed}. */
  mark(): number {
    return this.notifier.mark();
  }

  /**
   * After a claim started at `mark` that left nothing due: remembered until `nextDueAt`, unless
   * a wake-up for the cluster came while it ran (the claim may have missed that work).
   */
  claimed(clusterId: string, mark: number, nextDueAt: Date | null): void {
    if (!this.notifier.quietSince(mark, clusterId)) return;
    const now = this.clock.now().getTime();
    const until = Math.min(nextDueAt?.getTime() ?? Infinity, now + TTL_MS);
    if (until > now) this.idleUntil.set(clusterId, until);
  }

  /** Forgets the cluster: its next poll claims. */
  forget(clusterId: string): void {
    this.idleUntil.delete(clusterId);
  }
}
