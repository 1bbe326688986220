import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One append-only audit event. The table refuses UPDATE and DELETE (trigger in the migration)
 * and each row's hash chains to the previous row's, so rewriting history is detectable.
 * Indexes are declared in the migration (partial and composite keyset indexes); the table is
 * partitioned by month of `occurred_at` (see `AuditPartitionService`).
 */
@Index('audit_events_time_idx', { synchronize: false })
@Index('audit_events_cluster_idx', { synchronize: false })
@Index('audit_events_repository_idx', { synchronize: false })
@Index('audit_events_application_idx', { synchronize: false })
@Index('audit_events_resource_idx', { synchronize: false })
@Index('audit_events_actor_idx', { synchronize: false })
@Index('audit_events_action_idx', { synchronize: false })
@Index('audit_events_revision_idx', { synchronize: false })
@Index('audit_events_project_idx', { synchronize: false })
@Entity({ name: 'audit_events' })
export class AuditEventEntity {
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  /** The partition key (monthly ranges): part of the primary key, as Postgres requires. */
  @PrimaryColumn({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'actor_type', type: 'text' })
  actorType!: string;

  @Column({ name: 'actor_id', type: 'text' })
  actorId!: string;

  @Column({ name: 'actor_name', type: 'text' })
  actorName!: string;

  /** An SSO user's groups when the event happened; null for every other actor. */
  @Column({ name: 'actor_groups', type: 'jsonb', nullable: true })
  actorGroups!: string[] | null;

  @Column({ type: 'text', collation: 'C' })
  action!: string;

  @Column({ name: 'cluster_id', type: 'uuid', nullable: true })
  clusterId!: string | null;

  @Column({ name: 'repository_id', type: 'uuid', nullable: true })
  repositoryId!: string | null;

  @Column({ name: 'application_id', type: 'uuid', nullable: true })
  applicationId!: string | null;

  /** The project of the application (or the project) the event is about; null for older events. */
  @Column({ name: 'project_id', type: 'uuid', nullable: true })
  projectId!: string | null;

  @Column({ type: 'text', nullable: true })
  revision!: string | null;

  /** group/Kind/namespace/name of a Kubernetes object, when the event is about one. */
  @Column({ type: 'text', nullable: true })
  resource!: string | null;

  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash!: string;

  @Column({ type: 'text' })
  hash!: string;
}
