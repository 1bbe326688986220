import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { PreviewObjectV1 } from '../../protocol/v1/agent-protocol.js';
import { ClusterEntity } from '../clusters/cluster.entity.js';
import { BundleEntity } from '../dispatch/bundle.entity.js';
import { PreviewEntity } from './preview.entity.js';

/** One cluster's part of a preview; its id is the preview job's id on the wire. */
@Entity({ name: 'preview_clusters' })
@Index('preview_clusters_preview_idx', ['previewId'])
@Index('preview_clusters_queue_idx', ['clusterId', 'leaseExpiresAt'], {
  where: `"answered_at" IS NULL AND "job" = true`,
})
export class PreviewClusterEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'preview_id', type: 'uuid' })
  previewId!: string;

  @ManyToOne(() => PreviewEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'preview_id', foreignKeyConstraintName: 'preview_clusters_preview_id_fkey' })
  preview?: PreviewEntity;

  @Column({ name: 'cluster_id', type: 'uuid' })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id', foreignKeyConstraintName: 'preview_clusters_cluster_id_fkey' })
  cluster?: ClusterEntity;

  @Column({ name: 'cluster_name', type: 'text' })
  clusterName!: string;

  /** Whether a preview job was queued for the agent (false: render failed, denied or Disconnected). */
  @Column({ type: 'boolean' })
  job!: boolean;

  @Column({ name: 'bundle_digest', type: 'text', nullable: true })
  bundleDigest!: string | null;

  @ManyToOne(() => BundleEntity)
  @JoinColumn({ name: 'bundle_digest', foreignKeyConstraintName: 'preview_clusters_bundle_digest_fkey' })
  bundle?: BundleEntity;

  @Column({ name: 'render_error', type: 'text', nullable: true })
  renderError!: string | null;

  @Column({ name: 'policy_denials', type: 'jsonb', default: () => `'[]'` })
  policyDenials!: { resource: string; reason: string }[];

  /** Why no job was sent ("Disconnected") or the agent never answered. */
  @Column({ name: 'unknown_reason', type: 'text', nullable: true })
  unknownReason!: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt!: Date | null;

  @Column({ name: 'report_id', type: 'text', nullable: true })
  reportId!: string | null;

  @Column({ name: 'answered_at', type: 'timestamptz', nullable: true })
  answeredAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  outcome!: 'completed' | 'failed' | null;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  objects!: PreviewObjectV1[];
}
