import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { type Role } from './roles.js';
import { GlobalRoleField, ProjectRolesField } from './token.dto.js';

/** The CLI's settings for the device flow, when the hub has a CLI client. */
export class SsoCliConfigDto {
  @ApiProperty({ description: "the OpenID provider's issuer URL" }) issuer!: string;
  @ApiProperty({ description: 'the client id the CLI signs in as (the audience of its ID tokens)' })
  clientId!: string;
  @ApiProperty({ type: [String] }) scopes!: string[];
}

/** Whether single sign-on is on: the dashboard shows its button, the CLI its device flow. */
export class SsoConfigDto {
  @ApiProperty() enabled!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'where the dashboard sends a browser to sign in',
  })
  loginUrl!: string | null;
  @ApiProperty({ nullable: true, type: SsoCliConfigDto, description: 'null: no CLI sign-in' })
  cli!: SsoCliConfigDto | null;
}

/** An ID token the CLI obtained from the provider (device flow), to exchange for a session. */
export class SsoTokenLoginDto {
  @ApiProperty({ description: 'a compact JWS ID token issued to the CLI client' })
  @IsString()
  @MaxLength(16_384)
  @Matches(/^[\w-]+\.[\w-]+\.[\w-]+$/, { message: 'idToken must be a compact JWS (three base64url parts)' })
  idToken!: string;
}

/** A session for the CLI: send `token` as a bearer token until `expiresAt`. */
export class SsoSessionDto {
  @ApiProperty({ description: 'the session secret (flts_…), shown once' }) token!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ description: 'the email (or subject) of the person signed in' }) name!: string;
}

/** A live SSO session as an admin sees it (never its secret). */
export class SsoSessionInfoDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'the email (or subject) of the person' }) name!: string;
  @ApiProperty({ description: "the OpenID provider's issuer URL" }) issuer!: string;
  @ApiProperty({ description: "the provider's subject identifier of the person" }) subject!: string;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty({ type: [String], description: 'the groups at sign-in; their roles hold for the session' })
  groups!: string[];
  @GlobalRoleField() role!: Role | null;
  @ProjectRolesField() projects!: Record<string, Role>;
  @ApiProperty({
    enum: ['browser', 'cli'],
    description: "the dashboard's code flow or the CLI's device flow",
  })
  client!: 'browser' | 'cli';
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'last use, recorded at most once a minute; null: not used since sign-in',
  })
  lastUsedAt!: string | null;
}

/** `GET /api/v1/auth/sessions`: live sessions, newest first (at most 500). */
export class SsoSessionListDto {
  @ApiProperty({ type: [SsoSessionInfoDto] }) items!: SsoSessionInfoDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
