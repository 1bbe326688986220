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
import { type RolloutState } from '../../domain/rollout/rollout-gate.js';
import { type PlannedStage, type RolloutStrategy } from '../../domain/rollout/rollout-plan.js';
import { type RolloutPosition } from '../../domain/rollout/rollout-step.js';
import { ApplicationEntity } from '../applications/application.entity.js';

/** One entry of a rollout's timeline. */
export interface RolloutHistoryEntry {
  at: string;
  /** The audit action it was recorded with (`rollout.batch.started`, `rollout.paused`, ...). */
  action: string;
  stage?: number;
  batch?: number;
  actor?: string;
  reason?: string;
}

/** One rollout of one revision of an application across its clusters (issue 16). */
@Entity({ name: 'rollouts' })
@Index('rollouts_application_idx', { synchronize: false })
@Index('rollouts_open_idx', { synchronize: false })
export class RolloutEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId!: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id', foreignKeyConstraintName: 'rollouts_application_id_fkey' })
  application?: ApplicationEntity;

  @Column({ type: 'text' })
  revision!: string;

  @Column({ name: 'revision_display', type: 'text' })
  revisionDisplay!: string;

  @Column({ type: 'text' })
  state!: RolloutState;

  @Column({ name: 'on_failure', type: 'text' })
  onFailure!: RolloutStrategy['onFailure'];

  /** The stages with their batches of cluster ids, fixed when the rollout started. */
  @Column({ type: 'jsonb' })
  plan!: PlannedStage[];

  @Column({ type: 'jsonb' })
  position!: RolloutPosition;

  /** Why it is paused, waiting or ended, in words. */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  /** Clusters of the rollout this one superseded whose running batch finishes before this starts. */
  @Column({ name: 'wait_for', type: 'jsonb' })
  waitFor!: string[];

  @Column({ type: 'jsonb' })
  history!: RolloutHistoryEntry[];

  @Column({ name: 'started_by', type: 'text' })
  startedBy!: string;

  /** When a wait (bake time) ends; null: look on the next event or sweep. */
  @Column({ name: 'check_at', type: 'timestamptz', nullable: true })
  checkAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;
}
