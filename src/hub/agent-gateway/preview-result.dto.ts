import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import {
  MAX_PREVIEW_CHANGES_V1,
  MAX_PREVIEW_OBJECTS_V1,
  type FieldChangeV1,
  type PreviewActionV1,
  type PreviewObjectV1,
  type PreviewResultV1,
} from '../../protocol/v1/agent-protocol.js';

const ACTIONS: PreviewActionV1[] = ['create', 'change', 'prune', 'unchanged', 'refused', 'denied'];
const OPS: FieldChangeV1['op'][] = ['add', 'remove', 'replace'];

export class FieldChangeV1Dto implements FieldChangeV1 {
  @ApiProperty({ description: 'JSON pointer' }) @IsString() @MaxLength(1024) path!: string;
  @ApiProperty({ enum: OPS }) @IsIn(OPS) op!: FieldChangeV1['op'];
  // values are any JSON; the hub cuts long ones and redacts Secret values on receipt
  @ApiPropertyOptional() @IsOptional() before?: unknown;
  @ApiPropertyOptional() @IsOptional() after?: unknown;
}

export class PreviewObjectV1Dto implements PreviewObjectV1 {
  @ApiProperty({ example: 'apps/Deployment/web/api' }) @IsString() @MaxLength(1024) id!: string;
  @ApiProperty({ enum: ACTIONS }) @IsIn(ACTIONS) action!: PreviewActionV1;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4096) message?: string;
  @ApiPropertyOptional({ type: [FieldChangeV1Dto], maxItems: MAX_PREVIEW_CHANGES_V1 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PREVIEW_CHANGES_V1)
  @ValidateNested({ each: true })
  @Type(() => FieldChangeV1Dto)
  changes?: FieldChangeV1Dto[];
  @ApiPropertyOptional() @IsOptional() @IsBoolean() truncated?: boolean;
}

/** POST /api/v1/agent/previews/:id/result (PreviewResultV1), with the protocol's caps. */
export class PreviewResultDto implements PreviewResultV1 {
  @ApiProperty() @IsUUID() reportId!: string;
  @ApiProperty({ enum: ['completed', 'failed'] }) @IsIn(['completed', 'failed']) outcome!:
    'completed' | 'failed';
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(65_536) message?: string;
  @ApiProperty({ type: [PreviewObjectV1Dto], maxItems: MAX_PREVIEW_OBJECTS_V1 })
  @IsArray()
  @ArrayMaxSize(MAX_PREVIEW_OBJECTS_V1)
  @ValidateNested({ each: true })
  @Type(() => PreviewObjectV1Dto)
  objects!: PreviewObjectV1Dto[];
}
