import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { MAX_DEPENDENCIES } from '../../domain/application-dependencies.js';
import { LABEL_SELECTOR_SOURCE } from '../../domain/label-selector.js';
import { PageQueryDto } from '../common/list-query.dto.js';
import { RewoundDto } from '../repositories/repository.dto.js';
import { IsDns1123Label, IsOmittable, SchemaRules } from '../common/validators.js';
import { RolloutStrategyDto } from '../rollouts/rollout.dto.js';
import { HealthCheckRuleDto, HealthChecksProperty } from '../health-checks/health-check.dto.js';
import { ApplicationSourceDto, TargetHelmDto } from './application-source.dto.js';

export class PatchTargetDto {
  @ApiProperty({ example: 'Deployment' }) @IsString() @MinLength(1) @MaxLength(253) kind!: string;
  @ApiProperty({ example: 'api' }) @IsString() @MinLength(1) @MaxLength(253) name!: string;
  @ApiPropertyOptional() @IsOmittable() @IsString() @MaxLength(253) namespace?: string;
  @ApiPropertyOptional({ description: 'API group, "" for core' })
  @IsOmittable()
  @IsString()
  @MaxLength(253)
  group?: string;
}

export class TargetPatchDto {
  @ApiProperty({ type: PatchTargetDto })
  @ValidateNested()
  @Type(() => PatchTargetDto)
  target!: PatchTargetDto;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON merge patch (RFC 7386)' })
  @IsObject()
  patch!: Record<string, unknown>;
}

export class TargetDto {
  // The service parses it (naming the target in its message); the pattern is the same grammar.
  @ApiProperty({ example: 'env=prod,region in (eu,us)', pattern: LABEL_SELECTOR_SOURCE })
  @IsString()
  @MaxLength(4096)
  clusterSelector!: string;
  @ApiPropertyOptional({ example: 'web' })
  @IsOmittable()
  @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'namespace must be a DNS-1123 label' })
  @MaxLength(63)
  namespace?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
  })
  @IsOmittable()
  @IsObject()
  values?: Record<string, string | number | boolean>;
  @ApiPropertyOptional({ type: [TargetPatchDto] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => TargetPatchDto)
  patches?: TargetPatchDto[];
  @ApiPropertyOptional({
    type: TargetHelmDto,
    description: "Helm only: values for these clusters, applied after the source's",
  })
  @IsOmittable()
  @ValidateNested()
  @Type(() => TargetHelmDto)
  helm?: TargetHelmDto;
}

export class SyncPolicyDto {
  @ApiProperty({ description: 'sync on every new revision' }) @IsBoolean() automated!: boolean;
  @ApiProperty({ description: 'delete objects removed from the repository' }) @IsBoolean() prune!: boolean;
  @ApiProperty({ description: 'undo changes made in the cluster' }) @IsBoolean() selfHeal!: boolean;
}

/** `dependsOn` of a create or an update: names of applications of the same project. */
function DependsOnProperty(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: [String],
      maxItems: MAX_DEPENDENCIES,
      description:
        'applications (names, same project) that must be Synced and Healthy on a cluster before this one syncs there; a cycle is refused',
    }),
    IsOmittable(),
    IsArray(),
    ArrayMaxSize(MAX_DEPENDENCIES),
    Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
      each: true,
      message: 'dependsOn entries must be application names (DNS-1123 labels)',
    }),
    MaxLength(63, { each: true }),
  );
}

