import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { InvalidInputError } from '../../domain/errors.js';
import {
  MAX_STAGES,
  rolloutStrategyProblems,
  type CountOrPercent,
  type RolloutStrategy,
} from '../../domain/rollout/rollout-plan.js';
import { clusterProgress } from '../../domain/rollout/rollout-progress.js';
import { type RolloutStep } from '../../domain/rollout/rollout-step.js';
import { type RolloutClusterView } from './rollout.repository.js';
import { type RolloutEntity } from './rollout.entity.js';

const COUNT_OR_PERCENT = {
  oneOf: [
    { type: 'integer', minimum: 0, maximum: 100000 },
    { type: 'string', pattern: '^(100|[1-9]?[0-9])%$' },
  ],
};

/** One stage of a rollout strategy. */
export class RolloutStageDto {
  @ApiProperty({ example: 'canary', description: 'DNS-1123 label, unique in the strategy' })
  @IsString()
  @MaxLength(63)
  name!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'ring=canary',
    description:
      'clusters of this stage, among those no earlier stage took; null (last stage only): the rest',
  })
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MaxLength(1024)
  clusterSelector!: string | null;
  @ApiPropertyOptional({
    ...COUNT_OR_PERCENT,
    description: 'clusters moved at once: a count, or a percentage of the stage rounded up; default 100%',
  })
  @IsOptional()
  batchSize?: CountOrPercent;
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 86400,
    description:
      'bake time: every cluster of a batch Synced and Healthy this long before the next; default 0',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86400)
  minHealthySeconds?: number;
  @ApiPropertyOptional({
    ...COUNT_OR_PERCENT,
    description: 'failed clusters the stage tolerates (a percentage rounds down); default 0',
  })
  @IsOptional()
  maxFailures?: CountOrPercent;
  @ApiPropertyOptional({ description: 'pause before this stage until someone promotes the rollout' })
  @IsOptional()
  @IsBoolean()
  requireApproval?: boolean;
}

/** How an application's changes reach its clusters in stages. */
export class RolloutStrategyDto {
  @ApiProperty({ type: [RolloutStageDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_STAGES)
  @ValidateNested({ each: true })
  @Type(() => RolloutStageDto)
  stages!: RolloutStageDto[];
  @ApiPropertyOptional({
    enum: ['pause', 'rollback'],
    description: 'on failures over a stage budget: pause (default), or move the clusters already moved back',
  })
  @IsOptional()
  @IsIn(['pause', 'rollback'])
  onFailure?: 'pause' | 'rollback';
}

/**
 * The strategy as stored, defaults filled in; null for none. A strategy the domain refuses is a
 * 400 naming each field.
 */
export function storedRollout(dto: RolloutStrategyDto | null | undefined): RolloutStrategy | null {
  if (!dto) return null;
  const strategy: RolloutStrategy = {
    onFailure: dto.onFailure ?? 'pause',
    stages: dto.stages.map((s) => ({
      name: s.name,
      clusterSelector: s.clusterSelector,
      batchSize: s.batchSize ?? '100%',
      minHealthySeconds: s.minHealthySeconds ?? 0,
      maxFailures: s.maxFailures ?? 0,
      ...(s.requireApproval ? { requireApproval: true } : {}),
    })),
  };
  const problems = rolloutStrategyProblems(strategy);
  if (problems.length) throw new InvalidInputError(problems.join('; '));
  return strategy;
}

/** Why an operator acts (recorded in the audit trail). */
export class RolloutCommandDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'reason must be one line of printable text' })
  reason?: string;
}

export class RolloutClusterDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['pending', 'syncing', 'healthy', 'failed', 'unavailable', 'rolled-back'] })
  progress!: string;
  @ApiProperty({ nullable: true, type: String }) message!: string | null;
  @ApiProperty({ nullable: true, type: String }) startedAt!: string | null;
}

export class RolloutBatchDto {
  @ApiProperty() index!: number;
  @ApiProperty({ enum: ['pending', 'progressing', 'done'] }) state!: string;
  @ApiProperty({ type: [RolloutClusterDto] }) clusters!: RolloutClusterDto[];
}

export class RolloutStageStatusDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['pending', 'awaiting-approval', 'progressing', 'done'] }) state!: string;
  @ApiProperty() requireApproval!: boolean;
  @ApiProperty() approved!: boolean;
  @ApiProperty() minHealthySeconds!: number;
  @ApiProperty() maxFailures!: number;
  @ApiProperty() clusterCount!: number;
  @ApiProperty({ type: [RolloutBatchDto] }) batches!: RolloutBatchDto[];
}

