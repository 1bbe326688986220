import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PROBLEM_KINDS, type ProblemKind } from '../../domain/fleet-problems.js';
import { LABEL_KEY_SOURCE } from '../../domain/kubernetes-names.js';
import { IsDns1123Label, IsOmittable } from '../common/validators.js';
import { ClusterSelectorQuery } from './fleet-status.dto.js';

/** The most affected rows one drill-down answers: the rest are counted, not listed. */
export const FLEET_PROBLEMS_MAX_LIMIT = 500;

export class FleetProblemsQueryDto {
  @ClusterSelectorQuery()
  selector?: string;

  @ApiPropertyOptional({
    description: "only this project's applications (name) and the clusters they target",
  })
  @IsOmittable()
  @IsDns1123Label()
  project?: string;

  @ApiPropertyOptional({
    description: 'cluster label key to group by; default: the key most clusters carry',
    example: 'region',
  })
  @IsOmittable()
  @IsString()
  @MaxLength(317)
  @Matches(new RegExp(`^${LABEL_KEY_SOURCE}$`), { message: 'label must be a label key, e.g. region' })
  label?: string;
}

export class FleetProblemListQueryDto {
  @ClusterSelectorQuery()
  selector?: string;

  @ApiPropertyOptional({ description: "only this project's applications (name)" })
  @IsOmittable()
  @IsDns1123Label()
  project?: string;

  @ApiPropertyOptional({ description: 'application id or name' })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  application?: string;

  @ApiPropertyOptional({ enum: PROBLEM_KINDS })
  @IsOmittable()
  @IsIn(PROBLEM_KINDS)
  kind?: ProblemKind;

  @ApiPropertyOptional({ minimum: 1, maximum: FLEET_PROBLEMS_MAX_LIMIT, default: 100 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(FLEET_PROBLEMS_MAX_LIMIT)
  limit?: number;
}

export class ProblemCountsDto {
  @ApiProperty({ description: 'the agent is disconnected' }) disconnected!: number;
  @ApiProperty({ description: 'sync Failed (render or apply)' }) failed!: number;
  @ApiProperty({ description: 'health Failed' }) degraded!: number;
  @ApiProperty({ description: 'sync OutOfSync (e.g. drift)' }) outofsync!: number;
}

export class ProblemGroupDto {
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'application name, or label value (null: clusters without the label)',
  })
  name!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'application id; null for label groups' })
  id!: string | null;
  @ApiProperty({ description: 'affected clusters of the group' }) clusters!: number;
  @ApiProperty({
    type: ProblemCountsDto,
    description: 'affected clusters by kind (a cluster may show several)',
  })
  counts!: ProblemCountsDto;
}

export class LabelKeyDto {
  @ApiProperty() key!: string;
  @ApiProperty({ description: 'clusters in scope carrying it' }) clusters!: number;
}

export class FleetProblemsDto {
  @ApiProperty({ description: 'clusters the selector picks (and the caller sees)' }) clusters!: number;
  @ApiProperty({ description: 'of those, clusters with at least one problem' }) affected!: number;
  @ApiProperty({ type: ProblemCountsDto, description: 'affected clusters by kind' })
  counts!: ProblemCountsDto;
  @ApiProperty({ type: [LabelKeyDto], description: 'label keys to group by, most common first' })
  labelKeys!: LabelKeyDto[];
  @ApiProperty({ nullable: true, type: String, description: 'the label the groups are by' })
  label!: string | null;
  @ApiProperty({ type: [ProblemGroupDto], description: 'applications with problems, most urgent first' })
  applications!: ProblemGroupDto[];
  @ApiProperty({ type: [ProblemGroupDto], description: 'label values with problems, most urgent first' })
  labels!: ProblemGroupDto[];
}

export class ProblemItemDto {
  @ApiProperty() clusterId!: string;
  @ApiProperty() clusterName!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({ enum: ['Pending', 'Connected', 'Disconnected'] }) connectionState!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'null: a disconnected cluster no application targets',
  })
  applicationId!: string | null;
  @ApiProperty({ nullable: true, type: String }) applicationName!: string | null;
  @ApiProperty({ enum: PROBLEM_KINDS }) kind!: string;
  @ApiProperty({ nullable: true, type: String }) sync!: string | null;
  @ApiProperty({ nullable: true, type: String }) health!: string | null;
  @ApiProperty({ nullable: true, type: String }) message!: string | null;
  @ApiProperty({ nullable: true, type: String }) updatedAt!: string | null;
}

export class FleetProblemListDto {
  @ApiProperty({ type: [ProblemItemDto], description: 'most urgent first, then by cluster' })
  items!: ProblemItemDto[];
  @ApiProperty({ description: 'affected rows the filter selects, listed or not' }) total!: number;
}
