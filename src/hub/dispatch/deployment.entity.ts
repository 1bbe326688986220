import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ApplicationEntity } from '../applications/application.entity.js';

/** One change of an application's desired state: a revision going out to some clusters. */
@Entity({ name: 'deployments' })
@Index('deployments_application_idx', { synchronize: false })
export class DeploymentEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId!: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id', foreignKeyConstraintName: 'deployments_application_id_fkey' })
  application?: ApplicationEntity;

  @Column({ type: 'text' })
  revision!: string;

  @Column({ name: 'revision_display', type: 'text' })
  revisionDisplay!: string;

  /** `created`, `updated`, `revision`, `sync`, `rollback`, `unpin`, `cluster-labels`, `cluster-registered`, `cluster-capabilities`, `delete`, and `rollout` (a staged rollout moving a batch; its automatic rollback is `rollback`). */
  @Column({ type: 'text' })
  trigger!: string;

  @Column({ name: 'actor_name', type: 'text' })
  actorName!: string;

  @Column({ name: 'cluster_count', type: 'integer' })
  clusterCount!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
