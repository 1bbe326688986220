import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { endingPattern, FAILURE_ENDINGS, SUCCESS_ENDINGS } from '../../domain/notification-rules.js';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { NotificationDeliveryEntity } from './notification-delivery.entity.js';

/** An outbox row joined with its event and what a message names, for grouping. */
export interface OutboxEvent {
  id: string;
  subscriptionId: string;
  groupKey: string;
  seq: string;
  occurredAt: Date;
  action: string;
  actorName: string;
  revision: string | null;
  resource: string | null;
  application: string | null;
  project: string | null;
  cluster: string | null;
  clusterLabels: Record<string, string> | null;
  clusterSelector: string | null;
  subscriptionName: string;
}

/**
 * Which events each enabled subscription matches, in SQL: action (exact or prefix), application,
 * project and outcome. The cluster selector needs the cluster's labels at delivery time and is
 * applied by the worker. The group key: a rollout's batch, else application + revision + action,
 * else (an event about a cluster) action + revision, else the event alone.
 */
const INSERT_MATCHING = `
  INSERT INTO notification_outbox (subscription_id, audit_seq, group_key, created_at)
  SELECT s.id, e.seq,
         CASE
           WHEN e.details->>'rollout' IS NOT NULL THEN
             'rollout:' || (e.details->>'rollout') || ':' || e.action || ':' || coalesce(e.details->>'batch', '')
           WHEN e.application_id IS NOT NULL THEN
             'app:' || e.application_id || ':' || coalesce(e.revision, '') || ':' || e.action
           WHEN e.cluster_id IS NOT NULL THEN 'action:' || e.action || ':' || coalesce(e.revision, '')
           ELSE 'event:' || e.seq
         END,
         clock_timestamp()
    FROM audit_events e
    JOIN notification_subscriptions s ON s.enabled
   WHERE e.seq = ANY($1::bigint[])
     AND (cardinality(s.actions) = 0 OR EXISTS (
           SELECT 1 FROM unnest(s.actions) a
            WHERE a = e.action
               OR (right(a, 1) IN ('.', '*') AND starts_with(e.action, rtrim(a, '*')))))
     AND (s.application_id IS NULL OR s.application_id = e.application_id)
     AND (s.project_id IS NULL OR s.project_id = e.project_id)
     AND (s.outcome = 'any'
          OR (s.outcome = 'failure' AND e.action ~ $2)
          OR (s.outcome = 'success' AND e.action ~ $3))`;

