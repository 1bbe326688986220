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
import type { HealthCheckRule } from '../../domain/health/custom-health.js';
import { type ApplicationSource } from '../../domain/render/source-spec.js';
import { ProjectEntity } from '../projects/project.entity.js';
import { RepositoryEntity } from '../repositories/repository.entity.js';

/** The application a generator stamps out; `${...}` filled in name, path, namespaces and string values. */
export interface GeneratorTemplate {
  name: string;
  path: string;
  source: ApplicationSource | null;
  targets: {
    clusterSelector: string;
    namespace?: string;
    values?: Record<string, string | number | boolean>;
  }[];
  syncPolicy: { automated: boolean; prune: boolean; selfHeal: boolean };
  ignoreDifferences: string[];
  /** Custom health checks every generated application carries (absent in generators made before them). */
  healthChecks?: HealthCheckRule[];
}

/** Where the last recompute left the generator: its revision, its applications, what it could not do. */
export interface GeneratorStatus {
  revision: string | null;
  applications: string[];
  errors: string[];
  recomputedAt: string | null;
}

/** A generator of applications (issue 20): a template and a set of directories, clusters, or both. */
@Entity({ name: 'generators' })
export class GeneratorEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('generators_name_key', { unique: true })
  @Column({ type: 'text', collation: 'C' })
  name!: string;

  @Index('generators_project_idx')
  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @ManyToOne(() => ProjectEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'generators_project_id_fkey' })
  project?: ProjectEntity;

  /** The repository every generated application deploys from (and the directories are listed in). */
  @Index('generators_repository_idx')
  @Column({ name: 'repository_id', type: 'uuid' })
  repositoryId!: string;

  @ManyToOne(() => RepositoryEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'repository_id', foreignKeyConstraintName: 'generators_repository_id_fkey' })
  repository?: RepositoryEntity;

  @Column({ type: 'jsonb' })
  template!: GeneratorTemplate;

  /** Directories generator: a glob of directories in the repository (`apps/*`); null: none. */
  @Column({ name: 'directories_glob', type: 'text', nullable: true })
  directoriesGlob!: string | null;

  /** Clusters generator: a label selector of clusters; null: none. */
  @Column({ name: 'clusters_selector', type: 'text', nullable: true })
  clustersSelector!: string | null;

  /** Removing a generated application leaves its objects in the clusters (only unmarked). */
  @Column({ name: 'preserve_on_delete', type: 'boolean', default: false })
  preserveOnDelete!: boolean;

  @Column({ type: 'jsonb' })
  status!: GeneratorStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
