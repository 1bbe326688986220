import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ApplicationEntity } from '../applications/application.entity.js';
import { ClusterEntity } from '../clusters/cluster.entity.js';
import { BundleEntity } from './bundle.entity.js';

/** What one cluster should run for one application, and what it last reported applying. */
@Entity({ name: 'desired_states' })
export class DesiredStateEntity {
  @PrimaryColumn({ name: 'application_id', type: 'uuid' })
  applicationId!: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id', foreignKeyConstraintName: 'desired_states_application_id_fkey' })
  application?: ApplicationEntity;

  @Index('desired_states_cluster_idx')
  @PrimaryColumn({ name: 'cluster_id', type: 'uuid' })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id', foreignKeyConstraintName: 'desired_states_cluster_id_fkey' })
  cluster?: ClusterEntity;

  @Column({ type: 'text', nullable: true })
  revision!: string | null;

  @Column({ name: 'revision_display', type: 'text', nullable: true })
  revisionDisplay!: string | null;

  @Column({ name: 'bundle_digest', type: 'text', nullable: true })
  bundleDigest!: string | null;

  @ManyToOne(() => BundleEntity)
  @JoinColumn({ name: 'bundle_digest', foreignKeyConstraintName: 'desired_states_bundle_digest_fkey' })
  bundle?: BundleEntity;

  @Column({ type: 'integer', default: 0 })
  generation!: number;

  /** The last render failure for this cluster (file and document); the previous bundle stays in force. */
  @Column({ name: 'render_error', type: 'text', nullable: true })
  renderError!: string | null;

  /**
   * The revision whose render failed with {@link renderError} (null: none was fetched). A new
   * revision failing with the same error is a new decision, audited again.
   */
  @Column({ name: 'render_error_revision', type: 'text', nullable: true })
  renderErrorRevision!: string | null;

  @Column({ name: 'applied_revision', type: 'text', nullable: true })
  appliedRevision!: string | null;

  @Column({ name: 'applied_digest', type: 'text', nullable: true })
  appliedDigest!: string | null;

  /** Object ids the agent reported owning after its last job. */
  @Column({ type: 'jsonb' })
  inventory!: string[];

  /**
   * Why the sync job of {@link bundleDigest} is held (dependencies not ready on this cluster), as
   * shown to operators; null when nothing is held. The dependency releaser sends it once they are.
   */
  @Column({ name: 'waiting_for', type: 'text', nullable: true })
  waitingFor!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/**
 * A cluster's desired state once it is given a new bundle: generation bumped, any render error
 * cleared, and what it last applied (revision, bundle, inventory) kept until its agent reports.
 */
export function givenBundle(
  before: DesiredStateEntity | undefined,
  next: Pick<
    DesiredStateEntity,
    'applicationId' | 'clusterId' | 'revision' | 'revisionDisplay' | 'bundleDigest'
  >,
): Omit<DesiredStateEntity, 'updatedAt'> {
  return {
    ...next,
    generation: (before?.generation ?? 0) + 1,
    renderError: null,
    renderErrorRevision: null,
    appliedRevision: before?.appliedRevision ?? null,
    appliedDigest: before?.appliedDigest ?? null,
    inventory: before?.inventory ?? [],
    waitingFor: null,
  };
}