/** Storage of the outbox and the send queue (the pending deliveries). */
@Injectable()
export class NotificationOutboxRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /**
   * Writes an outbox row per (matching subscription, event) in the events' transaction, under a
   * savepoint: should the insert ever fail, the change and its audit events still commit (their
   * notifications are lost, and the caller logs it) rather than a notification bug failing a sync.
   */
  async insertMatching(tx: Tx, seqs: readonly string[]): Promise<void> {
    const m = managerOf(this.ds, tx);
    await m.query('SAVEPOINT notification_outbox');
    try {
      await m.query(INSERT_MATCHING, [seqs, endingPattern(FAILURE_ENDINGS), endingPattern(SUCCESS_ENDINGS)]);
      await m.query('RELEASE SAVEPOINT notification_outbox');
    } catch (e) {
      await m.query('ROLLBACK TO SAVEPOINT notification_outbox');
      throw e;
    }
  }

  /**
   * Locks the outbox rows of groups whose first event is older than `dueBefore` (every row of
   * such a group, younger ones too, so a group is not split), skipping rows another replica holds.
   */
  async lockDueGroups(tx: Tx, dueBefore: Date, groups: number, limit: number): Promise<OutboxEvent[]> {
    const rows: Record<string, unknown>[] = await managerOf(this.ds, tx).query(
      `WITH due AS (
         SELECT subscription_id, group_key FROM notification_outbox
          GROUP BY subscription_id, group_key
         HAVING min(created_at) <= $1
          LIMIT $2),
       locked AS (
         SELECT o.* FROM notification_outbox o JOIN due USING (subscription_id, group_key)
          ORDER BY o.id LIMIT $3
            FOR UPDATE OF o SKIP LOCKED)
       SELECT l.id, l.subscription_id, l.group_key, e.seq, e.occurred_at, e.action, e.actor_name,
              e.revision, e.resource, a.name AS application, p.name AS project,
              c.name AS cluster, c.labels AS cluster_labels,
              s.cluster_selector, s.name AS subscription_name
         FROM locked l
         JOIN notification_subscriptions s ON s.id = l.subscription_id
         JOIN audit_events e ON e.seq = l.audit_seq
         LEFT JOIN applications a ON a.id = e.application_id
         LEFT JOIN projects p ON p.id = e.project_id
         LEFT JOIN clusters c ON c.id = e.cluster_id
        ORDER BY l.id`,
      [dueBefore, groups, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      subscriptionId: r.subscription_id as string,
      groupKey: r.group_key as string,
      seq: String(r.seq),
      occurredAt: r.occurred_at as Date,
      action: r.action as string,
      actorName: r.actor_name as string,
      revision: (r.revision as string | null) ?? null,
      resource: (r.resource as string | null) ?? null,
      application: (r.application as string | null) ?? null,
      project: (r.project as string | null) ?? null,
      cluster: (r.cluster as string | null) ?? null,
      clusterLabels: (r.cluster_labels as Record<string, string> | null) ?? null,
      clusterSelector: (r.cluster_selector as string | null) ?? null,
      subscriptionName: r.subscription_name as string,
    }));
  }

  async deleteOutbox(tx: Tx, ids: string[]): Promise<void> {
    if (ids.length)
      await managerOf(this.ds, tx).query(`DELETE FROM notification_outbox WHERE id = ANY($1::bigint[])`, [
        ids,
      ]);
  }

  async insertDeliveries(tx: Tx, rows: Omit<NotificationDeliveryEntity, 'subscription'>[]): Promise<void> {
    const m = managerOf(this.ds, tx);
    if (rows.length) await m.save(rows.map((r) => m.create(NotificationDeliveryEntity, r)));
  }

  /**
   * Claims up to `limit` due pending deliveries, pushing their next attempt to `leaseUntil` so
   * no other replica sends them meanwhile; a replica that dies mid-send leaves them due again then.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<NotificationDeliveryEntity[]> {
    const [rows]: [Record<string, unknown>[], number] = await this.ds.query(
      `UPDATE notification_deliveries d SET next_attempt_at = $2
        WHERE d.id IN (SELECT id FROM notification_deliveries
                        WHERE status = 'pending' AND next_attempt_at <= $1
                        ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING d.id`,
      [now, leaseUntil, limit],
    );
    if (rows.length === 0) return [];
    return this.ds.manager
      .createQueryBuilder(NotificationDeliveryEntity, 'd')
      .where('d.id = ANY(:ids)', { ids: rows.map((r) => r.id as string) })
      .getMany();
  }

  /** The sealed channel of each subscription (deleted ones are absent). */
  async channelsOf(ids: string[]): Promise<Map<string, { name: string; sealed: string }>> {
    const rows: { id: string; name: string; channel_sealed: string }[] = await this.ds.query(
      `SELECT id, name, channel_sealed FROM notification_subscriptions WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { name: r.name, sealed: r.channel_sealed }]));
  }

  async markDelivered(id: string, attempts: number, at: Date): Promise<void> {
    await this.ds.query(
      `UPDATE notification_deliveries
          SET status = 'delivered', attempts = $2, delivered_at = $3, next_attempt_at = NULL
        WHERE id = $1`,
      [id, attempts, at],
    );
  }

  /** Records a failed attempt: retried at `nextAttemptAt`, or given up (null). */
  async markFailed(id: string, attempts: number, error: string, nextAttemptAt: Date | null): Promise<void> {
    await this.ds.query(
      `UPDATE notification_deliveries
          SET status = $4, attempts = $2, last_error = $3, next_attempt_at = $5
        WHERE id = $1`,
      [id, attempts, error, nextAttemptAt ? 'pending' : 'failed', nextAttemptAt],
    );
  }
}
