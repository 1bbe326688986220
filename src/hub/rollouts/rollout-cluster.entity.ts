import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ClusterEntity } from '../clusters/cluster.entity.js';
import { BundleEntity } from '../dispatch/bundle.entity.js';
import { RolloutEntity } from './rollout.entity.js';

/** One cluster of a rollout: where it stands in the plan, what it gets, what it would go back to. */
@Entity({ name: 'rollout_clusters' })
export class RolloutClusterEntity {
  @PrimaryColumn({ name: 'rollout_id', type: 'uuid' })
  rolloutId!: string;

  @ManyToOne(() => RolloutEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'rollout_id', foreignKeyConstraintName: 'rollout_clusters_rollout_id_fkey' })
  rollout?: RolloutEntity;

  @Index('rollout_clusters_cluster_idx')
  @PrimaryColumn({ name: 'cluster_id', type: 'uuid' })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id', foreignKeyConstraintName: 'rollout_clusters_cluster_id_fkey' })
  cluster?: ClusterEntity;

  @Column({ type: 'integer' })
  stage!: number;

  @Column({ type: 'integer' })
  batch!: number;

  @Column({ name: 'bundle_digest', type: 'text' })
  bundleDigest!: string;

  @ManyToOne(() => BundleEntity)
  @JoinColumn({ name: 'bundle_digest', foreignKeyConstraintName: 'rollout_clusters_bundle_digest_fkey' })
  bundle?: BundleEntity;

  /** The bundle the cluster ran before (null: the application was new there). */
  @Column({ name: 'previous_digest', type: 'text', nullable: true })
  previousDigest!: string | null;

  @ManyToOne(() => BundleEntity)
  @JoinColumn({ name: 'previous_digest', foreignKeyConstraintName: 'rollout_clusters_previous_digest_fkey' })
  previous?: BundleEntity;

  @Column({ name: 'previous_revision', type: 'text', nullable: true })
  previousRevision!: string | null;

  @Column({ name: 'previous_revision_display', type: 'text', nullable: true })
  previousRevisionDisplay!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'rolled_back_at', type: 'timestamptz', nullable: true })
  rolledBackAt!: Date | null;
}
