/**
 * The agent's preview jobs: a small queue of their own (at most two at once), apart from the
 * per-application sync queues. A preview writes nothing, so it takes no application lock and
 * never waits for a sync, nor makes one wait; it runs next to whatever sync is under way and
 * reads the cluster as it is at that moment.
 *
 * Answers are not buffered with the reports: an answer nobody reads any more (the preview
 * expired, or was answered already: 409, or deleted: 404) is dropped, and an unreachable hub is
 * retried only until the preview expires.
 */
import type { Logger } from 'pino';
import { backoffDelay } from '../../domain/retry-backoff.js';
import type { PreviewJobV1, PreviewResultV1 } from '../../protocol/v1/agent-protocol.js';
import { HubRejectedError, type HubClient } from '../hub-client.js';
import { previewReportId } from '../report-ids.js';
import { runPreview, type PreviewDeps } from './preview-runner.js';

export { previewReportId };

/** Previews run at once, at most. */
export const PREVIEW_CONCURRENCY = 2;
/** Previews waiting, at most; more are dropped (the hub marks them unknown when they expire). */
export const MAX_QUEUED_PREVIEWS = 50;
/** Attempts to deliver one answer while the hub is unreachable. */
const MAX_DELIVERY_ATTEMPTS = 5;

/** What the queue needs besides the cluster: the hub, a log, and how to get a bundle. */
export interface AgentPreviewsDeps extends PreviewDeps {
  hub: HubClient;
  logger: Logger;
  /** The bundle by digest, from the agent's cache or the hub; never stored for a preview. */
  bundle: (digest: string) => Promise<Buffer>;
  signal: AbortSignal;
  /** Clock, for tests of expiry. */
  now?: () => number;
}

/** See the module comment. */
export class AgentPreviews {
  private readonly waiting: PreviewJobV1[] = [];
  /** Ids queued, running or answered, so a job the hub hands out again is not run twice. */
  private readonly seen = new Set<string>();
  private running = 0;
  private readonly idle = new Set<() => void>();

  constructor(private readonly d: AgentPreviewsDeps) {}

  private now(): number {
    return (this.d.now ?? Date.now)();
  }

  /** Queues a preview job; returns at once. */
  submit(job: PreviewJobV1): void {
    if (this.seen.has(job.id)) return;
    const log = { previewId: job.id, application: job.applicationName, revision: job.revisionDisplay };
    this.d.logger.info(log, 'preview received');
    if (this.waiting.length >= MAX_QUEUED_PREVIEWS) {
      this.d.logger.warn(log, 'too many previews waiting: dropped');
      return;
    }
    this.seen.add(job.id);
    // forget old ids now and then: the hub never hands out an expired preview
    if (this.seen.size > 1000) this.seen.delete(this.seen.values().next().value!);
    this.waiting.push(job);
    this.pump();
  }

  /** Resolves once nothing is queued or running (for stop and tests). */
  drained(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  private pump(): void {
    while (this.running < PREVIEW_CONCURRENCY && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      void this.run(job)
        .catch((e: Error) => this.d.logger.error({ previewId: job.id, err: e.message }, 'preview failed'))
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.waiting.length === 0) {
            for (const resolve of this.idle) resolve();
            this.idle.clear();
          }
        });
    }
  }

  private expired(job: PreviewJobV1): boolean {
    const at = Date.parse(job.expiresAt);
    return !Number.isFinite(at) || at <= this.now();
  }

  private async run(job: PreviewJobV1): Promise<void> {
    const log = { previewId: job.id, application: job.applicationName, revision: job.revisionDisplay };
    if (this.expired(job) || this.d.signal.aborted) {
      this.d.logger.info(log, 'preview expired before it ran: skipped');
      return;
    }
    const started = this.now();
    const answer = await runPreview(this.d, job, () => this.d.bundle(job.bundleDigest));
    const result: PreviewResultV1 = { reportId: previewReportId(job), ...answer };
    this.d.logger.info(
      { ...log, outcome: result.outcome, objects: result.objects.length, ms: this.now() - started },
      'preview done',
    );
    await this.deliver(job, result);
  }

  private async deliver(job: PreviewJobV1, result: PreviewResultV1): Promise<void> {
    for (let attempt = 0; attempt < MAX_DELIVERY_ATTEMPTS; attempt++) {
      if (this.expired(job) || this.d.signal.aborted) return;
      try {
        await this.d.hub.previewResult(job.id, result);
        return;
      } catch (e) {
        if (e instanceof HubRejectedError) {
          // 409 answered or expired, 404 gone, 403 not ours: nobody wants this answer
          this.d.logger.info({ previewId: job.id, status: e.status }, 'preview answer refused: dropped');
          return;
        }
        const wait = backoffDelay({ baseMs: 1000, maxMs: 10_000 }, attempt, Math.random());
        this.d.logger.warn(
          { previewId: job.id, err: (e as Error).message, retryInMs: wait },
          'preview answer',
        );
        await new Promise((r) => setTimeout(r, wait).unref());
      }
    }
  }
}
