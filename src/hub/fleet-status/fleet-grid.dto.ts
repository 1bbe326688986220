import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { CELL_STATES, GRID_FILTERS, type GridFilter } from '../../domain/fleet-status.js';
import { IsDns1123Label, IsOmittable } from '../common/validators.js';
import { ClusterSelectorQuery } from './fleet-status.dto.js';

/** The most rows one grid window holds: a screenful with room to scroll. */
export const FLEET_GRID_MAX_LIMIT = 200;

export class FleetGridQueryDto {
  @ClusterSelectorQuery()
  selector?: string;

  @ApiPropertyOptional({
    description:
      "only this project's applications (name) and the clusters they target; one the caller holds no role in answers an empty grid",
  })
  @IsOmittable()
  @IsDns1123Label()
  project?: string;

  @ApiPropertyOptional({
    enum: GRID_FILTERS,
    default: 'all',
    description:
      'clusters to keep: all; problem (a cell not Synced and healthy, or disconnected); those with a cell in a state; disconnected ones',
  })
  @IsOmittable()
  @IsIn(GRID_FILTERS)
  state?: GridFilter;

  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'first cluster of the window, by name' })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  offset?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: FLEET_GRID_MAX_LIMIT, default: 50 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(FLEET_GRID_MAX_LIMIT)
  limit?: number;
}

export class GridApplicationDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() path!: string;
}

export class GridClusterDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({ enum: ['Pending', 'Connected', 'Disconnected'] }) connectionState!: string;
  @ApiProperty({ nullable: true, type: String }) agentVersion!: string | null;
  @ApiProperty({ nullable: true, type: String }) kubernetesVersion!: string | null;
}

export class GridCellDto {
  @ApiProperty() applicationId!: string;
  @ApiProperty() sync!: string;
  @ApiProperty() health!: string;
  @ApiProperty({ enum: CELL_STATES, description: 'how the grid colours the cell' }) state!: string;
}

export class GridRowDto {
  @ApiProperty({ type: GridClusterDto }) cluster!: GridClusterDto;
  @ApiProperty({ type: [GridCellDto], description: 'the applications that target the cluster' })
  cells!: GridCellDto[];
}

export class GridCellCountsDto {
  @ApiProperty() failed!: number;
  @ApiProperty() outofsync!: number;
  @ApiProperty() progressing!: number;
  @ApiProperty() ok!: number;
  @ApiProperty() unknown!: number;
}

export class GridCountsDto {
  @ApiProperty({ description: 'clusters the selector picks (the state filter aside)' }) clusters!: number;
  @ApiProperty() connected!: number;
  @ApiProperty() disconnected!: number;
  @ApiProperty() pending!: number;
  @ApiProperty() applications!: number;
  @ApiProperty({ type: GridCellCountsDto, description: 'cells of those clusters, by grid state' })
  cells!: GridCellCountsDto;
}

export class FleetGridDto {
  @ApiProperty({ type: [GridApplicationDto], description: 'every application, by name: the columns' })
  applications!: GridApplicationDto[];
  @ApiProperty({ type: [GridRowDto], description: 'the window of clusters asked for, by name' })
  rows!: GridRowDto[];
  @ApiProperty({ description: 'clusters the selector and state filter keep, over every window' })
  total!: number;
  @ApiProperty() offset!: number;
  @ApiProperty({ type: GridCountsDto }) counts!: GridCountsDto;
}
