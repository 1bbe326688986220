/**
 * Counts failures per key (a client address) in fixed one-minute windows, with a bounded number
 * of keys. Pure bookkeeping: the caller passes the time, so it is tested without a clock.
 */
export class FailureWindow {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(
    /** Failures allowed per key and window; 0 turns counting off. */
    readonly limit: number,
    readonly windowMs = 60_000,
    /** Keys kept at most: a flood of addresses evicts the oldest instead of growing memory. */
    readonly maxKeys = 10_000,
  ) {}

  /** Seconds until `key` may try again, or 0 when it is within its budget. */
  blockedFor(key: string, now: number): number {
    if (this.limit === 0) return 0;
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs || w.failures < this.limit) return 0;
    return Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
  }

  /** Records one failure of `key`; returns true when it used the last of the budget. */
  fail(key: string, now: number): boolean {
    if (this.limit === 0) return false;
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      this.windows.delete(key);
      if (this.windows.size >= this.maxKeys) this.evict(now);
      w = { start: now, failures: 0 };
      this.windows.set(key, w);
    }
    w.failures++;
    return w.failures === this.limit;
  }

  /** Number of keys held (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  private evict(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
    // Still full: drop the oldest (Map iterates in insertion order).
    while (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
  }
}

/**
 * The key a client address is counted under: IPv4 (also when IPv4-mapped) as is, IPv6 by its
 * /64 prefix, since one IPv6 host usually holds a whole /64 and could rotate through it.
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!address.includes(':')) return address;
  const [head, tail] = address.toLowerCase().split('%')[0].split('::') as [string, string?];
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  const groups = [...left, ...fill, ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
