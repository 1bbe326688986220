import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ApplicationEntity } from '../applications/application.entity.js';
import { ClusterEntity } from '../clusters/cluster.entity.js';

/**
 * The status read model: one row per (application, cluster) that has desired state or an
 * unfinished job, rewritten by `FleetStatusRepository.refresh` in the same transaction as every
 * write that changes it. Names are copied in (applications and clusters cannot be renamed) so
 * a page is ordered by an index; the connection state is copied in with the cluster's
 * transitions, so `sync`/`health` are final and filters on them are plain index scans.
 */
@Entity({ name: 'fleet_status' })
@Index('fleet_status_names_idx', { synchronize: false })
@Index('fleet_status_cluster_idx', { synchronize: false })
@Index('fleet_status_sync_idx', { synchronize: false })
@Index('fleet_status_health_idx', { synchronize: false })
export class FleetStatusEntity {
  @PrimaryColumn({ name: 'application_id', type: 'uuid' })
  applicationId!: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id', foreignKeyConstraintName: 'fleet_status_application_id_fkey' })
  application?: ApplicationEntity;

  @PrimaryColumn({ name: 'cluster_id', type: 'uuid' })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id', foreignKeyConstraintName: 'fleet_status_cluster_id_fkey' })
  cluster?: ClusterEntity;

  @Column({ name: 'application_name', type: 'text', collation: 'C' })
  applicationName!: string;

  @Column({ name: 'cluster_name', type: 'text', collation: 'C' })
  clusterName!: string;

  /** Pending, Connected, Disconnected: the cluster's, as of its last transition. */
  @Column({ name: 'connection_state', type: 'text' })
  connectionState!: string;

  @Column({ name: 'wanted_revision', type: 'text', nullable: true })
  wantedRevision!: string | null;

  @Column({ name: 'wanted_revision_display', type: 'text', nullable: true })
  wantedRevisionDisplay!: string | null;

  @Column({ name: 'applied_revision', type: 'text', nullable: true })
  appliedRevision!: string | null;

  @Column({ name: 'applied_revision_display', type: 'text', nullable: true })
  appliedRevisionDisplay!: string | null;

  @Column({ type: 'text' })
  sync!: string;

  @Column({ type: 'text' })
  health!: string;

  @Column({ type: 'boolean' })
  drifted!: boolean;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @Column({ name: 'last_job_id', type: 'uuid', nullable: true })
  lastJobId!: string | null;

  @Column({ name: 'last_job_kind', type: 'text', nullable: true })
  lastJobKind!: string | null;

  @Column({ name: 'last_job_state', type: 'text', nullable: true })
  lastJobState!: string | null;

  @Column({ name: 'last_job_revision_display', type: 'text', nullable: true })
  lastJobRevisionDisplay!: string | null;

  @Column({ name: 'last_job_attempts', type: 'integer', nullable: true })
  lastJobAttempts!: number | null;

  @Column({ name: 'last_job_error', type: 'text', nullable: true })
  lastJobError!: string | null;

  @Column({ name: 'last_job_updated_at', type: 'timestamptz', nullable: true })
  lastJobUpdatedAt!: Date | null;

  /** When any of the values above last changed (a refresh that changes nothing keeps it). */
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