@SchemaRules({
  // Target Helm options need a Helm source, or one left to detection (null or omitted).
  not: {
    required: ['source', 'targets'],
    properties: {
      source: { type: 'object', required: ['kind'], properties: { kind: { not: { const: 'helm' } } } },
      targets: { contains: { required: ['helm'] } },
    },
  },
})
export class CreateApplicationDto {
  @ApiProperty({ example: 'web' }) @IsDns1123Label() name!: string;
  @ApiPropertyOptional({
    example: 'team-a',
    description: "project (name) the application belongs to; default 'default'",
  })
  @IsOmittable()
  @IsDns1123Label()
  project?: string;
  @ApiProperty({ description: 'repository id or name' })
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  repositoryId!: string;
  @ApiProperty({ example: 'apps/web' }) @IsString() @MaxLength(1024) path!: string;
  @ApiPropertyOptional({ description: 'pin a revision; newest when omitted' })
  @IsOmittable()
  @IsString()
  @MaxLength(128)
  revision?: string;
  @ApiPropertyOptional({
    type: ApplicationSourceDto,
    nullable: true,
    description:
      'how the path renders (helm, kustomize, manifests); omitted or null detects it from the files',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ApplicationSourceDto)
  source?: ApplicationSourceDto | null;
  @ApiProperty({ type: [TargetDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => TargetDto)
  targets!: TargetDto[];
  @ApiPropertyOptional({
    type: RolloutStrategyDto,
    nullable: true,
    description:
      'staged rollout: stages of clusters a change reaches in batches; omitted or null: all at once',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RolloutStrategyDto)
  rollout?: RolloutStrategyDto | null;
  @ApiProperty({ type: SyncPolicyDto })
  @IsDefined({ message: 'syncPolicy is required ({automated, prune, selfHeal})' })
  @ValidateNested()
  @Type(() => SyncPolicyDto)
  syncPolicy!: SyncPolicyDto;
  @ApiPropertyOptional({
    type: [String],
    example: ['/spec/replicas'],
    description: 'JSON pointers ignored in drift detection',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(/^(\/([^~/]|~[01])*)+$/, {
    each: true,
    message: 'ignoreDifferences entries must be JSON pointers such as /spec/replicas',
  })
  ignoreDifferences?: string[];
  @DependsOnProperty()
  dependsOn?: string[];
  @HealthChecksProperty()
  healthChecks?: HealthCheckRuleDto[];
}

export class UpdateApplicationDto {
  @ApiPropertyOptional({
    example: 'team-a',
    description:
      'project (name) the application belongs to; moves it into that project, whose rules it must then fit',
  })
  @IsOmittable()
  @IsDns1123Label()
  project?: string;
  @ApiPropertyOptional() @IsOmittable() @IsString() @MaxLength(1024) path?: string;
  @ApiPropertyOptional({
    type: ApplicationSourceDto,
    nullable: true,
    description:
      'how the path renders (helm, kustomize, manifests); omitted leaves it, null detects it from the files again',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ApplicationSourceDto)
  source?: ApplicationSourceDto | null;
  @ApiPropertyOptional({ type: [TargetDto] })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => TargetDto)
  targets?: TargetDto[];
  @ApiPropertyOptional({
    type: RolloutStrategyDto,
    nullable: true,
    description:
      'staged rollout; omitted leaves it, null removes it (changes then reach every cluster at once)',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RolloutStrategyDto)
  rollout?: RolloutStrategyDto | null;
  @ApiPropertyOptional({ type: SyncPolicyDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => SyncPolicyDto)
  syncPolicy?: SyncPolicyDto;
  @ApiPropertyOptional({ type: [String] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(/^(\/([^~/]|~[01])*)+$/, {
    each: true,
    message: 'ignoreDifferences entries must be JSON pointers such as /spec/replicas',
  })
  ignoreDifferences?: string[];
  @DependsOnProperty()
  dependsOn?: string[];
  @HealthChecksProperty()
  healthChecks?: HealthCheckRuleDto[];
}

export class RollbackDto {
  @ApiProperty({ description: 'revision id to pin' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  revision!: string;
}

export class SyncRequestDto {
  @ApiPropertyOptional({ description: 'sync this revision once (pins it, like a rollback)' })
  @IsOmittable()
  @IsString()
  @MaxLength(128)
  revision?: string;
}

export class ListApplicationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'only applications of this project (name)' })
  @IsOmittable()
  @IsDns1123Label()
  project?: string;
}

export class HistoryQueryDto extends PageQueryDto {}

export class ResourcesQueryDto {
  @ApiPropertyOptional({ description: 'only this cluster (id)' }) @IsOmittable() @IsUUID() cluster?: string;
}

export class LastJobDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['sync', 'remove'] }) kind!: string;
  @ApiProperty({ enum: ['queued', 'leased', 'succeeded', 'failed', 'superseded'] }) state!: string;
  @ApiProperty() revision!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty() updatedAt!: string;
}

export class ClusterStatusDto {
  @ApiProperty() clusterId!: string;
  @ApiProperty() clusterName!: string;
  @ApiProperty() connectionState!: string;
  @ApiProperty({ nullable: true, type: String }) revisionWanted!: string | null;
  @ApiProperty({ nullable: true, type: String }) revisionApplied!: string | null;
  @ApiProperty({ enum: ['Synced', 'OutOfSync', 'Progressing', 'Failed', 'Unknown'] }) sync!: string;
  @ApiProperty({ enum: ['Current', 'InProgress', 'Failed', 'Terminating', 'NotFound', 'Unknown'] })
  health!: string;
  @ApiProperty({ nullable: true, type: String }) message!: string | null;
  @ApiProperty({ nullable: true, type: LastJobDto }) lastJob!: LastJobDto | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'why the sync job is held on this cluster (dependencies not ready), e.g. "waiting for cert-manager on prod-eu-1: Progressing"',
  })
  waitingFor!: string | null;
}

export class ApplicationDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'the project (name) it belongs to' }) project!: string;
  @ApiProperty() repositoryId!: string;
  @ApiProperty() path!: string;
  @ApiProperty({ nullable: true, type: String }) revision!: string | null;
  @ApiProperty({
    nullable: true,
    type: ApplicationSourceDto,
    description: 'how the path renders; null when detected from the files',
  })
  source!: ApplicationSourceDto | null;
  @ApiProperty({ type: [TargetDto] }) targets!: TargetDto[];
  @ApiProperty({ nullable: true, type: RolloutStrategyDto }) rollout!: RolloutStrategyDto | null;
  @ApiProperty({ type: SyncPolicyDto }) syncPolicy!: SyncPolicyDto;
  @ApiProperty({ type: [String] }) ignoreDifferences!: string[];
  @ApiProperty({ type: [String], description: 'applications this one waits for on each cluster' })
  dependsOn!: string[];
  @ApiProperty({ type: [HealthCheckRuleDto], description: "custom health checks, winning over the hub's" })
  healthChecks!: HealthCheckRuleDto[];
  @ApiProperty() suspended!: boolean;
  @ApiProperty() deleting!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'id of the generator that made it (changed and removed through the generator only)',
  })
  generatedBy!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class ApplicationDetailDto extends ApplicationDto {
  @ApiProperty({
    nullable: true,
    type: () => RewoundDto,
    description:
      "Set while the repository's branch is rewound: automated sync stays at `from`; an explicit sync of a revision or a rollback may still deploy `to`.",
  })
  rewound!: RewoundDto | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The repository revision this application was last reconciled against.',
  })
  reconciledRevision!: string | null;
  @ApiProperty({
    type: [String],
    description:
      'warnings of the last render: plain Secrets deployed in clear under a project whose plainSecrets is warn',
  })
  warnings!: string[];
  @ApiProperty({ type: [ClusterStatusDto] }) clusters!: ClusterStatusDto[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: { type: 'number' } },
  })
  counts!: { sync: Record<string, number>; health: Record<string, number>; total: number };
}

