import { HealthCheckRuleDto, HealthChecksProperty } from '../health-checks/health-check.dto.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { DIRECTORY_GLOB_SOURCE } from '../../domain/application-generator.js';
import { LABEL_SELECTOR_SOURCE } from '../../domain/label-selector.js';
import { ApplicationSourceDto } from '../applications/application-source.dto.js';
import { ApplicationDto, SyncPolicyDto } from '../applications/application.dto.js';
import { PageQueryDto } from '../common/list-query.dto.js';
import { IsDns1123Label, IsOmittable, SchemaRules } from '../common/validators.js';

const VARS = '`${dir.name}`, `${dir.path}`, `${cluster.name}`, `${cluster.labels.KEY}`';

export class GeneratorTargetDto {
  @ApiProperty({
    example: 'env=prod',
    pattern: LABEL_SELECTOR_SOURCE,
    description: 'with a clusters generator, narrowed to each generated cluster',
  })
  @IsString()
  @MaxLength(4096)
  clusterSelector!: string;
  @ApiPropertyOptional({
    example: '${dir.name}',
    description: `may use ${VARS}; must come out a DNS-1123 label`,
  })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  namespace?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    description: `string values may use ${VARS}`,
  })
  @IsOmittable()
  @IsObject()
  values?: Record<string, string | number | boolean>;
}

export class GeneratorTemplateDto {
  @ApiProperty({ example: '${dir.name}', description: `may use ${VARS}; must come out a DNS-1123 label` })
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  name!: string;
  @ApiProperty({ example: '${dir.path}', description: `may use ${VARS}` })
  @IsString()
  @MaxLength(1024)
  path!: string;
  @ApiPropertyOptional({ type: ApplicationSourceDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => ApplicationSourceDto)
  source?: ApplicationSourceDto | null;
  @ApiProperty({ type: [GeneratorTargetDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => GeneratorTargetDto)
  targets!: GeneratorTargetDto[];
  @ApiProperty({ type: SyncPolicyDto })
  @IsDefined({ message: 'template.syncPolicy is required ({automated, prune, selfHeal})' })
  @ValidateNested()
  @Type(() => SyncPolicyDto)
  syncPolicy!: SyncPolicyDto;
  @ApiPropertyOptional({ type: [String], example: ['/spec/replicas'] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(/^(\/([^~/]|~[01])*)+$/, {
    each: true,
    message: 'ignoreDifferences entries must be JSON pointers such as /spec/replicas',
  })
  ignoreDifferences?: string[];
  @HealthChecksProperty()
  healthChecks?: HealthCheckRuleDto[];
}

export class DirectoriesGeneratorDto {
  @ApiProperty({
    example: 'apps/*',
    description: 'directories of the repository at its current revision; `*` matches within one segment',
    pattern: DIRECTORY_GLOB_SOURCE,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  glob!: string;
}

export class ClustersGeneratorDto {
  @ApiProperty({ example: 'env=prod', pattern: LABEL_SELECTOR_SOURCE })
  @IsString()
  @MaxLength(4096)
  selector!: string;
}

// At least one of directories and clusters (spelled with `not`, which the client types leave be).
@SchemaRules({ not: { not: { anyOf: [{ required: ['directories'] }, { required: ['clusters'] }] } } })
export class CreateGeneratorDto {
  @ApiProperty({ example: 'team-apps' }) @IsDns1123Label() name!: string;
  @ApiPropertyOptional({ example: 'team-a', description: "project (name); default 'default'" })
  @IsOmittable()
  @IsDns1123Label()
  project?: string;
  @ApiProperty({ description: 'repository id or name every generated application deploys from' })
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  repositoryId!: string;
  @ApiProperty({ type: GeneratorTemplateDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => GeneratorTemplateDto)
  template!: GeneratorTemplateDto;
  @ApiPropertyOptional({
    type: DirectoriesGeneratorDto,
    description: 'one application per matching directory',
  })
  @IsOmittable()
  @ValidateNested()
  @Type(() => DirectoriesGeneratorDto)
  directories?: DirectoriesGeneratorDto;
  @ApiPropertyOptional({
    type: ClustersGeneratorDto,
    description: 'one application per matching cluster; with directories, one per pair (matrix)',
  })
  @IsOmittable()
  @ValidateNested()
  @Type(() => ClustersGeneratorDto)
  clusters?: ClustersGeneratorDto;
  @ApiPropertyOptional({
    description: 'removing a generated application leaves its objects in the clusters (default false)',
  })
  @IsOmittable()
  @IsBoolean()
  preserveOnDelete?: boolean;
}

export class UpdateGeneratorDto {
  @ApiPropertyOptional({ type: GeneratorTemplateDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => GeneratorTemplateDto)
  template?: GeneratorTemplateDto;
  @ApiPropertyOptional({ type: DirectoriesGeneratorDto, nullable: true, description: 'null removes it' })
  @IsOptional()
  @ValidateNested()
  @Type(() => DirectoriesGeneratorDto)
  directories?: DirectoriesGeneratorDto | null;
  @ApiPropertyOptional({ type: ClustersGeneratorDto, nullable: true, description: 'null removes it' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ClustersGeneratorDto)
  clusters?: ClustersGeneratorDto | null;
  @ApiPropertyOptional() @IsOmittable() @IsBoolean() preserveOnDelete?: boolean;
}

export class ListGeneratorsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'only generators of this project (name)' })
  @IsOmittable()
  @IsDns1123Label()
  project?: string;
}

export class GeneratorStatusDto {
  @ApiProperty({ nullable: true, type: String, description: 'repository revision of the last recompute' })
  revision!: string | null;
  @ApiProperty({ type: [String], description: 'names of the applications it made' }) applications!: string[];
  @ApiProperty({ type: [String], description: 'what the last recompute could not do, and why' })
  errors!: string[];
  @ApiProperty({ nullable: true, type: String }) recomputedAt!: string | null;
}

export class GeneratorDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() project!: string;
  @ApiProperty() repositoryId!: string;
  @ApiProperty({ type: GeneratorTemplateDto }) template!: GeneratorTemplateDto;
  @ApiProperty({ nullable: true, type: DirectoriesGeneratorDto })
  directories!: DirectoriesGeneratorDto | null;
  @ApiProperty({ nullable: true, type: ClustersGeneratorDto }) clusters!: ClustersGeneratorDto | null;
  @ApiProperty() preserveOnDelete!: boolean;
  @ApiProperty({ type: GeneratorStatusDto }) status!: GeneratorStatusDto;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class GeneratorDetailDto extends GeneratorDto {
  @ApiProperty({ type: [ApplicationDto], description: 'the applications it made' })
  applications!: ApplicationDto[];
}

export class GeneratorPageDto {
  @ApiProperty({ type: [GeneratorDto] }) items!: GeneratorDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
