import { type Clock } from './clock.js';

/**
 * A yes/no question about the database, answered at most once per `ttlMs` on this replica and
 * forgotten at once when this replica changes the answer. Hot paths ask it before work that is
 * only needed when the answer is yes (an audit write looking for subscriptions, a poll looking
 * for preview jobs); another replica's change is seen within `ttlMs`.
 */
export class CachedAnswer<A extends unknown[]> {
  private known: { yes: boolean; at: number } | null = null;
  /** Counts invalidations: an answer read across one may be older than it, and is not kept. */
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly ask: (...args: A) => Promise<boolean>,
  ) {}

  /** The answer, from the cache while it is younger than the TTL. */
  async get(...args: A): Promise<boolean> {
    const now = this.clock.now().getTime();
    if (this.known && now - this.known.at < this.ttlMs) return this.known.yes;
    const generation = this.generation;
    const yes = await this.ask(...args);
    if (generation === this.generation) this.known = { yes, at: now };
    return yes;
  }

  /** Forgets the cached answer: this replica just changed what it depends on. */
  invalidate(): void {
    this.generation++;
    this.known = null;
  }
}
