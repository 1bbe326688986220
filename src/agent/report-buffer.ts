/**
 * Reports waiting for the hub. Each report gets its reportId when it is created and keeps it
 * through every retry, so the hub records it once however often it is sent. Bounded: when the
 * hub stays away long enough to fill it, the oldest report is dropped and counted — recent
 * state matters more than old, and the agent must not grow without limit. A 429 from the hub
 * keeps every report and pauses sending until its Retry-After has passed.
 */
import type { JobResultV1, StatusReportV1 } from '../protocol/v1/agent-protocol.js';
import { HubRejectedError, HubThrottledError, type HubClient } from './hub-client.js';

/** A report to send. */
export type PendingReport =
  { type: 'result'; jobId: string; body: JobResultV1 } | { type: 'status'; body: StatusReportV1 };

/** Callbacks for logs and metrics. */
export interface ReportBufferEvents {
  dropped?(report: PendingReport, total: number): void;
  rejected?(report: PendingReport, error: HubRejectedError): void;
  sizeChanged?(size: number): void;
  throttled?(retryAfterMs: number): void;
}

/** FIFO of reports, flushed in order. */
export class ReportBuffer {
  private readonly queue: PendingReport[] = [];
  private flushing: Promise<boolean> | null = null;
  /** The report being sent right now (always the queue's head while set). */
  private sending: PendingReport | null = null;
  droppedTotal = 0;
  /** Time (ms) before which the hub asked not to be sent reports (429 Retry-After). */
  private pausedUntil = 0;
  private resume: NodeJS.Timeout | null = null;

  constructor(
    private readonly hub: HubClient,
    private readonly capacity = 1000,
    private readonly events: ReportBufferEvents = {},
  ) {}

  get size(): number {
    return this.queue.length;
  }

  push(report: PendingReport): void {
    this.queue.push(report);
    // The report in flight is not counted and never dropped: whether the hub got it is only
    // known when the send ends, and the oldest waiting report is what the bound is about.
    const inFlight = this.sending !== null && this.queue[0] === this.sending ? 1 : 0;
    while (this.queue.length - inFlight > this.capacity) {
      const [dropped] = this.queue.splice(inFlight, 1);
      this.droppedTotal++;
      this.events.dropped?.(dropped, this.droppedTotal);
    }
    this.events.sizeChanged?.(this.queue.length);
  }

  /**
   * Sends queued reports in order; resolves true when the queue is empty, false when the hub is
   * away or asked us to wait (sending then resumes by itself when the wait is over).
   */
  flush(): Promise<boolean> {
    if (Date.now() < this.pausedUntil) return Promise.resolve(false);
    this.flushing ??= this.drain().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async drain(): Promise<boolean> {
    while (this.queue.length > 0) {
      const next = this.queue[0];
      this.sending = next;
      try {
        if (next.type === 'result') await this.hub.result(next.jobId, next.body);
        else await this.hub.status(next.body);
      } catch (e) {
        if (e instanceof HubThrottledError) {
          this.pause(e.retryAfterMs);
          return false;
        }
        // The hub refused it for good (job deleted, malformed): keep the rest flowing.
        if (e instanceof HubRejectedError) this.events.rejected?.(next, e);
        else return false;
      } finally {
        this.sending = null;
      }
      // Pushes while it was in flight only appended (see push): it is still the head.
      this.queue.shift();
      this.events.sizeChanged?.(this.queue.length);
    }
    return true;
  }

  /** Stops sending for `ms`, then flushes again (unref'd: it never keeps the process up). */
  private pause(ms: number): void {
    this.pausedUntil = Date.now() + ms;
    this.events.throttled?.(ms);
    if (this.resume) clearTimeout(this.resume);
    this.resume = setTimeout(() => {
      this.resume = null;
      void this.flush();
    }, ms);
    this.resume.unref();
  }
}
