import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDate, IsIn, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/list-query.dto.js';
import { IsOmittable } from '../common/validators.js';

/** RFC 3339 date-time, as the OpenAPI `date-time` format says (Date.parse takes far more, e.g. `0.5`). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A query date-time, or an invalid Date (IsDate then names the parameter) for anything else. */
const toDateTime = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? new Date(DATE_TIME.test(value) ? value : NaN) : value;

/** The filters of the audit trail, shared by the paged list and the export. */
export class AuditFilterDto {
  @ApiPropertyOptional({ description: 'cluster id' }) @IsOmittable() @IsUUID() cluster?: string;
  @ApiPropertyOptional({ description: 'repository id' }) @IsOmittable() @IsUUID() repository?: string;
  @ApiPropertyOptional({ description: 'application id' }) @IsOmittable() @IsUUID() application?: string;
  @ApiPropertyOptional({
    description: 'project name or id: events of its applications and of the project itself',
  })
  @IsOmittable()
  @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'project must be a project name or id' })
  @MaxLength(63)
  project?: string;

  @ApiPropertyOptional({ description: 'exact action, or a prefix such as cluster.*', example: 'cluster.*' })
  @IsOmittable()
  @Matches(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*(\.\*)?$/, {
    message: 'action must be an action name such as cluster.registered, or a prefix such as cluster.*',
  })
  @MaxLength(128)
  action?: string;

  @ApiPropertyOptional({ description: 'actor name (token name, SSO user email, agent:<cluster>, system)' })
  @IsOmittable()
  @IsString()
  @MaxLength(256)
  actor?: string;

  @ApiPropertyOptional({ description: 'group/Kind/namespace/name', example: 'apps/Deployment/web/api' })
  @IsOmittable()
  @IsString()
  @MaxLength(1024)
  resource?: string;

  @ApiPropertyOptional() @IsOmittable() @IsString() @MaxLength(256) revision?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOmittable()
  @Transform(toDateTime)
  @IsDate({ message: 'since must be an ISO 8601 date-time' })
  since?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOmittable()
  @Transform(toDateTime)
  @IsDate({ message: 'until must be an ISO 8601 date-time' })
  until?: Date;
}

/** A page of the trail: the filters plus limit and cursor. */
export class AuditQueryDto extends IntersectionType(AuditFilterDto, PageQueryDto) {}

/** An export: the filters, every matching event (no limit, no cursor). */
export class AuditExportQueryDto extends AuditFilterDto {}

export class ActorDto {
  @ApiProperty({ enum: ['token', 'user', 'agent', 'system'] }) type!: string;
  @ApiProperty({ description: 'token id, <issuer>#<subject> of an SSO user, cluster id, or system' })
  id!: string;
  @ApiProperty() name!: string;
  @ApiPropertyOptional({ type: [String], description: "an SSO user's groups at the time" })
  groups?: string[];
}

export class AuditEventDto {
  @ApiProperty() seq!: string;
  @ApiProperty() occurredAt!: string;
  @ApiProperty({ type: ActorDto }) actor!: ActorDto;
  @ApiProperty() action!: string;
  @ApiProperty({ nullable: true, type: String }) clusterId!: string | null;
  @ApiProperty({ nullable: true, type: String }) repositoryId!: string | null;
  @ApiProperty({ nullable: true, type: String }) applicationId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'project id; null for events of no project' })
  projectId!: string | null;
  @ApiProperty({ nullable: true, type: String }) revision!: string | null;
  @ApiProperty({ nullable: true, type: String }) resource!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
  @ApiProperty() hash!: string;
  @ApiProperty() prevHash!: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items!: AuditEventDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

/**
 * A checkpoint's seq and hash are one value: two query parameters that must come together
 * cannot be said in the OpenAPI document, one `seq:hash` parameter with a pattern can.
 */
const CHECKPOINT = /^[1-9][0-9]{0,14}:[0-9a-f]{64}$/;

/** An optional checkpoint kept outside the hub, to compare the chain with. */
export class VerifyQueryDto {
  @ApiPropertyOptional({
    description: 'a checkpoint kept outside the hub, as <seq>:<hash> (hash: 64 lowercase hex characters)',
    example: `1200:${'0'.repeat(64)}`,
  })
  @IsOmittable()
  @Matches(CHECKPOINT, {
    message: 'checkpoint must be <seq>:<hash>, seq a positive integer, hash 64 lowercase hex characters',
  })
  checkpoint?: string;

  @ApiPropertyOptional({
    enum: ['start', 'latest-checkpoint'],
    description:
      'start (default): the whole kept chain, from its first event or, once retention detached ' +
      'older months, from the signed checkpoint where it starts; latest-checkpoint: only the events ' +
      'after the newest signed checkpoint (incremental)',
  })
  @IsOmittable()
  @IsIn(['start', 'latest-checkpoint'], { message: 'from must be start or latest-checkpoint' })
  from?: 'start' | 'latest-checkpoint';
}

/** The seq and hash of a `checkpoint` query value the DTO has validated. */
export function parseCheckpoint(value: string): { seq: number; hash: string } {
  const [seq, hash] = value.split(':');
  return { seq: Number(seq), hash };
}

export class CheckpointResultDto {
  @ApiProperty() seq!: number;
  @ApiProperty() hash!: string;
  @ApiProperty() ok!: boolean;
  @ApiPropertyOptional() reason?: string;
}

export class VerifiedFromDto {
  @ApiProperty() seq!: number;
  @ApiProperty() hash!: string;
}

export class ChainVerdictDto {
  @ApiProperty() ok!: boolean;
  @ApiProperty({ description: 'events checked' }) checked!: number;
  @ApiPropertyOptional({ description: 'seq of the first event (or checkpoint) that does not hold' })
  brokenAt?: number;
  @ApiPropertyOptional() reason?: string;
  @ApiProperty({ nullable: true, type: Number, description: 'seq of the newest event' }) headSeq!:
    number | null;
  @ApiProperty({ nullable: true, type: String, description: 'hash of the newest event' })
  headHash!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'seq from which events are HMAC-keyed' })
  keyedFrom!: number | null;
  @ApiProperty({ description: 'signed checkpoints stored by the hub that matched the chain' })
  checkpointsChecked!: number;
  @ApiPropertyOptional({ type: CheckpointResultDto, description: 'outcome for the given checkpoint' })
  checkpoint?: CheckpointResultDto;
  @ApiProperty({
    type: VerifiedFromDto,
    nullable: true,
    description: 'the signed checkpoint (signature checked) the walk started after; null: the first event',
  })
  verifiedFrom!: VerifiedFromDto | null;
}

export class AuditCheckpointDto {
  @ApiProperty() seq!: string;
  @ApiProperty({ description: 'hash of the event at seq' }) hash!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    description:
      'Ed25519 signature (base64) of "flotilla-audit-checkpoint/v1\\n<seq>\\n<hash>\\n<createdAt>"',
  })
  signature!: string;
  @ApiProperty({ description: 'fingerprint of the public key that verifies it' }) keyId!: string;
}

export class CheckpointPublicKeyDto {
  @ApiProperty({ enum: ['Ed25519'] }) algorithm!: string;
  @ApiProperty() keyId!: string;
  @ApiProperty({ description: 'SPKI public key, PEM' }) publicKey!: string;
}

export class AuditCheckpointPageDto {
  @ApiProperty({ type: [AuditCheckpointDto] }) items!: AuditCheckpointDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
  @ApiProperty({ type: CheckpointPublicKeyDto }) publicKey!: CheckpointPublicKeyDto;
}
