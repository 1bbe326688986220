import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { IsOmittable, SchemaRules } from '../common/validators.js';
import { CreateApplicationDto } from '../applications/application.dto.js';

/** A Git commit / SVN revision, or a Git branch name: no option, no path traversal. */
const REF = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/;

/** POST /api/v1/applications/:idOrName/previews: at most one of the two (none: the application's own). */
/** Which to preview: a revision or a branch, never both (the document says so, as the service does). */
const ONE_REF = { not: { required: ['revision', 'branch'] } };

@SchemaRules(ONE_REF)
export class PreviewRequestDto {
  @ApiPropertyOptional({ description: 'Git commit id or SVN revision number to preview', example: '42' })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  @Matches(REF, { message: 'revision must be a commit id or revision number' })
  revision?: string;

  @ApiPropertyOptional({ description: 'Git branch to preview (its newest commit)', example: 'feature/x' })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  @Matches(REF, { message: 'branch must be a plain Git branch name' })
  branch?: string;
}

/** POST /api/v1/previews: an application not created yet, validated exactly like its creation. */
@SchemaRules(ONE_REF)
export class DraftPreviewRequestDto extends PreviewRequestDto {
  @ApiProperty({ type: CreateApplicationDto, description: 'the same body as POST /api/v1/applications' })
  @IsDefined()
  @ValidateNested()
  @Type(() => CreateApplicationDto)
  application!: CreateApplicationDto;
}

export class PreviewRefDto {
  @ApiProperty({ type: String, nullable: true }) revision!: string | null;
  @ApiProperty({ type: String, nullable: true }) branch!: string | null;
}

export class PreviewSummaryCountsDto {
  @ApiProperty() clusters!: number;
  @ApiProperty() changing!: number;
  @ApiProperty() inSync!: number;
  @ApiProperty() failing!: number;
  @ApiProperty() unknown!: number;
  @ApiProperty() pending!: number;
  @ApiProperty() creates!: number;
  @ApiProperty() changes!: number;
  @ApiProperty() prunes!: number;
  @ApiProperty({ example: '37 clusters change 3 objects, 2 fail, 1 unknown' }) text!: string;
}

export class FieldChangeDto {
  @ApiProperty({ description: 'JSON pointer into the object', example: '/spec/replicas' }) path!: string;
  @ApiProperty({ enum: ['add', 'remove', 'replace'] }) op!: 'add' | 'remove' | 'replace';
  @ApiPropertyOptional({ description: 'JSON value; Secret values are "(redacted)"' }) before?: unknown;
  @ApiPropertyOptional({ description: 'JSON value; Secret values are "(redacted)"' }) after?: unknown;
}

export class PreviewObjectDto {
  @ApiProperty({ example: 'apps/Deployment/web/api' }) id!: string;
  @ApiProperty({ enum: ['create', 'change', 'prune', 'unchanged', 'refused', 'denied'] })
  action!: 'create' | 'change' | 'prune' | 'unchanged' | 'refused' | 'denied';
  @ApiPropertyOptional() message?: string;
  @ApiPropertyOptional({ type: [FieldChangeDto] }) changes?: FieldChangeDto[];
  @ApiPropertyOptional() truncated?: boolean;
}

export class PolicyDenialDto {
  @ApiProperty() resource!: string;
  @ApiProperty() reason!: string;
}

export class PreviewClusterDto {
  @ApiProperty() clusterId!: string;
  @ApiProperty() clusterName!: string;
  @ApiProperty({ enum: ['pending', 'changes', 'in-sync', 'failed', 'unknown'] })
  state!: 'pending' | 'changes' | 'in-sync' | 'failed' | 'unknown';
  @ApiProperty({ type: String, nullable: true, description: 'failed/unknown: why' }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true }) renderError!: string | null;
  @ApiProperty({ type: [PolicyDenialDto] }) policyDenials!: PolicyDenialDto[];
  @ApiProperty({ type: [PreviewObjectDto] }) objects!: PreviewObjectDto[];
}

/** A preview without its clusters (lists). */
export class PreviewSummaryDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: String, nullable: true, description: 'null: an application not created yet' })
  applicationId!: string | null;
  @ApiProperty() applicationName!: string;
  @ApiProperty() projectName!: string;
  @ApiProperty({ type: PreviewRefDto, description: 'as asked' }) ref!: PreviewRefDto;
  @ApiProperty({ type: String, nullable: true, description: 'as resolved (null: fetch failed)' })
  revision!: string | null;
  @ApiProperty({ type: String, nullable: true }) revisionDisplay!: string | null;
  @ApiProperty({ enum: ['running', 'complete', 'expired'] }) state!: 'running' | 'complete' | 'expired';
  @ApiProperty() createdAt!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty() requestedBy!: string;
  @ApiProperty({ type: PreviewSummaryCountsDto }) summary!: PreviewSummaryCountsDto;
}

/** A preview with every target cluster, sorted failing, changing, unknown, pending, in-sync; then name. */
export class PreviewDto extends PreviewSummaryDto {
  @ApiProperty({ type: [PreviewClusterDto] }) clusters!: PreviewClusterDto[];
}

export class PreviewListDto {
  @ApiProperty({ type: [PreviewSummaryDto], description: 'newest first' }) items!: PreviewSummaryDto[];
}
