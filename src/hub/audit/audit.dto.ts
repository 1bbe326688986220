import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
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

export class ChainVerdictDto {
  @ApiProperty() ok!: boolean;
  @ApiProperty({ description: 'events checked' }) checked!: number;
  @ApiPropertyOptional({ description: 'seq of the first event that breaks the chain' }) brokenAt?: number;
  @ApiPropertyOptional() reason?: string;
}
