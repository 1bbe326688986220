import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsObject,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { HEALTH_CHECK_LIMITS } from '../../domain/health/custom-health.js';
import { IsOmittable } from '../common/validators.js';

/**
 * The format of an expression field: a CEL expression of type bool over the object's fields. No
 * JSON Schema can say which strings those are; the hub checks them (400 with positions).
 */
const CEL = 'cel';
const EXPRESSION = `a CEL expression of at most ${HEALTH_CHECK_LIMITS.expressionChars} characters, true or false for the object`;

/** A custom health check as given: which objects, and their CEL expressions. */
export class HealthCheckRuleDto {
  @ApiProperty({ example: 'cert-manager.io', description: "API group; '' for the core group" })
  @IsString()
  @MaxLength(253)
  @Matches(/^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    message: "group must be an API group such as cert-manager.io ('' for core)",
  })
  group!: string;

  @ApiProperty({ example: 'Certificate' })
  @IsString()
  @Matches(/^[A-Za-z][A-Za-z0-9]{0,62}$/, { message: 'kind must be a Kubernetes kind such as Certificate' })
  kind!: string;

  @ApiProperty({
    example: 'status.?conditions.orValue([]).exists(c, c.type == "Ready" && c.status == "True")',
    format: CEL,
    description: `when the object is current (required): ${EXPRESSION}`,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(HEALTH_CHECK_LIMITS.expressionChars)
  current!: string;

  @ApiPropertyOptional({ format: CEL, description: `when it is in progress (tried first): ${EXPRESSION}` })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(HEALTH_CHECK_LIMITS.expressionChars)
  inProgress?: string;

  @ApiPropertyOptional({ format: CEL, description: `when it failed (tried second): ${EXPRESSION}` })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(HEALTH_CHECK_LIMITS.expressionChars)
  failed?: string;
}

/** A hub-wide custom health check as stored. */
export class HealthCheckDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() group!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() current!: string;
  @ApiProperty({ nullable: true, type: String }) inProgress!: string | null;
  @ApiProperty({ nullable: true, type: String }) failed!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class HealthCheckListDto {
  @ApiProperty({ type: [HealthCheckDto] }) items!: HealthCheckDto[];
}

/** A rule to try on an object without saving it. */
export class EvaluateHealthCheckDto {
  @ApiProperty({ type: HealthCheckRuleDto })
  @IsDefined({ message: 'rule is required ({group, kind, current, inProgress?, failed?})' })
  @ValidateNested()
  @Type(() => HealthCheckRuleDto)
  rule!: HealthCheckRuleDto;

  @ApiProperty({
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: {
        type: 'object',
        properties: { name: { type: 'string' } },
        required: ['name'],
        additionalProperties: true,
      },
    },
    required: ['apiVersion', 'kind', 'metadata'],
    selfRequired: true,
    additionalProperties: true,
    description: 'a Kubernetes object as the API server returns it (apiVersion, kind, metadata, status...)',
  })
  @IsDefined({ message: 'object is required' })
  @IsObject()
  object!: Record<string, unknown>;
}

export class HealthVerdictDto {
  @ApiProperty({ enum: ['Current', 'InProgress', 'Failed', 'Terminating', 'NotFound', 'Unknown'] })
  status!: string;
  @ApiProperty() message!: string;
  @ApiProperty({
    description:
      'whether the rule judged the object (false: its group/kind is another, built-in rules judged it)',
  })
  matched!: boolean;
}

/** `healthChecks` of an application's create and update bodies. */
export function HealthChecksProperty(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: [HealthCheckRuleDto],
      maxItems: HEALTH_CHECK_LIMITS.rules,
      description:
        "custom health checks of this application's objects; they win over the hub's for the same group/kind, from its next job on",
    }),
    IsOmittable(),
    IsArray(),
    ArrayMaxSize(HEALTH_CHECK_LIMITS.rules),
    ValidateNested({ each: true }),
    Type(() => HealthCheckRuleDto),
  );
}
