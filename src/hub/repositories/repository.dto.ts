import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { SSH_SCHEMA_PATTERNS } from '../../domain/ssh-credentials.js';
import { PageQueryDto } from '../common/list-query.dto.js';
import { IsDns1123Label, SchemaRules, IsOmittable } from '../common/validators.js';

export class CredentialsDto {
  @ApiPropertyOptional() @IsOmittable() @IsString() @MinLength(1) @MaxLength(256) username?: string;
  @ApiPropertyOptional({ writeOnly: true })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  password?: string;
  @ApiPropertyOptional({ writeOnly: true })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  token?: string;
  @ApiPropertyOptional({
    writeOnly: true,
    description: 'ssh:// repositories: an unencrypted deploy key (PEM or OpenSSH)',
    pattern: SSH_SCHEMA_PATTERNS.privateKey,
  })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(65536)
  sshPrivateKey?: string;
  @ApiPropertyOptional({
    writeOnly: true,
    description: 'ssh:// repositories (required there): the server’s host keys, as `ssh-keyscan` prints them',
    pattern: SSH_SCHEMA_PATTERNS.knownHosts,
  })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(65536)
  knownHosts?: string;
}

/** A host name WHATWG URL parsing takes as one (its last label not all digits, no port above 9999). */
const HOST =
  '([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?\\.)*[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?(:[1-9][0-9]{0,3})?';
const URL_PATH = '(/[-A-Za-z0-9._~%/]*)?';
/** The repository URLs the service accepts (file: URLs, which need a setting, are left out). */
const URL_OF = (schemes: string) => ({ pattern: `^(${schemes})://${HOST}${URL_PATH}$` });
/** A Git-over-SSH URL: an optional user, a host, a path. */
const SSH_URL = { pattern: `^ssh://([A-Za-z0-9_][A-Za-z0-9._-]{0,63}@)?${HOST}/[-A-Za-z0-9._~%/]+$` };
/** Credentials of a repository that is not reached over SSH. */
const NO_SSH = { not: { anyOf: [{ required: ['sshPrivateKey'] }, { required: ['knownHosts'] }] } };
/** `pattern` or a Git-over-SSH URL. */
const OR_SSH = (p: { pattern: string }) => ({ pattern: `(${p.pattern})|(${SSH_URL.pattern})` });
/** A plain Git branch name: no "..", no leading or trailing "/". */
const BRANCH = { pattern: '^[A-Za-z0-9._/-]+$', not: { pattern: '\\.\\.|^/|/$' } };
/** A relative path inside the repository: no ".." or empty segments, no control character or "\\". */
const REPO_PATH = { not: { pattern: '(^|/)\\.\\.(/|$)|//|^/|/$|[\\u0000-\\u001f\\\\]' } };

@SchemaRules({
  // Branch is for Git, path for SVN, neither for Helm; SVN takes its own URL schemes too.
  oneOf: [
    {
      properties: { type: { const: 'git' }, url: URL_OF('https?'), branch: BRANCH, credentials: NO_SSH },
      not: { required: ['path'] },
    },
    {
      // Git over SSH: the server's host keys are required; a deploy key, never a password.
      properties: {
        type: { const: 'git' },
        url: SSH_URL,
        branch: BRANCH,
        credentials: {
          required: ['knownHosts'],
          not: { anyOf: [{ required: ['password'] }, { required: ['token'] }] },
        },
      },
      required: ['credentials'],
      not: { required: ['path'] },
    },
    {
      properties: { type: { const: 'svn' }, url: URL_OF('https?|svn'), path: REPO_PATH, credentials: NO_SSH },
      not: { required: ['branch'] },
    },
    {
      // A chart repository: the URL serves index.yaml; charts are named by the application path.
      properties: { type: { const: 'helm' }, url: URL_OF('https?'), credentials: NO_SSH },
      not: { anyOf: [{ required: ['branch'] }, { required: ['path'] }] },
    },
  ],
})
export class CreateRepositoryDto {
  @ApiProperty({ example: 'platform-manifests' })
  @IsDns1123Label()
  name!: string;

  @ApiProperty({
    enum: ['git', 'svn', 'helm'],
    description: 'helm: an HTTP chart repository (url serves index.yaml); read-only',
  })
  @IsIn(['git', 'svn', 'helm'])
  type!: 'git' | 'svn' | 'helm';

  @ApiProperty({ example: 'https://git.example.com/platform/manifests.git' })
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  url!: string;

  @ApiPropertyOptional({ description: 'Git branch (default main)', example: 'main' })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  branch?: string;

  @ApiPropertyOptional({ description: 'SVN path under the URL, e.g. trunk', example: 'trunk' })
  @IsOmittable()
  @IsString()
  @MaxLength(1024)
  path?: string;

  @ApiPropertyOptional({ type: CredentialsDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => CredentialsDto)
  credentials?: CredentialsDto;

  @ApiPropertyOptional({ minimum: 5, maximum: 86400, default: 60 })
  @IsOmittable()
  @IsInt()
  @Min(5)
  @Max(86_400)
  pollIntervalSeconds?: number;

  @ApiPropertyOptional({
    writeOnly: true,
    description: 'secret that push webhooks are verified with (16+ characters)',
  })
  @IsOmittable()
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  webhookSecret?: string;
}

export class UpdateRepositoryDto {
  @ApiPropertyOptional(OR_SSH(URL_OF('https?|svn')))
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  url?: string;
  @ApiPropertyOptional({ description: 'Git repositories only', ...BRANCH })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  branch?: string;
  @ApiPropertyOptional({ description: 'SVN repositories only', ...REPO_PATH })
  @IsOmittable()
  @IsString()
  @MaxLength(1024)
  path?: string;

  @ApiPropertyOptional({ type: CredentialsDto, nullable: true, description: 'null removes the credentials' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CredentialsDto)
  credentials?: CredentialsDto | null;

  @ApiPropertyOptional({ minimum: 5, maximum: 86400 })
  @IsOmittable()
  @IsInt()
  @Min(5)
  @Max(86_400)
  pollIntervalSeconds?: number;

  @ApiPropertyOptional({ writeOnly: true, nullable: true, type: String, description: 'null removes it' })
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  webhookSecret?: string | null;
}

export class ListRepositoriesQueryDto extends PageQueryDto {}

export class RepositoryDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['git', 'svn', 'helm'] }) type!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ nullable: true, type: String }) branch!: string | null;
  @ApiProperty({ nullable: true, type: String }) path!: string | null;
  @ApiProperty() hasCredentials!: boolean;
  @ApiProperty() hasWebhookSecret!: boolean;
  @ApiProperty() pollIntervalSeconds!: number;
  @ApiProperty({ nullable: true, type: String }) lastRevision!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastPolledAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({
    nullable: true,
    type: () => RewoundDto,
    description:
      'Set while the branch head is behind (or off) the revision it had reached: automated sync stays at `from` until the head moves forward past it; an explicit sync of a revision or a rollback may still deploy `to`.',
  })
  rewound!: RewoundDto | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

/** A branch moved backwards: recorded, shown, and not deployed automatically. */
export class RewoundDto {
  @ApiProperty({ description: 'The revision the branch had reached, which automated sync keeps.' })
  from!: string;
  @ApiProperty({ description: 'The older (or unrelated) revision the branch head is at now.' })
  to!: string;
  @ApiProperty({ description: 'When the hub saw the branch move back.' }) at!: string;
}

export class RepositoryPageDto {
  @ApiProperty({ type: [RepositoryDto] }) items!: RepositoryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
