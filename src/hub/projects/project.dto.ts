import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsString,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { LABEL_SELECTOR_SOURCE } from '../../domain/label-selector.js';
import { PLAIN_SECRETS_MODES, type PlainSecretsMode } from '../../domain/object-policy.js';
import { GROUP_SOURCE, KIND_SOURCE, NAMESPACE_GLOB_SOURCE } from '../../domain/project-rules.js';
import { IsDns1123Label, IsOmittable } from '../common/validators.js';

/** A repository (or `*`) and optional path prefix a project's applications may deploy from. */
/** The optional `plainSecrets` field of a project's create and update bodies. */
function IsPlainSecretsMode(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      enum: PLAIN_SECRETS_MODES,
      description:
        'a plain (unencrypted) v1/Secret in a bundle: deny (the render fails for that cluster), warn (deployed, ' +
        'shown on the application and audited once per revision) or allow. Default for a new project: warn',
    }),
    IsOmittable(),
    IsIn([...PLAIN_SECRETS_MODES], {
      message: `plainSecrets must be one of: ${PLAIN_SECRETS_MODES.join(', ')}`,
    }),
  );
}

export class ProjectSourceDto {
  @ApiProperty({
    example: 'platform',
    description: "repository name, or '*' for any repository",
    pattern: '^(\\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(63)
  repository!: string;

  @ApiPropertyOptional({ example: 'apps/team-a', description: 'path prefix; absent: any path' })
  @IsOmittable()
  @IsString()
  @MaxLength(1024)
  path?: string;
}

/** An API group and kind; `*` in either matches anything, `''` is the core group. */
export class GroupKindDto {
  @ApiProperty({ example: 'rbac.authorization.k8s.io', pattern: GROUP_SOURCE })
  @IsString()
  @MaxLength(253)
  group!: string;
  @ApiProperty({ example: 'ClusterRoleBinding', pattern: KIND_SOURCE })
  @IsString()
  @MinLength(1)
  @MaxLength(63)
  kind!: string;
}

/** What objects a project's applications may deploy. */
export class ObjectPolicyDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'string', pattern: NAMESPACE_GLOB_SOURCE, maxLength: 63 },
    example: ['team-a', 'team-a-*'],
    description: 'namespaces objects may land in: names or globs (`*` any run of characters)',
  })
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  namespaces!: string[];

  @ApiProperty({
    type: [GroupKindDto],
    description: 'kinds allowed; empty: every namespaced kind. Cluster-scoped kinds only when listed.',
  })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => GroupKindDto)
  allowedKinds!: GroupKindDto[];

  @ApiProperty({ type: [GroupKindDto], description: 'kinds refused whatever else says' })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => GroupKindDto)
  deniedKinds!: GroupKindDto[];

  @ApiProperty({ description: 'whether plain v1/Secret objects may be deployed' })
  @IsBoolean()
  allowSecrets!: boolean;
}

export class CreateProjectDto {
  @ApiProperty({ example: 'team-a' }) @IsDns1123Label() name!: string;

  @ApiPropertyOptional({ example: 'Team A services' })
  @IsOmittable()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @ApiProperty({ type: [ProjectSourceDto] })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ProjectSourceDto)
  sources!: ProjectSourceDto[];

  @ApiProperty({
    example: 'team=a',
    pattern: LABEL_SELECTOR_SOURCE,
    description: "label selector of the clusters its applications may reach; '' every cluster",
  })
  @IsString()
  @MaxLength(4096)
  clusterSelector!: string;

  @ApiProperty({ type: ObjectPolicyDto })
  @IsDefined({ message: 'objects is required ({namespaces, allowedKinds, deniedKinds, allowSecrets})' })
  @ValidateNested()
  @Type(() => ObjectPolicyDto)
  objects!: ObjectPolicyDto;

  @IsPlainSecretsMode()
  plainSecrets?: PlainSecretsMode;
}

export class UpdateProjectDto {
  @ApiPropertyOptional() @IsOmittable() @IsString() @MaxLength(1024) description?: string;

  @ApiPropertyOptional({ type: [ProjectSourceDto] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ProjectSourceDto)
  sources?: ProjectSourceDto[];

  @ApiPropertyOptional({ pattern: LABEL_SELECTOR_SOURCE })
  @IsOmittable()
  @IsString()
  @MaxLength(4096)
  clusterSelector?: string;

  @ApiPropertyOptional({ type: ObjectPolicyDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => ObjectPolicyDto)
  objects?: ObjectPolicyDto;

  @IsPlainSecretsMode()
  plainSecrets?: PlainSecretsMode;
}

export class ProjectDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: [ProjectSourceDto] }) sources!: ProjectSourceDto[];
  @ApiProperty() clusterSelector!: string;
  @ApiProperty({ type: ObjectPolicyDto }) objects!: ObjectPolicyDto;
  @ApiProperty({ enum: PLAIN_SECRETS_MODES, description: 'what a plain v1/Secret in a bundle does' })
  plainSecrets!: PlainSecretsMode;
  @ApiProperty({ description: 'applications that belong to it' }) applications!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class ProjectListDto {
  @ApiProperty({ type: [ProjectDto] }) items!: ProjectDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
