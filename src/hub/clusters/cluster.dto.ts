import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/list-query.dto.js';
import { IsDns1123Label, IsLabelMap } from '../common/validators.js';

const LABELS_EXAMPLE = { env: 'prod', region: 'eu' };

export class CreateClusterDto {
  @ApiProperty({ example: 'prod-eu-1', description: 'DNS-1123 label, unique' })
  @IsDns1123Label()
  name!: string;

  @ApiPropertyOptional({ example: LABELS_EXAMPLE, type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  @IsLabelMap()
  labels?: Record<string, string>;
}

export class UpdateClusterDto {
  @ApiPropertyOptional({
    example: LABELS_EXAMPLE,
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'replaces the whole label set',
  })
  @IsOptional()
  @IsObject()
  @IsLabelMap()
  labels?: Record<string, string>;
}

export class ListClustersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'env=prod,tier!=edge,region in (eu,us)' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  selector?: string;
}

export class ClusterDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({ enum: ['Pending', 'Connected', 'Disconnected'] }) connectionState!: string;
  @ApiProperty({ nullable: true, type: String }) lastSeenAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) agentVersion!: string | null;
  @ApiProperty({ nullable: true, type: String }) kubernetesVersion!: string | null;
  @ApiProperty() registered!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class RegistrationDto {
  @ApiProperty({ description: 'one-time token the agent exchanges for its credential' }) token!: string;
  @ApiProperty() expiresAt!: string;
}

export class ClusterWithRegistrationDto extends ClusterDto {
  @ApiProperty({ type: RegistrationDto }) registration!: RegistrationDto;
}

export class ClusterPageDto {
  @ApiProperty({ type: [ClusterDto] }) items!: ClusterDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
