import type { HealthCheckRule } from '../../domain/health/custom-health.js';
import { type RolloutStrategy } from '../../domain/rollout/rollout-plan.js';
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
import { type ApplicationSource } from '../../domain/render/source-spec.js';
import { GeneratorEntity } from '../generators/generator.entity.js';
import { ProjectEntity } from '../projects/project.entity.js';
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
  /** Helm only: values files (relative to the application path) and inline values for these clusters, after the application's. */
  helm?: { valuesFiles?: string[]; values?: Record<string, unknown> };
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

  /** The project whose rules the application is held to. */
  @Index('applications_project_idx')
  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @ManyToOne(() => ProjectEntity, { onDelete: 'RESTRICT', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'applications_project_id_fkey' })
  project?: ProjectEntity;

  @Column({ type: 'text' })
  path!: string;

  /** Pinned revision (explicit, or by rollback); null follows the newest. */
  @Column({ type: 'text', nullable: true })
  revision!: string | null;

  /** How the path renders (helm, kustomize, plain manifests); null detects it from the files. */
  @Column({ type: 'jsonb', nullable: true })
  source!: ApplicationSource | null;

  @Column({ type: 'jsonb' })
  targets!: ApplicationTarget[];

  /** How a change reaches its clusters in stages (issue 16); null: all at once. */
  @Column({ type: 'jsonb', nullable: true })
  rollout!: RolloutStrategy | null;

  @Column({ name: 'sync_policy', type: 'jsonb' })
  syncPolicy!: SyncPolicy;

  @Column({ name: 'ignore_differences', type: 'jsonb' })
  ignoreDifferences!: string[];

  /**
   * Applications (names, same project) that must be Synced and Healthy on a cluster before this
   * one's sync job goes there (issue 20); acyclic, checked on every change.
   */
  @Column({ name: 'depends_on', type: 'jsonb', default: () => "'[]'" })
  dependsOn!: string[];

  /**
   * Custom health checks of this application's objects (issue 20), winning over the hub's for
   * the same group/kind; valid when stored, carried by its jobs from the next one on.
   */
  @Column({ name: 'health_checks', type: 'jsonb', default: () => "'[]'" })
  healthChecks!: HealthCheckRule[];

  /** Automated sync paused (after a rollback) until unpinned. */
  @Column({ type: 'boolean', default: false })
  suspended!: boolean;

  /** Deletion requested: removal jobs are out, the record goes when they finish. */
  @Column({ type: 'boolean', default: false })
  deleting!: boolean;

  @Column({ type: 'integer', default: 1 })
  generation!: number;

  /**
   * The repository revision this application was last reconciled against (rendered, or found
   * untouched by the change); the reconcile sweep picks up applications where it is behind.
   */
  @Column({ name: 'reconciled_revision', type: 'text', nullable: true })
  reconciledRevision!: string | null;

  /** Failed reconciles in a row (render or fetch errors); drives the retry backoff. */
  @Column({ name: 'reconcile_failures', type: 'integer', default: 0 })
  reconcileFailures!: number;

  /** When a failed reconcile is retried; null when the last one succeeded. */
  @Column({ name: 'reconcile_retry_at', type: 'timestamptz', nullable: true })
  reconcileRetryAt!: Date | null;

  /** Set while one replica reconciles the application, so no other does meanwhile. */
  @Column({ name: 'reconcile_lease_until', type: 'timestamptz', nullable: true })
  reconcileLeaseUntil!: Date | null;

  /** Warnings of the last render that produced bundles (plain Secrets a `warn` project let through). */
  @Column({ name: 'render_warnings', type: 'jsonb', default: () => "'[]'" })
  renderWarnings!: string[];

  /**
   * The generator that made the application (issue 20); null for one created directly. A
   * generated application is changed and removed through its generator only.
   */
  @Index('applications_generated_by_idx')
  @Column({ name: 'generated_by', type: 'uuid', nullable: true })
  generatedBy!: string | null;

  @ManyToOne(() => GeneratorEntity, { onDelete: 'SET NULL', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'generated_by', foreignKeyConstraintName: 'applications_generated_by_fkey' })
  generator?: GeneratorEntity;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
