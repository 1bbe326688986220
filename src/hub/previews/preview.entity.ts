import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { ObjectPolicy } from '../../domain/object-policy.js';
import { ApplicationEntity } from '../applications/application.entity.js';
import { ProjectEntity } from '../projects/project.entity.js';

/** A fleet-wide preview of an application at a revision (issue 18): written once, read until deleted. */
@Entity({ name: 'previews' })
@Index('previews_application_idx', ['applicationId', 'createdAt'])
export class PreviewEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** Null: an application not created yet (POST /previews). */
  @Column({ name: 'application_id', type: 'uuid', nullable: true })
  applicationId!: string | null;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id', foreignKeyConstraintName: 'previews_application_id_fkey' })
  application?: ApplicationEntity;

  @Column({ name: 'application_name', type: 'text' })
  applicationName!: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @ManyToOne(() => ProjectEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'previews_project_id_fkey' })
  project?: ProjectEntity;

  @Column({ name: 'ref_revision', type: 'text', nullable: true })
  refRevision!: string | null;

  @Column({ name: 'ref_branch', type: 'text', nullable: true })
  refBranch!: string | null;

  @Column({ type: 'text', nullable: true })
  revision!: string | null;

  @Column({ name: 'revision_display', type: 'text', nullable: true })
  revisionDisplay!: string | null;

  /** The sync options the preview jobs carry, fixed at request time. */
  @Column({ type: 'boolean' })
  prune!: boolean;

  @Column({ name: 'ignore_differences', type: 'jsonb' })
  ignoreDifferences!: string[];

  @Column({ name: 'object_policy', type: 'jsonb' })
  objectPolicy!: ObjectPolicy;

  @Column({ name: 'requested_by', type: 'text' })
  requestedBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** After it nobody reads an answer: parts still without one show unknown. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** When the sweep deletes it (FLOTILLA_PREVIEW_TTL_SECONDS after creation). */
  @Index('previews_delete_after_idx')
  @Column({ name: 'delete_after', type: 'timestamptz' })
  deleteAfter!: Date;
}
