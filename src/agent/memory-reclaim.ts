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
