import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUuid } from '../../domain/ids.js';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { NotificationDeliveryEntity } from './notification-delivery.entity.js';
import { NotificationSubscriptionEntity } from './notification-subscription.entity.js';

/** A project or application as a filter names it. */
export interface NamedRef {
  id: string;
  name: string;
  projectId?: string | null;
}

/** Storage of notification subscriptions and their deliveries. */
@Injectable()
export class NotificationRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  insert(
    tx: Tx,
    s: Omit<NotificationSubscriptionEntity, 'createdAt' | 'updatedAt'>,
  ): Promise<NotificationSubscriptionEntity> {
    const m = managerOf(this.ds, tx);
    return m.save(m.create(NotificationSubscriptionEntity, s));
  }

  save(tx: Tx, s: NotificationSubscriptionEntity): Promise<NotificationSubscriptionEntity> {
    return managerOf(this.ds, tx).save(NotificationSubscriptionEntity, s);
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await managerOf(this.ds, tx).delete(NotificationSubscriptionEntity, { id });
  }

  findById(id: string, tx?: Tx, lock = false): Promise<NotificationSubscriptionEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    const q = managerOf(this.ds, tx)
      .createQueryBuilder(NotificationSubscriptionEntity, 's')
      .where('s.id = :id', { id });
    if (lock && tx) q.setLock('pessimistic_write');
    return q.getOne();
  }

  findByName(name: string, tx?: Tx): Promise<NotificationSubscriptionEntity | null> {
    return managerOf(this.ds, tx).findOne(NotificationSubscriptionEntity, { where: { name } });
  }

  /** A page by name; `projectIds` (when not null) keeps only subscriptions of those projects. */
  list(
    after: string | null,
    limit: number,
    projectIds: string[] | null,
  ): Promise<NotificationSubscriptionEntity[]> {
    const q = this.ds.manager.createQueryBuilder(NotificationSubscriptionEntity, 's').where('true');
    if (after !== null) q.andWhere('s.name > :after', { after });
    if (projectIds !== null) q.andWhere('s.project_id = ANY(:projectIds)', { projectIds });
    return q.orderBy('s.name', 'ASC').limit(limit).getMany();
  }

  /** Whether any subscription is enabled: the cheap check the audit write makes first. */
  async anyEnabled(tx?: Tx): Promise<boolean> {
    const rows: { found: boolean }[] = await managerOf(this.ds, tx).query(
      `SELECT EXISTS (SELECT 1 FROM notification_subscriptions WHERE enabled) AS found`,
    );
    return rows[0]?.found === true;
  }

  async projectByKey(key: string, tx?: Tx): Promise<NamedRef | null> {
    const rows: NamedRef[] = await managerOf(this.ds, tx).query(
      `SELECT id, name FROM projects WHERE ${isUuid(key) ? 'id = $1::uuid' : 'name = $1'}`,
      [key],
    );
    return rows[0] ?? null;
  }

  async applicationByKey(key: string, tx?: Tx): Promise<NamedRef | null> {
    const rows: { id: string; name: string; project_id: string | null }[] = await managerOf(
      this.ds,
      tx,
    ).query(
      `SELECT id, name, project_id FROM applications WHERE ${isUuid(key) ? 'id = $1::uuid' : 'name = $1'}`,
      [key],
    );
    return rows[0] ? { id: rows[0].id, name: rows[0].name, projectId: rows[0].project_id } : null;
  }

  /** Names of projects and applications by id, for showing filters. */
  async namesOf(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; name: string }[] = await this.ds.query(
      `SELECT id, name FROM projects WHERE id = ANY($1::uuid[])
       UNION ALL SELECT id, name FROM applications WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  async projectIdsByNames(names: string[]): Promise<string[]> {
    const rows: { id: string }[] = await this.ds.query(`SELECT id FROM projects WHERE name = ANY($1)`, [
      names,
    ]);
    return rows.map((r) => r.id);
  }

  insertDelivery(tx: Tx | undefined, d: NotificationDeliveryEntity): Promise<NotificationDeliveryEntity> {
    const m = managerOf(this.ds, tx);
    return m.save(m.create(NotificationDeliveryEntity, d));
  }

  findDelivery(subscriptionId: string, id: string): Promise<NotificationDeliveryEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.ds.manager.findOne(NotificationDeliveryEntity, { where: { id, subscriptionId } });
  }

  /** A failed delivery queued again with fresh attempts; null when it was not failed. */
  async requeue(id: string, now: Date): Promise<NotificationDeliveryEntity | null> {
    const [rows]: [NotificationDeliveryEntity[], number] = await this.ds.query(
      `UPDATE notification_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2
        WHERE id = $1 AND status = 'failed' RETURNING id`,
      [id, now],
    );
    if (rows.length === 0) return null;
    return this.ds.manager.findOne(NotificationDeliveryEntity, { where: { id } });
  }

  /** Newest first, keyset on (created_at, id). */
  listDeliveries(
    subscriptionId: string,
    status: string | undefined,
    before: { createdAt: Date; id: string } | null,
    limit: number,
  ): Promise<NotificationDeliveryEntity[]> {
    const q = this.ds.manager
      .createQueryBuilder(NotificationDeliveryEntity, 'd')
      .where('d.subscription_id = :subscriptionId', { subscriptionId });
    if (status) q.andWhere('d.status = :status', { status });
    if (before)
      q.andWhere('(d.created_at, d.id) < (:createdAt, :id)', { createdAt: before.createdAt, id: before.id });
    return q.orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'DESC').limit(limit).getMany();
  }
}
