import { Inject, Injectable } from '@nestjs/common';
import { JobNotifier } from '../dispatch/job-notifier.repository.js';
import { CachedAnswer } from '../platform/cached-answer.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { PreviewRepository } from './preview.repository.js';

/** How long this replica trusts its answer to "is any preview job open?". */
const PREVIEW_GATE_TTL_MS = 1000;

/**
 * The check an agent's poll makes before it looks for preview jobs: previews are rare and polls
 * are the hub's hottest path, so a fleet without open previews pays one EXISTS query a second per
 * replica instead of a locking transaction per poll. Queueing previews forgets the answer at once
 * on this replica, and on every other one when its `previews` wake-up arrives, before the polls
 * it wakes look (see AgentService.nextJobs); so does a lost LISTEN connection.
 */
@Injectable()
export class PreviewGate {
  private readonly anyOpen: CachedAnswer<[]>;

  constructor(
    @Inject(PreviewRepository) repo: PreviewRepository,
    @Inject(CLOCK) clock: Clock,
    @Inject(JobNotifier) notifier: JobNotifier,
  ) {
    this.anyOpen = new CachedAnswer(PREVIEW_GATE_TTL_MS, clock, () => repo.anyOpenJob());
    notifier.onWake((wake) => {
      if (!wake || wake.kind === 'previews') this.anyOpen.invalidate();
    });
  }

  /** Whether a poll should look for preview jobs: false only when none is open (up to a second ago). */
  open(): Promise<boolean> {
    return this.anyOpen.get();
  }

  /** Forgets the cached answer: this replica just queued preview jobs. */
  invalidate(): void {
    this.anyOpen.invalidate();
  }
}