export class RolloutHistoryDto {
  @ApiProperty() at!: string;
  @ApiProperty() action!: string;
  @ApiPropertyOptional() stage?: number;
  @ApiPropertyOptional() batch?: number;
  @ApiPropertyOptional() actor?: string;
  @ApiPropertyOptional() reason?: string;
}

export class RolloutDto {
  @ApiProperty() id!: string;
  @ApiProperty() application!: string;
  @ApiProperty() revision!: string;
  @ApiProperty() revisionDisplay!: string;
  @ApiProperty({
    enum: ['progressing', 'awaiting-approval', 'paused', 'completed', 'aborted', 'rolled-back', 'superseded'],
  })
  state!: string;
  @ApiProperty({ enum: ['pause', 'rollback'] }) onFailure!: string;
  @ApiProperty({ nullable: true, type: String, description: 'why it waits, paused or ended' })
  reason!: string | null;
  @ApiProperty() startedBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ nullable: true, type: String }) endedAt!: string | null;
  @ApiProperty({ description: 'index of the stage it stands at (stages.length when complete)' })
  stage!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'clusters by progress',
  })
  counts!: Record<string, number>;
  @ApiProperty({ nullable: true, type: [RolloutStageStatusDto], description: 'null in lists' })
  stages!: RolloutStageStatusDto[] | null;
  @ApiProperty({
    nullable: true,
    type: [RolloutClusterDto],
    description: 'clusters no stage selects; they keep what they run',
  })
  outside!: RolloutClusterDto[] | null;
  @ApiProperty({ type: [RolloutHistoryDto] }) history!: RolloutHistoryDto[];
}

export class RolloutListDto {
  @ApiProperty({ type: [RolloutDto] }) items!: RolloutDto[];
}

/** The API's view of a rollout; with its clusters when given (the list leaves them out). */
export function toRolloutDto(
  application: string,
  r: RolloutEntity,
  views: RolloutClusterView[] | null,
  nextStep: ((r: RolloutEntity, views: RolloutClusterView[]) => RolloutStep) | null,
): RolloutDto {
  const counts: Record<string, number> = {};
  const clusterDto = (v: RolloutClusterView): RolloutClusterDto => {
    const p = v.rolledBackAt ? { state: 'rolled-back' } : clusterProgress(v);
    counts[p.state] = (counts[p.state] ?? 0) + 1;
    return {
      id: v.clusterId,
      name: v.clusterName,
      progress: p.state,
      message: 'reason' in p ? p.reason : p.state === 'syncing' ? v.message : null,
      startedAt: v.startedAt?.toISOString() ?? null,
    };
  };
  let stages: RolloutStageStatusDto[] | null = null;
  let outside: RolloutClusterDto[] | null = null;
  if (views) {
    const at = (s: number, b: number) => views.filter((v) => v.stage === s && v.batch === b);
    stages = r.plan.map((s, i) => ({
      name: s.name,
      state:
        i < r.position.stage
          ? 'done'
          : i > r.position.stage
            ? 'pending'
            : r.state === 'awaiting-approval'
              ? 'awaiting-approval'
              : r.position.batch >= 0
                ? 'progressing'
                : 'pending',
      requireApproval: s.requireApproval,
      approved: r.position.approved.includes(i),
      minHealthySeconds: s.minHealthySeconds,
      maxFailures: s.maxFailures,
      clusterCount: s.batches.flat().length,
      batches: s.batches.map((_b, j) => ({
        index: j,
        state:
          i < r.position.stage || (i === r.position.stage && j < r.position.batch)
            ? 'done'
            : i === r.position.stage && j === r.position.batch
              ? 'progressing'
              : 'pending',
        clusters: at(i, j).map(clusterDto),
      })),
    }));
    outside = views.filter((v) => v.stage < 0).map(clusterDto);
  }
  // a progressing rollout says what it waits for, as the next look would decide it
  let reason = r.reason;
  if (views && nextStep && r.state === 'progressing') {
    const step = nextStep(r, views);
    if (step.kind === 'wait') reason = step.reason;
  }
  if (reason && views) {
    const names = new Map(views.map((v) => [v.clusterId, v.clusterName]));
    reason = reason.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, (id) => names.get(id) ?? id);
  }
  return {
    id: r.id,
    application,
    revision: r.revision,
    revisionDisplay: r.revisionDisplay,
    state: r.state,
    onFailure: r.onFailure,
    reason,
    startedBy: r.startedBy,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    endedAt: r.endedAt?.toISOString() ?? null,
    stage: r.position.stage,
    counts,
    stages,
    outside,
    history: r.history,
  };
}
