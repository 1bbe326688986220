import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { ApplicationEntity } from '../applications/application.entity.js';
import { ProjectEntity } from '../projects/project.entity.js';

/**
 * A subscription: a filter over audit events and a channel they are sent to. The channel's
 * secrets (Slack URL, SMTP password, webhook signing secret) are sealed in `channelSealed`,
 * bound to the row; `channel` holds only what may be shown.
 */
@Check('notification_subscriptions_outcome_check', `outcome IN ('success', 'failure', 'any')`)
@Check('notification_subscriptions_channel_type_check', `channel_type IN ('webhook', 'slack', 'email')`)
@Entity({ name: 'notification_subscriptions' })
export class NotificationSubscriptionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('notification_subscriptions_name_key', { unique: true })
  @Column({ type: 'text', collation: 'C' })
  name!: string;

  /** Exact actions or prefixes (ending in `.` or `*`); empty: every action. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  actions!: string[];

  @Column({ name: 'application_id', type: 'uuid', nullable: true })
  applicationId!: string | null;

  /** Deleting the application deletes its subscriptions (a null filter would widen them). */
  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'application_id',
    foreignKeyConstraintName: 'notification_subscriptions_application_id_fkey',
  })
  application?: ApplicationEntity;

  /** The project whose operators manage it; null: only admins do, and it sees every project. */
  @Index('notification_subscriptions_project_idx')
  @Column({ name: 'project_id', type: 'uuid', nullable: true })
  projectId!: string | null;

  @ManyToOne(() => ProjectEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'notification_subscriptions_project_id_fkey' })
  project?: ProjectEntity;

  /** A label selector over the cluster of an event, evaluated at delivery time. */
  @Column({ name: 'cluster_selector', type: 'text', nullable: true })
  clusterSelector!: string | null;

  @Column({ type: 'text', default: 'any' })
  outcome!: string;

  @Column({ name: 'channel_type', type: 'text' })
  channelType!: string;

  /** What may be shown of the channel (no secret): host of a URL, recipients, SMTP server. */
  @Column({ name: 'channel', type: 'jsonb' })
  channel!: Record<string, unknown>;

  /** Sealed JSON of the full channel, secrets included. */
  @Column({ name: 'channel_sealed', type: 'text' })
  channelSealed!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
