import { Inject, Injectable } from '@nestjs/common';
import { JobNotifier } from '../dispatch/job-notifier.repository.js';
import { CLOCK, type Clock } from '../platform/clock.js';

/** The longest "nothing due" is trusted without a claim, a bound on anything the wake-ups miss. */
const TTL_MS = 5 * 60_000;
/** Past this many remembered wake-ups, forget them all (and treat every claim in flight as overlapped). */
const MAX_REMEMBERED_WAKES = 100_000;

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
  /** Wake-ups counted, and the count at each cluster's last one: what a claim in flight compares. */
  private wakes = 0;
  private readonly lastWake = new Map<string, number>();
  private lastWakeOfAll = 0;

  constructor(
    @Inject(JobNotifier) private readonly notifier: JobNotifier,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    notifier.onWake((wake) => {
      if (wake && wake.kind !== 'work' && wake.kind !== 'cluster') return;
      this.wakes++;
      if (!wake || this.lastWake.size >= MAX_REMEMBERED_WAKES) {
        this.idleUntil.clear();
        this.lastWake.clear();
        this.lastWakeOfAll = this.wakes;
        if (!wake) return;
      }
      for (const id of wake.clusterIds) {
        this.idleUntil.delete(id);
        this.lastWake.set(id, this.wakes);
      }
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
    return this.wakes;
  }

  /**
   * After a claim started at `mark` that left nothing due: remembered until `nextDueAt`, unless
   * a wake-up for the cluster came while it ran (the claim may have missed that work).
   */
  claimed(clusterId: string, mark: number, nextDueAt: Date | null): void {
    if (!this.notifier.listening || this.lastWakeOfAll > mark || (this.lastWake.get(clusterId) ?? 0) > mark)
      return;
    const now = this.clock.now().getTime();
    const until = Math.min(nextDueAt?.getTime() ?? Infinity, now + TTL_MS);
    if (until > now) this.idleUntil.set(clusterId, until);
  }

  /** Forgets the cluster: its next poll claims. */
  forget(clusterId: string): void {
    this.idleUntil.delete(clusterId);
  }
}
