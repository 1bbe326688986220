import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { NotificationSubscriptionEntity } from './notification-subscription.entity.js';

/**
 * One audit event a subscription matched, written in the transaction of the event itself: it
 * exists exactly when the event does. The worker turns due rows into deliveries (grouped) and
 * deletes them in one transaction.
 */
@Index('notification_outbox_due_idx', ['createdAt'])
@Entity({ name: 'notification_outbox' })
export class NotificationOutboxEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId!: string;

  @ManyToOne(() => NotificationSubscriptionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'subscription_id',
    foreignKeyConstraintName: 'notification_outbox_subscription_id_fkey',
  })
  subscription?: NotificationSubscriptionEntity;

  @Column({ name: 'audit_seq', type: 'bigint' })
  auditSeq!: string;

  /** Events of one subscription with the same key, close in time, become one message. */
  @Column({ name: 'group_key', type: 'text' })
  groupKey!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
