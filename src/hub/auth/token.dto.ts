import { PROJECT_NAME_SOURCE } from '../../domain/project-rules.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS } from '../../domain/token-expiry.js';
import { SchemaRules, IsOmittable } from '../common/validators.js';
import { ROLES, type Role } from './roles.js';

/** `neverExpires: false` is the same as leaving it out, so it counts only when true. */
const NEVER = { required: ['neverExpires'], properties: { neverExpires: { const: true } } };

@SchemaRules({
  // Refused: both ways to say when the token expires (decideExpiry refuses both), or neither a
  // global role nor roles within projects (the service needs one). Written as one `not` so the
  // generated client types stay a plain object.
  not: {
    anyOf: [
      { ...NEVER, required: ['expiresInDays', 'neverExpires'] },
      {
        not: {
          anyOf: [
            { required: ['role'] },
            { required: ['projects'], properties: { projects: { minProperties: 1 } } },
          ],
        },
      },
    ],
  },
})
export class CreateTokenDto {
  @ApiProperty({ example: 'ci-pipeline' })
  @IsString()
  @MinLength(1)
  @MaxLength(63)
  @Matches(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, {
    message:
      'name must consist of letters, digits, ".", "_" or "-", and start and end with a letter or digit',
  })
  name!: string;

  @ApiPropertyOptional({ enum: ROLES, description: 'global role: holds in every project and fleet-wide' })
  @IsOmittable()
  @IsIn([...ROLES], { message: `role must be one of: ${ROLES.join(', ')}` })
  role?: Role;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', enum: [...ROLES] },
    maxProperties: 100,
    // project names, as the service checks them (not in the decorator's types, passed through)
    ...({ propertyNames: { pattern: PROJECT_NAME_SOURCE, maxLength: 63 } } as object),
    example: { 'team-a': 'operator' },
    description: 'role within each project, by project name (a token needs a role, projects, or both)',
  })
  @IsOmittable()
  @IsObject()
  projects?: Record<string, Role>;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_TOKEN_DAYS,
    description: `days until the token expires (default ${DEFAULT_TOKEN_DAYS} when no expiry is given)`,
  })
  @IsOmittable()
  @IsInt({ message: 'expiresInDays must be a whole number of days' })
  @Min(1)
  @Max(MAX_TOKEN_DAYS)
  expiresInDays?: number;

  @ApiPropertyOptional({ description: 'true: the token never expires (a deliberate choice)' })
  @IsOmittable()
  @IsBoolean()
  neverExpires?: boolean;
}

/** A token's or session's global role, as answers show it. */
export const GlobalRoleField = () =>
  ApiProperty({ enum: ROLES, nullable: true, description: 'global role; null: project roles only' });

/** A token's or session's roles within projects, as answers show them. */
export const ProjectRolesField = () =>
  ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: [...ROLES] },
    description: 'role within each project, by project name',
  });

export class TokenDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @GlobalRoleField() role!: Role | null;
  @ProjectRolesField() projects!: Record<string, Role>;
  @ApiProperty({ description: 'first characters of the secret' }) prefix!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'null: never expires' })
  expiresAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'last use, recorded at most once a minute',
  })
  lastUsedAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class CreatedTokenDto extends TokenDto {
  @ApiProperty({ description: 'the bearer secret; shown once, stored only as a hash' }) token!: string;
}

export class TokenListDto {
  @ApiProperty({ type: [TokenDto] }) items!: TokenDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

/** `GET /api/v1/whoami`: the calling token and the hub that answered. */
/** A person signed in through single sign-on. */
export class SsoIdentityDto {
  @ApiProperty({ description: "the OpenID provider's issuer URL" }) issuer!: string;
  @ApiProperty({ description: "the provider's subject identifier of the person" }) subject!: string;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty({ type: [String], description: 'the groups at login; their roles hold for the session' })
  groups!: string[];
}

export class WhoamiDto {
  @ApiProperty({ format: 'uuid', description: "the API token's id, or the SSO session's" }) tokenId!: string;
  @ApiProperty() name!: string;
  @GlobalRoleField() role!: Role | null;
  @ProjectRolesField() projects!: Record<string, Role>;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'null: never expires' })
  expiresAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'the last recorded use before this request (recorded at most once a minute); null: none',
  })
  lastUsedAt!: string | null;
  @ApiProperty({
    enum: ['token', 'sso'],
    description: 'how the request authenticated: an API bearer token, or a single sign-on session',
  })
  authenticatedBy!: 'token' | 'sso';
  @ApiPropertyOptional({ type: SsoIdentityDto, description: 'the person, for an SSO session' })
  identity?: SsoIdentityDto;
  @ApiProperty({ example: '0.1.0', description: "the hub's version" }) hubVersion!: string;
}
