/**
 * A level-triggered pass run on request, one at a time: a request made while a pass runs is
 * served by one more pass after it, shared by every request made meanwhile. Each request
 * settles with a pass that started after it was made, so nothing it was made for is missed;
 * a burst of N requests (a fleet of clusters joining) costs two passes instead of N.
 */
export class CoalescedRun {
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly pass: () => Promise<void>) {}

  /** Resolves (or rejects) with the first pass that starts after this call. */
  request(): Promise<void> {
    if (!this.running) return this.start();
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        // a pass another request started once the previous one ended began after these requests too
        return this.running ?? this.start();
      });
    return this.next;
  }

  private start(): Promise<void> {
    const run: Promise<void> = this.pass().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }
}
