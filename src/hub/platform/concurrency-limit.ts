/**
 * At most `limit` tasks at once in this process; the others wait their turn in memory, in
 * arrival order. Used where running more at once only holds scarce resources longer — e.g.
 * database connections waiting on the audit chain's lock, which commits one writer at a time
 * anyway — so that a burst queues here instead of exhausting the connection pool (where a
 * caller waiting too long is answered 503 and backs off).
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer: ${limit}`);
  }

  /** Runs `task` when a slot is free; the slot is released however the task ends. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Tasks waiting for a slot now (for metrics and tests). */
  get queued(): number {
    return this.waiting.length;
  }
}
