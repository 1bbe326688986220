import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { HEALTH_STATES, stateListSource, SYNC_STATES } from '../../domain/fleet-status.js';
import { LABEL_SELECTOR_SOURCE } from '../../domain/label-selector.js';
import { LastJobDto } from '../applications/application.dto.js';
import { IsOmittable } from '../common/validators.js';

/** An optional query field holding a comma-separated list of `states`, documented and validated alike. */
function StateList(field: string, states: readonly string[], example: string): PropertyDecorator {
  const source = stateListSource(states);
  return applyDecorators(
    ApiPropertyOptional({
      description: `${field} states, comma-separated: ${states.join(', ')}`,
      example,
      pattern: source,
    }),
    IsOmittable(),
    Matches(new RegExp(source), {
      message: `${field} must be a comma-separated list of ${states.join(', ')}`,
    }),
    MaxLength(256),
  );
}

/** An optional cluster label selector query field (parsed, with errors by name, by the service). */
export function ClusterSelectorQuery(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      description: 'cluster label selector, the syntax of application targets',
      example: 'env=prod,region in (eu,us)',
      pattern: LABEL_SELECTOR_SOURCE,
    }),
    IsOmittable(),
    IsString(),
    MaxLength(4096),
  );
}

/** The largest page: the dashboard's grid reads the whole fleet in few requests. */
export const FLEET_STATUS_MAX_LIMIT = 5000;

export class FleetStatusQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: FLEET_STATUS_MAX_LIMIT, default: 100 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(FLEET_STATUS_MAX_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: 'opaque cursor from the previous page (nextCursor)' })
  @IsOmittable()
  @IsString()
  @MaxLength(1024)
  cursor?: string;

  @ClusterSelectorQuery()
  selector?: string;

  @ApiPropertyOptional({ description: 'application id or name' })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  application?: string;

  @ApiPropertyOptional({ description: 'cluster id or name' })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  cluster?: string;

  @StateList('sync', SYNC_STATES, 'Failed,OutOfSync')
  sync?: string;

  @StateList('health', HEALTH_STATES, 'Failed,Unknown')
  health?: string;
}

export class FleetStatusDto {
  @ApiProperty() applicationId!: string;
  @ApiProperty() applicationName!: string;
  @ApiProperty() clusterId!: string;
  @ApiProperty() clusterName!: string;
  @ApiProperty({ enum: ['Pending', 'Connected', 'Disconnected'] }) connectionState!: string;
  @ApiProperty({ nullable: true, type: String, description: 'revision id the cluster should run' })
  wantedRevision!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'e.g. main@sha1:1a2b3c4' })
  wantedRevisionDisplay!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'revision id the agent last applied' })
  appliedRevision!: string | null;
  @ApiProperty({ nullable: true, type: String }) appliedRevisionDisplay!: string | null;
  @ApiProperty({ enum: SYNC_STATES }) sync!: string;
  @ApiProperty({ enum: HEALTH_STATES }) health!: string;
  @ApiProperty({ description: 'live objects differ from the desired state' }) drifted!: boolean;
  @ApiProperty({ nullable: true, type: String }) message!: string | null;
  @ApiProperty({ nullable: true, type: LastJobDto }) lastJob!: LastJobDto | null;
  @ApiProperty({ description: 'when any of the above last changed' }) updatedAt!: string;
}

export class FleetStatusCountsDto {
  @ApiProperty({ description: 'rows the filter selects, over every page' }) total!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { Synced: 40, Failed: 2 },
  })
  sync!: Record<string, number>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { Current: 40, Unknown: 2 },
  })
  health!: Record<string, number>;
}

export class FleetStatusPageDto {
  @ApiProperty({ type: [FleetStatusDto] }) items!: FleetStatusDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
  @ApiProperty({ type: FleetStatusCountsDto }) counts!: FleetStatusCountsDto;
}
