import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsOmittable } from '../common/validators.js';

/**
 * A revision id as the API hands them out (RevisionRefDto.id): a Git commit id or an SVN
 * revision number. Which of the two a repository takes still depends on its type.
 */
const BASE_REVISION = /^([0-9a-f]{40}|[0-9]{1,10})$/;
const BASE_REVISION_MESSAGE =
  'baseRevision must be a revision id: a Git commit id (40 hex digits) or an SVN revision number';

export class RevisionsQueryDto {
  @ApiPropertyOptional({ description: 'only commits touching this path' })
  @IsOmittable()
  @IsString()
  @MaxLength(1024)
  path?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional() @IsOmittable() @IsString() @MaxLength(1024) cursor?: string;
}

export class TreeQueryDto {
  @ApiPropertyOptional({ default: '' }) @IsOmittable() @IsString() @MaxLength(1024) path?: string;
  @ApiPropertyOptional({ description: 'revision id; newest when omitted' })
  @IsOmittable()
  @IsString()
  @MaxLength(128)
  revision?: string;
}

export class FileQueryDto {
  @ApiPropertyOptional({ description: 'revision id; newest when omitted' })
  @IsOmittable()
  @IsString()
  @MaxLength(128)
  revision?: string;
}

export class PutFileDto {
  // The file goes to the repository, not to a database column: U+0000 is the file's business.
  @ApiProperty({
    description: 'new content of the file (UTF-8 text)',
    ...({ 'x-nul-allowed': true } as object),
  })
  @IsString()
  @MaxLength(5 * 1024 * 1024)
  content!: string;

  @ApiProperty({ example: 'Scale api to 3 replicas' })
  @IsString()
  @MinLength(1)
  @MaxLength(10_000)
  message!: string;

  @ApiPropertyOptional({ description: 'refuse with 409 when the file changed after this revision' })
  @IsOmittable()
  @IsString()
  @Matches(BASE_REVISION, { message: BASE_REVISION_MESSAGE })
  baseRevision?: string;
}

export class DeleteFileDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(10_000) message!: string;
  @ApiPropertyOptional({ description: 'refuse with 409 when the file changed after this revision' })
  @IsOmittable()
  @IsString()
  @Matches(BASE_REVISION, { message: BASE_REVISION_MESSAGE })
  baseRevision?: string;
}

export class RevisionRefDto {
  @ApiProperty({ description: 'opaque id: a Git commit id or an SVN revision number' }) id!: string;
  @ApiProperty({ example: 'main@sha1:1a2b3c4' }) display!: string;
}

export class CommitDto {
  @ApiProperty({ type: RevisionRefDto }) revision!: RevisionRefDto;
  @ApiProperty() author!: string;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty() message!: string;
  @ApiProperty() time!: string;
  @ApiProperty({ type: [String] }) changedPaths!: string[];
}

export class CommitPageDto {
  @ApiProperty({ type: [CommitDto] }) items!: CommitDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class TreeEntryDto {
  @ApiProperty() name!: string;
  @ApiProperty() path!: string;
  @ApiProperty({ enum: ['file', 'dir', 'symlink', 'submodule'] }) type!: string;
  @ApiProperty({ nullable: true, type: Number }) size!: number | null;
}

export class TreeDto {
  @ApiProperty({ description: 'revision id the listing is at' }) revision!: string;
  @ApiProperty() path!: string;
  @ApiProperty({ type: [TreeEntryDto] }) entries!: TreeEntryDto[];
}

export class CommitResultDto {
  @ApiProperty({ type: RevisionRefDto }) revision!: RevisionRefDto;
  @ApiProperty() path!: string;
}
