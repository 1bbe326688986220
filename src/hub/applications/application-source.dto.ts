import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsObject, IsString, MaxLength, ValidateNested } from 'class-validator';
import { SOURCE_KINDS, type SourceKind } from '../../domain/render/source-spec.js';
import { IsOmittable, SchemaRules } from '../common/validators.js';

// Only the shapes are checked here; the rules (release names, safe paths, placeholders, which
// options go with which kind) are the domain's `sourceProblems`, applied by the service so each
// message names the field the way the renderer's errors do. The schemas below describe the same
// rules for the OpenAPI document, so a client (and the contract test) knows what is accepted.

/** A path relative to the application path, as `relativePathProblem` accepts it. */
const RELATIVE_PATH = {
  minLength: 1,
  maxLength: 1024,
  not: { pattern: '(^|/)\\.\\.(/|$)|//|^/|[\\u0000\\\\]' },
} as const;
/** A kustomize overlay path: relative, and `${` only opening a `${cluster.labels.KEY}` placeholder. */
const KUSTOMIZE_PATH = {
  ...RELATIVE_PATH,
  pattern: '^([^$]|\\$+[^${]|\\$+$|\\$*\\$\\{cluster\\.labels\\.[^}]+\\})*$',
} as const;
/** Helm's release names: a DNS-1123 label of at most 53 characters. */
const RELEASE_NAME = { maxLength: 53, pattern: '^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$' } as const;

/** The most values files one source or target may list. */
export const MAX_VALUES_FILES = 32;

const VALUES_SCHEMA = {
  type: 'object',
  additionalProperties: true,
  description: 'inline Helm values (applied after the values files); at most 64 KiB as canonical JSON',
} as const;

/** Helm values for the clusters of one target, applied after the application's. */
export class TargetHelmDto {
  @ApiPropertyOptional({
    type: [String],
    example: ['values-eu.yaml'],
    description: 'values files in the repository, relative to the application path, applied in order',
    items: { type: 'string', ...RELATIVE_PATH },
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_VALUES_FILES)
  @IsString({ each: true })
  @MaxLength(1024, { each: true })
  valuesFiles?: string[];
  @ApiPropertyOptional(VALUES_SCHEMA)
  @IsOmittable()
  @IsObject()
  values?: Record<string, unknown>;
}

/** Helm options of an application's source: a release name, then values files and inline values like a target's. */
export class HelmSourceDto extends TargetHelmDto {
  @ApiPropertyOptional({
    example: 'web',
    description: 'release name (DNS-1123 label, at most 53 characters); defaults to the application name',
    ...RELEASE_NAME,
  })
  @IsOmittable()
  @IsString()
  releaseName?: string;
}

/** Kustomize options of an application's source. */
export class KustomizeSourceDto {
  @ApiPropertyOptional({
    description:
      'overlay directory under the application path, e.g. overlays/${cluster.labels.env}; may use ${cluster.labels.KEY} placeholders only',
    ...KUSTOMIZE_PATH,
  })
  @IsOmittable()
  @IsString()
  @MaxLength(1024)
  path?: string;
}

/** How the application path renders; null (or omitted) detects it from the files. */
@SchemaRules({
  // Options of one kind only with that kind. One `not`, so the generated types stay plain objects.
  not: {
    anyOf: [
      { required: ['helm'], properties: { kind: { not: { const: 'helm' } } } },
      { required: ['kustomize'], properties: { kind: { not: { const: 'kustomize' } } } },
    ],
  },
})
export class ApplicationSourceDto {
  @ApiProperty({ enum: SOURCE_KINDS, example: 'helm' })
  @IsString()
  kind!: SourceKind;
  @ApiPropertyOptional({ type: HelmSourceDto, description: 'only with kind helm' })
  @IsOmittable()
  @ValidateNested()
  @Type(() => HelmSourceDto)
  helm?: HelmSourceDto;
  @ApiPropertyOptional({ type: KustomizeSourceDto, description: 'only with kind kustomize' })
  @IsOmittable()
  @ValidateNested()
  @Type(() => KustomizeSourceDto)
  kustomize?: KustomizeSourceDto;
}
