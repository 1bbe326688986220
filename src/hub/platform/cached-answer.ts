import { type Clock } from './clock.js';

/**
 * A yes/no question about the database, answered at most once per `ttlMs` on this replica and
 * forgotten at once when this replica changes the answer. Hot paths ask it before work that is
 * only needed when the answer is yes (an audit write looking for subscriptions, a poll looking
 * for preview jobs); another replica's change is seen within `ttlMs`. Callers of a question
 * without arguments asking while it is being answered share that answer (a fleet's polls woken
 * together ask once); a question read in a caller's transaction is that caller's alone.
 */
export class CachedAnswer<A extends unknown[]> {
  private known: { yes: boolean; at: number } | null = null;
  /** Counts invalidations: an answer read across one may be older than it, and is not kept. */
  private generation = 0;
  private asking: { generation: number; answer: Promise<boolean> } | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly ask: (...args: A) => Promise<boolean>,
  ) {}

  /** The answer, from the cache while it is younger than the TTL. */
  async get(...args: A): Promise<boolean> {
    const now = this.clock.now().getTime();
    if (this.known && now - this.known.at < this.ttlMs) return this.known.yes;
    if (args.length === 0 && this.asking?.generation === this.generation) return this.asking.answer;
    const generation = this.generation;
    const answer = this.ask(...args);
    const asking = { generation, answer };
    if (args.length === 0) this.asking = asking;
    try {
      const yes = await answer;
      if (generation === this.generation) this.known = { yes, at: now };
      return yes;
    } finally {
      if (this.asking === asking) this.asking = null;
    }
  }

  /** Forgets the cached answer: this replica (or, told by a wake-up, another) just changed it. */
  invalidate(): void {
    this.generation++;
    this.known = null;
  }
}
