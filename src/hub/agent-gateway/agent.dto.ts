import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import type {
  AgentEventTypeV1,
  AgentEventV1,
  HealthStatusV1,
  HeartbeatAnswerV1,
  HeartbeatV1,
  HookPhaseV1,
  HookResultV1,
  JobLeaseV1,
  JobResultV1,
  RegisterRequestV1,
  ResourceActionV1,
  ResourceResultV1,
  ResourceStatusV1,
  StatusReportV1,
} from '../../protocol/v1/agent-protocol.js';
import { MAX_DIFF_CHARS, MAX_EVENTS_PER_REPORT } from './agent-traffic.service.js';

const HEALTH: HealthStatusV1[] = ['Current', 'InProgress', 'Failed', 'Terminating', 'NotFound', 'Unknown'];
const ACTIONS: ResourceActionV1[] = ['created', 'configured', 'unchanged', 'deleted', 'skipped', 'failed'];
const EVENTS: AgentEventTypeV1[] = ['drift.detected', 'drift.corrected', 'resource.health-changed'];
const MAX_RESOURCES = 50_000;
/** More group/versions than any real API server serves (a large one has ~100). */
const MAX_API_VERSIONS = 2_000;
/** `v1`, `apps/v1`, `monitoring.coreos.com/v1beta1`: a DNS subdomain group and a version. */
const API_VERSION = /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$/;

/** An age X25519 recipient: `age1` and 58 bech32 characters. */
const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const AGE_RECIPIENT_DOC = {
  description: "the agent's public age (X25519) recipient, for sealed secrets",
  pattern: AGE_RECIPIENT.source,
};

export class RegisterRequestDto implements RegisterRequestV1 {
  @ApiProperty() @IsString() @MinLength(10) @MaxLength(256) registrationToken!: string;
  @ApiProperty() @IsString() @MaxLength(64) agentVersion!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) kubernetesVersion?: string;
  @ApiPropertyOptional(AGE_RECIPIENT_DOC)
  @IsOptional()
  @IsString()
  @Matches(AGE_RECIPIENT, { message: 'ageRecipient must be an age X25519 recipient (age1…)' })
  ageRecipient?: string;
}

export class RegisterResponseDto {
  @ApiProperty() clusterId!: string;
  @ApiProperty() clusterName!: string;
  @ApiProperty({ description: 'bearer credential of this agent; shown once' }) credential!: string;
}

export class JobsQueryDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 60,
    default: 30,
    description: 'long-poll: seconds to wait for a job',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60)
  waitSeconds?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** The renewed lease of a job (POST /jobs/:id/lease). */
export class JobLeaseDto implements JobLeaseV1 {
  @ApiProperty({ format: 'date-time' }) leaseExpiresAt!: string;
  @ApiProperty({ description: 'length of a lease; renew well before it passed' }) leaseSeconds!: number;
}

export class ResourceResultDto implements ResourceResultV1 {
  @ApiProperty() @IsString() @MaxLength(1024) id!: string;
  @ApiProperty({ enum: ACTIONS }) @IsIn(ACTIONS) action!: ResourceActionV1;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(16_384) message?: string;
  @ApiPropertyOptional({ enum: HEALTH }) @IsOptional() @IsIn(HEALTH) health?: HealthStatusV1;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4096) healthMessage?: string;
}

const HOOK_PHASES: HookPhaseV1[] = ['PreSync', 'PostSync', 'SyncFail'];

export class HookResultDto implements HookResultV1 {
  @ApiProperty({ enum: HOOK_PHASES }) @IsIn(HOOK_PHASES) phase!: HookPhaseV1;
  @ApiProperty() @IsString() @MaxLength(1024) resource!: string;
  @ApiProperty({ enum: ['succeeded', 'failed'] }) @IsIn(['succeeded', 'failed']) outcome!:
    'succeeded' | 'failed';
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4096) message?: string;
}

