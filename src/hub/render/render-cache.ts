/** What a computation gives the cache: the value, its size, and whether it may be kept. */
export interface Computed<V> {
  value: V;
  bytes: number;
  /** False for results that say nothing about the key (a timeout): returned, not kept. */
  keep: boolean;
}

/** Counters, for the benchmark and the tests. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Callers that joined a computation already running for their key. */
  joined: number;
  entries: number;
  bytes: number;
}

/**
 * Tool outputs by render cache key, least recently used first out, bounded by bytes. Callers
 * asking for a key whose computation is already running wait for it instead of starting another
 * (single flight), so 1,000 clusters sharing 10 value sets run the tool 10 times even when they
 * all render at once. A failed computation (a throw) is not kept: the next caller retries.
 */
export class RenderCache<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private readonly running = new Map<string, Promise<V>>();
  private bytes = 0;
  private readonly counters = { hits: 0, misses: 0, joined: 0 };

  /** `maxBytes`: the most the kept values may add up to; a value larger than that is never kept. */
  constructor(private readonly maxBytes: number) {
    if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be >= 0: ${maxBytes}`);
  }

  /** The value for `key`, computed by `compute` when neither kept nor being computed. */
  async get(key: string, compute: () => Promise<Computed<V>>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) {
      // refresh its place: Map iteration order is insertion order, so the first key is the oldest
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.counters.hits++;
      return hit.value;
    }
    const pending = this.running.get(key);
    if (pending) {
      this.counters.joined++;
      return pending;
    }
    this.counters.misses++;
    const started = compute().then((c) => {
      if (c.keep) this.keep(key, c.value, c.bytes);
      return c.value;
    });
    this.running.set(key, started);
    try {
      return await started;
    } finally {
      this.running.delete(key);
    }
  }

  /** Current counters. */
  stats(): CacheStats {
    return { ...this.counters, entries: this.entries.size, bytes: this.bytes };
  }

  private keep(key: string, value: V, bytes: number): void {
    if (bytes > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.bytes;
    }
    for (const [oldest, entry] of this.entries) {
      if (this.bytes + bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
  }
}
