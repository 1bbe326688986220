import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A hub-wide custom health check (issue 20): CEL expressions for the objects of one group/kind. */
@Entity({ name: 'health_checks' })
@Index('health_checks_group_kind_key', ['group', 'kind'], { unique: true })
export class HealthCheckEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** API group, `''` for the core group. */
  @Column({ type: 'text', collation: 'C' })
  group!: string;

  @Column({ type: 'text', collation: 'C' })
  kind!: string;

  @Column({ type: 'text' })
  current!: string;

  @Column({ name: 'in_progress', type: 'text', nullable: true })
  inProgress!: string | null;

  @Column({ type: 'text', nullable: true })
  failed!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
