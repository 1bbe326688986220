import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { matchesSelector, parseLabelSelector } from '../../domain/label-selector.js';
import {
  messageLines,
  messageTitle,
  MAX_EVENTS_PER_MESSAGE,
  type NotificationMessage,
  type NotifiedEvent,
} from '../../domain/notification-rules.js';
import { backoffDelay } from '../../domain/retry-backoff.js';
import {
  AUDIT_OBSERVERS,
  type AuditObserver,
  type AuditObservers,
  type RecordedAuditEvent,
} from '../audit/audit-observers.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { type Tx } from '../database/data-source.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { runPeriodically } from '../platform/periodic.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { channelSealContext, type OpenedChannel } from './notification-channel-config.js';
import { MAX_ERROR_CHARS, NOTIFICATION_SENDER, type NotificationSender } from './notification-channels.js';
import { type NotificationDeliveryEntity } from './notification-delivery.entity.js';
import { NotificationGate } from './notification-gate.js';
import { NotificationOutboxRepository, type OutboxEvent } from './notification-outbox.repository.js';
import { capText } from '../../domain/notification-rules.js';

/** Groups one look turns into messages at most, and outbox rows it locks. */
const GROUPS_PER_LOOK = 200;
const ROWS_PER_LOOK = 5000;
/** Messages one look sends at most, and at once. */
const SENDS_PER_LOOK = 50;
const PARALLEL_SENDS = 8;
/** How long a replica holds a message it is sending: far longer than one send may take. */
const SEND_LEASE_MS = 60_000;
/** The longest wait between two attempts. */
const MAX_RETRY_MS = 3_600_000;

/**
 * Fills the outbox in the audit write's transaction (as an audit observer), and on every replica
 * periodically turns due outbox rows into messages (one per subscription and group) and sends
 * due messages, with retries. Replicas share the work through row locks (SKIP LOCKED) and a
 * send lease; a message's id is its idempotency key, so a resend after a crash is recognisable.
 */
