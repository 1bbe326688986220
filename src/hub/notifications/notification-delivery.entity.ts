import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { NotificationSubscriptionEntity } from './notification-subscription.entity.js';

/**
 * One message to one subscription's channel and its attempts. Its id is the idempotency key:
 * the same on every attempt, on any replica, after any restart.
 */
@Check('notification_deliveries_status_check', `status IN ('pending', 'delivered', 'failed')`)
@Index('notification_deliveries_due_idx', ['nextAttemptAt'], { where: `status = 'pending'` })
@Index('notification_deliveries_subscription_idx', ['subscriptionId', 'createdAt'])
@Entity({ name: 'notification_deliveries' })
export class NotificationDeliveryEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId!: string;

  @ManyToOne(() => NotificationSubscriptionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'subscription_id',
    foreignKeyConstraintName: 'notification_deliveries_subscription_id_fkey',
  })
  subscription?: NotificationSubscriptionEntity;

  @Column({ type: 'text', default: 'pending' })
  status!: string;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** Why the last attempt failed, bounded and without secrets. */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** When a pending delivery is due; also the lease of a replica sending it. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'event_count', type: 'integer' })
  eventCount!: number;

  @Column({ type: 'text' })
  title!: string;

  /** The message as composed once (title, lines, events), sent as is on every attempt. */
  @Column({ type: 'jsonb' })
  message!: Record<string, unknown>;
}
