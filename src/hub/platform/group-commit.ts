/** What one item of a batch came to: its answer, or the error its caller gets. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

/**
 * Group commit: callers submit items one by one and each gets its own answer, but the items
 * are written together — whatever arrived while earlier batches were being written, up to
 * `maxBatch` — by at most `maxConcurrent` batches at once. Used where every write ends on one
 * serial step (the audit chain's lock and the commit): a fleet reporting at once then pays
 * that step once per batch instead of once per agent.
 *
 * `write` settles every item of its batch (one bad item must not fail the others); if it
 * throws instead (the batch's transaction failed as a whole), every item is written again
 * alone, so an item that breaks its batch fails only itself.
 */
export class GroupCommit<I, O> {
  private readonly pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;

  constructor(
    private readonly write: (items: I[]) => Promise<Settled<O>[]>,
    private readonly opts: { maxBatch: number; maxConcurrent: number },
  ) {
    for (const [k, v] of Object.entries(opts))
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${k} must be a positive integer: ${v}`);
  }

  /** Writes `item` with whatever else is waiting; resolves or rejects with this item's own outcome. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.running < this.opts.maxConcurrent && this.pending.length > 0) {
      const batch = this.pending.splice(0, this.opts.maxBatch);
      this.running++;
      void this.writeBatch(batch).finally(() => {
        this.running--;
        this.drain();
      });
    }
  }

  private async writeBatch(batch: typeof this.pending): Promise<void> {
    let settled: Settled<O>[];
    try {
      settled = await this.write(batch.map((b) => b.item));
    } catch (batchError) {
      if (batch.length === 1) {
        batch[0].reject(batchError);
        return;
      }
      settled = await Promise.all(
        batch.map(({ item }) =>
          this.write([item]).then(
            ([s]) => s,
            (error: unknown): Settled<O> => ({ ok: false, error }),
          ),
        ),
      );
    }
    batch.forEach((b, i) => {
      const s = settled[i];
      if (s.ok) b.resolve(s.value);
      else b.reject(s.error);
    });
  }
}
