import { Inject, Injectable } from '@nestjs/common';
import { type Tx } from '../database/data-source.js';
import { CachedAnswer } from '../platform/cached-answer.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { NotificationRepository } from './notification.repository.js';

/** How long this replica trusts its answer to "is any subscription enabled?". */
export const GATE_TTL_MS = 1000;

/**
 * The cheap check every audit write makes before it looks for matching subscriptions: with no
 * enabled subscription the write does nothing more. The answer is cached for {@link GATE_TTL_MS}
 * (one EXISTS query a second at most, in the writing transaction) and dropped at once when this
 * replica changes a subscription; a subscription created on another replica is seen here within
 * that second. A LISTEN/NOTIFY channel would make it instant at the price of one more dedicated
 * connection per replica; a second's delay at creation time was judged the better trade.
 */
@Injectable()
export class NotificationGate {
  private readonly anyEnabled: CachedAnswer<[Tx]>;

  constructor(
    @Inject(NotificationRepository) repo: Pick<NotificationRepository, 'anyEnabled'>,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.anyEnabled = new CachedAnswer(GATE_TTL_MS, clock, (tx: Tx) => repo.anyEnabled(tx));
  }

  /** Whether any subscription may match: false only when none is enabled (as of up to a second ago). */
  open(tx: Tx): Promise<boolean> {
    return this.anyEnabled.get(tx);
  }

  /** Forgets the cached answer: this replica just changed a subscription. */
  invalidate(): void {
    this.anyEnabled.invalidate();
  }
}
