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
import { ClusterEntity } from '../clusters/cluster.entity.js';
import { type JobState } from '../../domain/job-lifecycle.js';
import type { ObjectPolicy } from '../../domain/object-policy.js';
import { BundleEntity } from './bundle.entity.js';

export type { JobState };

/** A unit of work for one cluster's agent: apply a bundle, or remove an application. */
@Entity({ name: 'reconcile_jobs' })
@Check('reconcile_jobs_kind_check', `kind IN ('sync', 'remove')`)
@Check('reconcile_jobs_state_check', `state IN ('queued', 'leased', 'succeeded', 'failed', 'superseded')`)
@Index('reconcile_jobs_queue_idx', { synchronize: false })
@Index('reconcile_jobs_lease_idx', { synchronize: false })
@Index('reconcile_jobs_app_cluster_idx', { synchronize: false })
@Index('reconcile_jobs_deployment_idx', { synchronize: false })
@Index('reconcile_jobs_cluster_digest_idx', { synchronize: false })
export class ReconcileJobEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'cluster_id', type: 'uuid' })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id', foreignKeyConstraintName: 'reconcile_jobs_cluster_id_fkey' })
  cluster?: ClusterEntity;

  /** No foreign key: removal jobs outlive nothing, but their history outlives the application. */
  @Column({ name: 'application_id', type: 'uuid' })
  applicationId!: string;

  @Column({ name: 'deployment_id', type: 'uuid', nullable: true })
  deploymentId!: string | null;

  @Column({ type: 'text' })
  kind!: 'sync' | 'remove';

  @Column({ type: 'text' })
  revision!: string;

  @Column({ name: 'revision_display', type: 'text' })
  revisionDisplay!: string;

  @Column({ name: 'bundle_digest', type: 'text', nullable: true })
  bundleDigest!: string | null;

  @ManyToOne(() => BundleEntity)
  @JoinColumn({ name: 'bundle_digest', foreignKeyConstraintName: 'reconcile_jobs_bundle_digest_fkey' })
  bundle?: BundleEntity;

  /** The sync policy is fixed when the job is queued: a later policy change makes a new job. */
  @Column({ type: 'boolean' })
  prune!: boolean;

  @Column({ name: 'self_heal', type: 'boolean' })
  selfHeal!: boolean;

  /** Resources (`group/Kind/namespace/name` patterns) whose drift the agent ignores. */
  @Column({ name: 'ignore_differences', type: 'jsonb' })
  ignoreDifferences!: string[];

  /**
   * The object rules of the application's project when the job was queued, which the agent
   * checks too; null: none (jobs queued before projects had rules).
   */
  @Column({ name: 'object_policy', type: 'jsonb', nullable: true })
  objectPolicy!: ObjectPolicy | null;

  @Column({ type: 'text' })
  state!: JobState;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'max_attempts', type: 'integer', default: 5 })
  maxAttempts!: number;

  @Column({ name: 'not_before', type: 'timestamptz', default: () => 'now()' })
  notBefore!: Date;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt!: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  result!: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