export class ApplicationPageDto {
  @ApiProperty({ type: [ApplicationDto] }) items!: ApplicationDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class DeploymentDto {
  @ApiProperty() id!: string;
  @ApiProperty() revision!: string;
  @ApiProperty() revisionDisplay!: string;
  @ApiProperty() trigger!: string;
  @ApiProperty() actor!: string;
  @ApiProperty() clusters!: number;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed', 'partial', 'superseded'] }) outcome!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) jobs!: Record<string, number>;
  @ApiProperty() createdAt!: string;
}

export class DeploymentPageDto {
  @ApiProperty({ type: [DeploymentDto] }) items!: DeploymentDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ResourceStatusDto {
  @ApiProperty() clusterId!: string;
  @ApiProperty() resource!: string;
  @ApiProperty({ nullable: true, type: String }) action!: string | null;
  @ApiProperty() health!: string;
  @ApiProperty({ nullable: true, type: String }) healthMessage!: string | null;
  @ApiProperty() drifted!: boolean;
  @ApiProperty({ nullable: true, type: String }) diff!: string | null;
  @ApiProperty({ nullable: true, type: String }) message!: string | null;
  @ApiProperty() updatedAt!: string;
}

export class ResourceListDto {
  @ApiProperty({ type: [ResourceStatusDto] }) items!: ResourceStatusDto[];
}

export class SyncResultDto {
  @ApiProperty({ nullable: true, type: String }) revision!: string | null;
  @ApiProperty() jobs!: number;
  @ApiProperty() removals!: number;
  @ApiProperty() unchanged!: number;
  @ApiProperty() renderFailures!: number;
}