export class JobResultDto implements JobResultV1 {
  @ApiProperty() @IsUUID() reportId!: string;
  @ApiProperty({ enum: ['succeeded', 'failed'] }) @IsIn(['succeeded', 'failed']) outcome!:
    'succeeded' | 'failed';
  @ApiPropertyOptional() @IsOptional() @IsBoolean() retryable?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(65_536) message?: string;
  @ApiProperty({ type: [ResourceResultDto] })
  @IsArray()
  @ArrayMaxSize(MAX_RESOURCES)
  @ValidateNested({ each: true })
  @Type(() => ResourceResultDto)
  resources!: ResourceResultDto[];
  @ApiPropertyOptional({ type: [HookResultDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_RESOURCES)
  @ValidateNested({ each: true })
  @Type(() => HookResultDto)
  hooks?: HookResultDto[];
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMaxSize(MAX_RESOURCES)
  @IsString({ each: true })
  inventory!: string[];
}

export class AgentEventDto implements AgentEventV1 {
  @ApiProperty({ enum: EVENTS }) @IsIn(EVENTS) type!: AgentEventTypeV1;
  @ApiProperty() @IsUUID() applicationId!: string;
  @ApiProperty() @IsString() @MaxLength(1024) resource!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(128) revision?: string;
  @ApiPropertyOptional({ maxLength: MAX_DIFF_CHARS })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_DIFF_CHARS)
  diff?: string;
  @ApiPropertyOptional({ enum: HEALTH }) @IsOptional() @IsIn(HEALTH) health?: HealthStatusV1;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4096) message?: string;
  @ApiProperty() @IsISO8601() time!: string;
}

export class ResourceStatusReportDto implements ResourceStatusV1 {
  @ApiProperty() @IsUUID() applicationId!: string;
  @ApiProperty() @IsString() @MaxLength(1024) resource!: string;
  @ApiProperty({ enum: HEALTH }) @IsIn(HEALTH) health!: HealthStatusV1;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4096) healthMessage?: string;
  @ApiProperty() @IsBoolean() drifted!: boolean;
  @ApiPropertyOptional({ maxLength: MAX_DIFF_CHARS })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_DIFF_CHARS)
  diff?: string;
}

export class StatusReportDto implements StatusReportV1 {
  @ApiProperty() @IsUUID() reportId!: string;
  @ApiProperty({ type: [ResourceStatusReportDto] })
  @IsArray()
  @ArrayMaxSize(MAX_RESOURCES)
  @ValidateNested({ each: true })
  @Type(() => ResourceStatusReportDto)
  resources!: ResourceStatusReportDto[];
  @ApiProperty({ type: [AgentEventDto], maxItems: MAX_EVENTS_PER_REPORT })
  @IsArray()
  @ArrayMaxSize(MAX_EVENTS_PER_REPORT)
  @ValidateNested({ each: true })
  @Type(() => AgentEventDto)
  events!: AgentEventDto[];
}

export class HeartbeatDto implements HeartbeatV1 {
  @ApiProperty() @IsString() @MaxLength(64) agentVersion!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) kubernetesVersion?: string;
  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_API_VERSIONS,
    description: 'every group/version the API server serves, sent when it changed',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_API_VERSIONS)
  @IsString({ each: true })
  @Matches(API_VERSION, { each: true, message: 'apiVersions must be group/version strings' })
  apiVersions?: string[];
  @ApiPropertyOptional(AGE_RECIPIENT_DOC)
  @IsOptional()
  @IsString()
  @Matches(AGE_RECIPIENT, { message: 'ageRecipient must be an age X25519 recipient (age1…)' })
  ageRecipient?: string;
}

export class HeartbeatAnswerDto implements HeartbeatAnswerV1 {
  @ApiPropertyOptional({
    description: 'an operator asked for a new age identity: make one and send its recipient',
  })
  rotateAgeKey?: boolean;
}

export class ReportAckDto {
  @ApiProperty({ description: 'false when this reportId had already been recorded' }) recorded!: boolean;
  @ApiPropertyOptional({
    description:
      'status reports: entries ignored because their application has no desired state on this cluster',
  })
  ignored?: number;
}
