import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ObjectPolicy, PlainSecretsMode } from '../../domain/object-policy.js';
import type { ProjectSource } from '../../domain/project.js';

/**
 * A project: the repositories its applications may deploy from, the clusters they may deploy to
 * and the objects they may deploy. Every application belongs to exactly one.
 */
@Entity({ name: 'projects' })
export class ProjectEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('projects_name_key', { unique: true })
  @Column({ type: 'text', collation: 'C' })
  name!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'jsonb' })
  sources!: ProjectSource[];

  @Column({ name: 'cluster_selector', type: 'text', default: '' })
  clusterSelector!: string;

  /** The object rules (namespaces, kinds, Secrets); see `ObjectPolicy`. */
  @Column({ type: 'jsonb' })
  objects!: ObjectPolicy;

  /** What a plain `v1/Secret` in a bundle does: refused, warned about, or allowed. */
  @Column({ name: 'plain_secrets', type: 'text', default: 'warn' })
  plainSecrets!: PlainSecretsMode;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
