import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../common/list-query.dto.js';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'cluster id' }) @IsOptional() @IsUUID() cluster?: string;
  @ApiPropertyOptional({ description: 'repository id' }) @IsOptional() @IsUUID() repository?: string;
  @ApiPropertyOptional({ description: 'application id' }) @IsOptional() @IsUUID() application?: string;

  @ApiPropertyOptional({ description: 'exact action, or a prefix such as cluster.*', example: 'cluster.*' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*(\.\*)?$/, {
    message: 'action must be an action name such as cluster.registered, or a prefix such as cluster.*',
  })
  @MaxLength(128)
  action?: string;

  @ApiPropertyOptional({ description: 'actor name (token name, agent:<cluster>, system)' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  actor?: string;

  @ApiPropertyOptional({ description: 'group/Kind/namespace/name', example: 'apps/Deployment/web/api' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  resource?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) revision?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'since must be an ISO 8601 date-time' })
  since?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'until must be an ISO 8601 date-time' })
  until?: Date;
}

export class ActorDto {
  @ApiProperty({ enum: ['token', 'agent', 'system'] }) type!: string;
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
}

export class AuditEventDto {
  @ApiProperty() seq!: string;
  @ApiProperty() occurredAt!: string;
  @ApiProperty({ type: ActorDto }) actor!: ActorDto;
  @ApiProperty() action!: string;
  @ApiProperty({ nullable: true, type: String }) clusterId!: string | null;
  @ApiProperty({ nullable: true, type: String }) repositoryId!: string | null;
  @ApiProperty({ nullable: true, type: String }) applicationId!: string | null;
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

/** An optional checkpoint kept outside the hub, to compare the chain with. */
export class VerifyQueryDto {
  @ApiPropertyOptional({
    description: 'seq of an externally kept checkpoint (with checkpointHash)',
    minimum: 1,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'checkpointSeq must be an integer' })
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  checkpointSeq?: number;

  @ApiPropertyOptional({
    description: 'hash of the event at checkpointSeq (64 hex characters)',
    pattern: '^[0-9a-f]{64}$',
  })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: 'checkpointHash must be 64 lowercase hex characters' })
  checkpointHash?: string;
}

export class CheckpointResultDto {
  @ApiProperty() seq!: number;
  @ApiProperty() hash!: string;
  @ApiProperty() ok!: boolean;
  @ApiPropertyOptional() reason?: string;
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