@Injectable()
export class NotificationWorker
  implements AuditObserver, OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly log = new Logger('notifications');
  private stop: (() => void) | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(AUDIT_OBSERVERS) private readonly observers: AuditObservers,
    @Inject(NotificationGate) private readonly gate: NotificationGate,
    @Inject(NotificationOutboxRepository) private readonly outbox: NotificationOutboxRepository,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(NOTIFICATION_SENDER) private readonly sender: NotificationSender,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HUB_CONFIG)
    private readonly config: Pick<
      HubConfig,
      'notifyGroupSeconds' | 'notifyIntervalMs' | 'notifyMaxAttempts' | 'notifyRetryBaseMs'
    >,
  ) {}

  onModuleInit(): void {
    this.observers.add(this);
  }

  onApplicationBootstrap(): void {
    if (this.config.notifyIntervalMs > 0)
      this.stop = runPeriodically(
        this.config.notifyIntervalMs,
        () => this.look(),
        (e) => this.log.warn(`notification look failed: ${e.message}`),
      );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop?.();
    await this.running.catch(() => undefined);
  }

  /** The audit observer: one INSERT … SELECT of the matching subscriptions, when any is enabled. */
  async recorded(tx: Tx, events: readonly RecordedAuditEvent[]): Promise<void> {
    if (events.length === 0 || !(await this.gate.open(tx))) return;
    try {
      await this.outbox.insertMatching(
        tx,
        events.map((e) => e.seq),
      );
    } catch (e) {
      this.log.error(`notifications of events ${events[0].seq}… not queued: ${(e as Error).message}`);
    }
  }

  /** One look: compose due groups, then send due messages. One look at a time per replica. */
  look(): Promise<{ composed: number; sent: number }> {
    const run = this.running.then(async () => {
      const composed = await this.compose();
      const sent = await this.sendDue();
      return { composed, sent };
    });
    this.running = run.catch(() => undefined);
    return run;
  }

  /** Turns due outbox groups into pending messages, in one transaction with deleting their rows. */
  async compose(): Promise<number> {
    const now = this.clock.now();
    const dueBefore = new Date(now.getTime() - this.config.notifyGroupSeconds * 1000);
    return this.uow.run(async (tx) => {
      const rows = await this.outbox.lockDueGroups(tx, dueBefore, GROUPS_PER_LOOK, ROWS_PER_LOOK);
      if (rows.length === 0) return 0;
      const groups = new Map<string, OutboxEvent[]>();
      for (const r of rows) {
        if (!clusterMatches(r)) continue; // filtered: the cluster's labels do not match now
        const k = `${r.subscriptionId}\0${r.groupKey}`;
        const g = groups.get(k);
        if (g) g.push(r);
        else groups.set(k, [r]);
      }
      const deliveries = [...groups.values()].map((g) => this.delivery(g, now));
      await this.outbox.insertDeliveries(tx, deliveries);
      await this.outbox.deleteOutbox(
        tx,
        rows.map((r) => r.id),
      );
      return deliveries.length;
    });
  }

  private delivery(group: OutboxEvent[], now: Date): Omit<NotificationDeliveryEntity, 'subscription'> {
    const id = this.secrets.uuid();
    const events: NotifiedEvent[] = group.map((r) => ({
      seq: r.seq,
      occurredAt: r.occurredAt.toISOString(),
      action: r.action,
      actor: r.actorName,
      application: r.application,
      cluster: r.cluster,
      project: r.project,
      revision: r.revision,
      resource: r.resource,
    }));
    const message: NotificationMessage = {
      idempotencyKey: id,
      subscription: group[0].subscriptionName,
      title: capText(messageTitle(events), 500),
      lines: messageLines(events),
      eventCount: events.length,
      events: events.slice(0, MAX_EVENTS_PER_MESSAGE),
      createdAt: now.toISOString(),
    };
    return {
      id,
      subscriptionId: group[0].subscriptionId,
      status: 'pending',
      attempts: 0,
      lastError: null,
      nextAttemptAt: now,
      deliveredAt: null,
      createdAt: now,
      eventCount: events.length,
      title: message.title,
      message: { ...message },
    };
  }

  /** Sends the due messages this replica can claim; returns how many were delivered. */
  async sendDue(): Promise<number> {
    const now = this.clock.now();
    const claimed = await this.outbox.claimDue(now, new Date(now.getTime() + SEND_LEASE_MS), SENDS_PER_LOOK);
    if (claimed.length === 0) return 0;
    const channels = await this.outbox.channelsOf([...new Set(claimed.map((d) => d.subscriptionId))]);
    let delivered = 0;
    const queue = [...claimed];
    const worker = async () => {
      for (let d = queue.shift(); d; d = queue.shift()) if (await this.attempt(d, channels)) delivered++;
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_SENDS, claimed.length) }, worker));
    return delivered;
  }

  private async attempt(
    d: NotificationDeliveryEntity,
    channels: Map<string, { name: string; sealed: string }>,
  ): Promise<boolean> {
    const attempts = d.attempts + 1;
    const sub = channels.get(d.subscriptionId);
    try {
      if (!sub) throw new Error('subscription deleted');
      const channel = JSON.parse(
        this.secrets.open(sub.sealed, channelSealContext(d.subscriptionId)),
      ) as OpenedChannel;
      await this.sender.send(d.message as unknown as NotificationMessage, channel);
      await this.outbox.markDelivered(d.id, attempts, this.clock.now());
      return true;
    } catch (e) {
      const reason = capText((e as Error).message || 'send failed', MAX_ERROR_CHARS);
      const giveUp = attempts >= this.config.notifyMaxAttempts;
      const next = giveUp
        ? null
        : new Date(
            this.clock.now().getTime() +
              backoffDelay(
                { baseMs: this.config.notifyRetryBaseMs, maxMs: MAX_RETRY_MS },
                attempts - 1,
                Math.random(),
              ),
          );
      await this.outbox.markFailed(d.id, attempts, reason, next);
      this.log.warn(
        `delivery ${d.id} of subscription ${sub?.name ?? d.subscriptionId} failed (attempt ${attempts}): ${reason}`,
      );
      return false;
    }
  }
}

/** Whether an event passes its subscription's cluster selector (no selector: every event). */
function clusterMatches(r: OutboxEvent): boolean {
  if (!r.clusterSelector) return true;
  if (!r.clusterLabels) return false;
  return matchesSelector(parseLabelSelector(r.clusterSelector), r.clusterLabels);
}
