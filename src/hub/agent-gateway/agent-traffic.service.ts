import { Inject, Injectable } from '@nestjs/common';
import { RateLimitedError } from '../../domain/errors.js';
import { takeTokens, type BucketLimits, type BucketState } from '../../domain/token-bucket.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { CLOCK, type Clock } from '../platform/clock.js';

export {
  MAX_DIFF_CHARS_V1 as MAX_DIFF_CHARS,
  MAX_EVENTS_PER_REPORT_V1 as MAX_EVENTS_PER_REPORT,
} from '../../protocol/v1/agent-protocol.js';

/**
 * Per-replica traffic control of agents, in memory: the status-report budget of each cluster,
 * and its one parked long-poll (newest wins). With N replicas an agent could get N times the
 * budget at most, which still bounds it; a restart forgets the buckets, which only refills them.
 */
@Injectable()
export class AgentTraffic {
  private readonly buckets = new Map<string, BucketState>();
  private readonly parked = new Map<string, AbortController>();

  /**
   * Status-report budget of one agent credential (`FLOTILLA_AGENT_STATUS_BUDGET`, 1200 by
   * default): a report costs 1 plus its events, at most the whole budget. A healthy agent sends
   * one report per drift; the default lets two full reports through at once and then about 20
   * events a second, so one credential cannot flood the append-only audit trail.
   */
  private readonly budget: BucketLimits;

  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HUB_CONFIG) config: Pick<HubConfig, 'agentStatusBudgetPerMinute'>,
  ) {
    const n = config.agentStatusBudgetPerMinute;
    this.budget = { capacity: n, perMinute: n };
  }

  /**
   * Takes `cost` from the cluster's status budget.
   * @throws RateLimitedError (429 with Retry-After) when the budget is spent; nothing is taken.
   */
  charge(clusterId: string, cost: number): void {
    const now = this.clock.now().getTime();
    const r = takeTokens(this.buckets.get(clusterId), Math.min(cost, this.budget.capacity), now, this.budget);
    this.buckets.set(clusterId, r.state);
    if (!r.ok)
      throw new RateLimitedError(
        `status report budget of this agent spent (${this.budget.perMinute} events a minute): retry later`,
        Math.ceil(r.retryAfterMs / 1000),
      );
  }

  /**
   * Parks a long-poll of the cluster: a poll parked before it is answered at once with no work
   * (an agent that restarted, or a copied credential polling too), so at most one request per
   * cluster waits on this replica. Call `release` when the poll ends.
   */
  park(clusterId: string): { signal: AbortSignal; release(): void } {
    this.parked.get(clusterId)?.abort();
    const mine = new AbortController();
    this.parked.set(clusterId, mine);
    return {
      signal: mine.signal,
      release: () => {
        if (this.parked.get(clusterId) === mine) this.parked.delete(clusterId);
      },
    };
  }
}
