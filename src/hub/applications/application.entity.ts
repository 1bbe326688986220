import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { RepositoryEntity } from '../repositories/repository.entity.js';

/** One target of an application: which clusters, and how to render for them. */
export interface ApplicationTarget {
  clusterSelector: string;
  namespace?: string;
  values?: Record<string, string | number | boolean>;
  patches?: {
    target: { kind: string; name: string; namespace?: string; group?: string };
    patch: Record<string, unknown>;
  }[];
}

/** How an application is kept in sync. */
export interface SyncPolicy {
  automated: boolean;
  prune: boolean;
  selfHeal: boolean;
}

/** Manifests under `path` of a repository, deployed to every cluster a target selects. */
@Entity({ name: 'applications' })
export class ApplicationEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('applications_name_key', { unique: true })
  @Column({ type: 'text', collation: 'C' })
  name!: string;

  @Index('applications_repository_idx')
  @Column({ name: 'repository_id', type: 'uuid' })
  repositoryId!: string;

  @ManyToOne(() => RepositoryEntity, { onDelete: 'RESTRICT', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'repository_id', foreignKeyConstraintName: 'applications_repository_id_fkey' })
  repository?: RepositoryEntity;

  @Column({ type: 'text' })
  path!: string;

  /** Pinned revision (explicit, or by rollback); null follows the newest. */
  @Column({ type: 'text', nullable: true })
  revision!: string | null;

  @Column({ type: 'jsonb' })
  targets!: ApplicationTarget[];

  @Column({ name: 'sync_policy', type: 'jsonb' })
  syncPolicy!: SyncPolicy;

  @Column({ name: 'ignore_differences', type: 'jsonb' })
  ignoreDifferences!: string[];

  /** Automated sync paused (after a rollback) until unpinned. */
  @Column({ type: 'boolean', default: false })
  suspended!: boolean;

  /** Deletion requested: removal jobs are out, the record goes when they finish. */
  @Column({ type: 'boolean', default: false })
  deleting!: boolean;

  @Column({ type: 'integer', default: 1 })
  generation!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
