import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ClusterEntity } from '../clusters/cluster.entity.js';

/** The last known state of one object of an application in one cluster. */
@Entity({ name: 'resource_status' })
export class ResourceStatusEntity {
  @PrimaryColumn({ name: 'application_id', type: 'uuid' })
  applicationId!: string;

  @PrimaryColumn({ name: 'cluster_id', type: 'uuid' })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id', foreignKeyConstraintName: 'resource_status_cluster_id_fkey' })
  cluster?: ClusterEntity;

  /** `group/Kind/namespace/name`. */
  @PrimaryColumn({ type: 'text' })
  resource!: string;

  @Column({ type: 'text', nullable: true })
  action!: string | null;

  @Column({ type: 'text', default: 'Unknown' })
  health!: string;

  @Column({ name: 'health_message', type: 'text', nullable: true })
  healthMessage!: string | null;

  @Column({ type: 'boolean', default: false })
  drifted!: boolean;

  @Column({ type: 'text', nullable: true })
  diff!: string | null;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @Column({ type: 'text', nullable: true })
  revision!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
