import { setFlagsFromString } from 'node:v8';

/** A job with this many objects is large enough to reclaim memory after. */
const RECLAIM_AFTER_OBJECTS = 200;
/** How long after such a job: its report sent and its watches opening. */
const RECLAIM_DELAY_MS = 2_000;

/**
 * After a large job, once things settle, asks V8 for a memory-reducing collection. A sync of
 * thousands of objects grows the heap and buffers; Node 22's memory reducer gives them back
 * some seconds later, but Node 24's never runs for an agent that long-polls (its allocation
 * rate stays "high"), so the agent would keep the peak for good. Needs `gc` exposed
 * (`--expose-gc`, set in NODE_OPTIONS by the image, the chart and the join manifest); a no-op
 * without it. One pending at a time.
 */
export class MemoryReclaim {
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Called after each job with the number of objects it handled. */
  afterJob(objects: number): void {
    const gc = (globalThis as { gc?: (o?: object) => void }).gc;
    if (objects < RECLAIM_AFTER_OBJECTS || !gc || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    }, RECLAIM_DELAY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/**
 * Caps how far V8 lets the heap grow between full collections: 1.5× what the last one kept,
 * where V8 picks up to 4× on its own. A large sync promotes short-lived objects (requests in
 * flight when the 2 MiB young generation fills), and with V8's own factor the old generation
 * held up to 27 MiB of that garbage before its first full collection of the sync (2,000
 * objects over HTTP/2: peak 118 MiB resident; with the cap 96 MiB, for a few more 3-8 ms
 * collections). Set at start, since `NODE_OPTIONS` does not accept this flag; V8 reads it at
 * each collection.
 */
export function capHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=50');
}
