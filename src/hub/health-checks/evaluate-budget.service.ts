import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../../domain/audit-chain.js';
import { RateLimitedError } from '../../domain/errors.js';
import { takeTokens, type BucketLimits, type BucketState } from '../../domain/token-bucket.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { CLOCK, type Clock } from '../platform/clock.js';

/** All callers together may use this many times one caller's budget. */
const HUB_WIDE_FACTOR = 5;

/**
 * How often `POST /health-checks/evaluate` may run, per replica and in memory. One call may
 * run its expressions for up to 50 ms on the event loop, where nothing else runs meanwhile:
 * about 20 calls a second from one viewer or project token would stop the hub answering anyone,
 * agents included. Each caller has `FLOTILLA_HEALTH_EVALUATE_BUDGET` calls a minute (also the
 * burst: a person trying rules clicks far less), and all callers together five times that, so
 * many tokens cannot add up to more than a quarter of one core at the default. A restart
 * forgets the buckets, which only refills them.
 */
@Injectable()
export class EvaluateBudget {
  private readonly buckets = new Map<string, BucketState>();
  private readonly perCaller: BucketLimits;
  private readonly hubWide: BucketLimits;

  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HUB_CONFIG) config: Pick<HubConfig, 'healthEvaluateBudgetPerMinute'>,
  ) {
    const n = config.healthEvaluateBudgetPerMinute;
    this.perCaller = { capacity: n, perMinute: n };
    this.hubWide = { capacity: n * HUB_WIDE_FACTOR, perMinute: n * HUB_WIDE_FACTOR };
  }

  /**
   * Takes one call from `actor`'s budget and the hub's.
   * @throws RateLimitedError (429 with Retry-After) when either is spent; nothing is taken.
   */
  charge(actor: Actor): void {
    const now = this.clock.now().getTime();
    const key = `${actor.type}:${actor.id}`;
    const own = takeTokens(this.buckets.get(key), 1, now, this.perCaller);
    if (!own.ok) {
      this.buckets.set(key, own.state);
      throw new RateLimitedError(
        `health check evaluation budget of this caller spent (${this.perCaller.perMinute} a minute): retry later`,
        Math.ceil(own.retryAfterMs / 1000),
      );
    }
    const all = takeTokens(this.buckets.get(''), 1, now, this.hubWide);
    this.buckets.set('', all.state);
    if (!all.ok)
      throw new RateLimitedError(
        `health check evaluation budget of this hub spent (${this.hubWide.perMinute} a minute): retry later`,
        Math.ceil(all.retryAfterMs / 1000),
      );
    this.buckets.set(key, own.state);
  }
}
