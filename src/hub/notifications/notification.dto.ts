import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { LABEL_SELECTOR_SOURCE } from '../../domain/label-selector.js';
import { ACTION_PATTERN, CHANNEL_TYPES, NOTIFY_OUTCOMES } from '../../domain/notification-rules.js';
import { PageQueryDto } from '../common/list-query.dto.js';
import { IsDns1123Label, IsOmittable, SchemaRules } from '../common/validators.js';

const OCTET = '(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])';
/** A host name WHATWG URL parsing takes as one (last label starts with a letter), or an IPv4 address. */
const HOST = `(([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?\\.)*[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?|(${OCTET}\\.){3}${OCTET})`;
const PORT = '(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
const URL_CHARS = "-A-Za-z0-9._~%/+=:@!$&'()*,;";
/** An http(s) URL the service takes: a host name or IPv4 address, optional port, path and query; no user, no fragment. */
const HTTP_URL = `^https?://${HOST}(:${PORT})?(/[${URL_CHARS}]*)?(\\?[${URL_CHARS}?]*)?$`;
const NOT_FOR_HTTP = { not: { anyOf: [{ required: ['to'] }, { required: ['smtp'] }] } };

/** Which audit events a subscription receives; every field narrows it. */
export class SubscriptionFilterDto {
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', pattern: ACTION_PATTERN, maxLength: 128 },
    maxItems: 50,
    description: 'exact actions, or prefixes ending in "." or "*" (sync.*); absent or empty: every action',
    example: ['sync.failed', 'rollout.*'],
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  @Matches(new RegExp(ACTION_PATTERN), {
    each: true,
    message: 'actions: each an action or a prefix ending in "." or "*"',
  })
  actions?: string[];

  @ApiPropertyOptional({ description: 'application name or id' })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  application?: string;

  @ApiPropertyOptional({ description: 'project name or id; its operators then manage the subscription' })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  project?: string;

  @ApiPropertyOptional({
    description: 'label selector over the cluster of an event (env=prod,tier!=edge)',
    pattern: LABEL_SELECTOR_SOURCE,
  })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  clusterSelector?: string;

  @ApiPropertyOptional({ enum: NOTIFY_OUTCOMES, default: 'any' })
  @IsOmittable()
  @IsIn(NOTIFY_OUTCOMES)
  outcome?: (typeof NOTIFY_OUTCOMES)[number];
}

/** How the hub reaches an SMTP server. */
// A password is only used with a user name (AUTH).
@SchemaRules({ dependencies: { password: ['username'] } })
export class SmtpDto {
  @ApiProperty({ example: 'smtp.example.com' })
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  host!: string;

  @ApiProperty({ example: 587, minimum: 1, maximum: 65535 })
  @IsInt()
  @Min(1)
  @Max(65_535)
  port!: number;

  @ApiPropertyOptional() @IsOmittable() @IsString() @MinLength(1) @MaxLength(256) username?: string;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password?: string;

  @ApiProperty({ example: 'flotilla@example.com', format: 'email', maxLength: 254 })
  @IsEmail()
  @MaxLength(254)
  from!: string;

  @ApiProperty({
    enum: ['starttls', 'tls'],
    description:
      'starttls: plain connection upgraded (required, never sent in clear); tls: TLS from the start',
  })
  @IsIn(['starttls', 'tls'])
  tls!: 'starttls' | 'tls';
}

/** Where messages go. `url` for webhook and slack; `to` and `smtp` for email. */
@SchemaRules({
  oneOf: [
    { properties: { type: { const: 'webhook' } }, required: ['url'], ...NOT_FOR_HTTP },
    { properties: { type: { const: 'slack' } }, required: ['url'], ...NOT_FOR_HTTP },
    { properties: { type: { const: 'email' } }, required: ['to', 'smtp'], not: { required: ['url'] } },
  ],
})
export class ChannelDto {
  @ApiProperty({ enum: CHANNEL_TYPES }) @IsIn(CHANNEL_TYPES) type!: (typeof CHANNEL_TYPES)[number];

  @ApiPropertyOptional({
    description: 'webhook and slack: an https (or http) URL; a Slack URL is a secret and never shown again',
    writeOnly: true,
    pattern: HTTP_URL,
    maxLength: 2048,
  })
  @IsOmittable()
  @IsString()
  @MaxLength(2048)
  @Matches(new RegExp(HTTP_URL), { message: 'channel.url: an http(s) URL without user or fragment' })
  url?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', format: 'email', maxLength: 254 },
    minItems: 1,
    maxItems: 50,
    description: 'email: recipients',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsEmail({}, { each: true })
  to?: string[];

  @ApiPropertyOptional({ type: SmtpDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => SmtpDto)
  smtp?: SmtpDto;
}

export class CreateSubscriptionDto {
  @ApiProperty({ example: 'web-failures' }) @IsDns1123Label() name!: string;

  @ApiPropertyOptional({ type: SubscriptionFilterDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => SubscriptionFilterDto)
  filter?: SubscriptionFilterDto;

  @ApiProperty({ type: ChannelDto }) @ValidateNested() @Type(() => ChannelDto) channel!: ChannelDto;

  @ApiPropertyOptional({ default: true }) @IsOmittable() @IsBoolean() enabled?: boolean;
}

export class UpdateSubscriptionDto {
  @ApiPropertyOptional() @IsOmittable() @IsDns1123Label() name?: string;

  @ApiPropertyOptional({ type: SubscriptionFilterDto, description: 'replaces the whole filter' })
  @IsOmittable()
  @ValidateNested()
  @Type(() => SubscriptionFilterDto)
  filter?: SubscriptionFilterDto;

  @ApiPropertyOptional({ type: ChannelDto, description: 'replaces the channel (secrets included)' })
  @IsOmittable()
  @ValidateNested()
  @Type(() => ChannelDto)
  channel?: ChannelDto;

  @ApiPropertyOptional() @IsOmittable() @IsBoolean() enabled?: boolean;
}

export class ListSubscriptionsQueryDto extends PageQueryDto {}

export class ListDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'failed'] })
  @IsOmittable()
  @IsIn(['pending', 'delivered', 'failed'])
  status?: 'pending' | 'delivered' | 'failed';
}

/** The filter as stored, names resolved. */
export class SubscriptionFilterViewDto {
  @ApiProperty({ type: [String] }) actions!: string[];
  @ApiProperty({ nullable: true, type: String, description: 'application name' }) application!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'project name' }) project!: string | null;
  @ApiProperty({ nullable: true, type: String }) clusterSelector!: string | null;
  @ApiProperty({ enum: NOTIFY_OUTCOMES }) outcome!: string;
}

/** An SMTP server as shown: whether a password is set, never the password. */
export class SmtpViewDto {
  @ApiProperty() host!: string;
  @ApiProperty() port!: number;
  @ApiProperty({ nullable: true, type: String }) username!: string | null;
  @ApiProperty() from!: string;
  @ApiProperty({ enum: ['starttls', 'tls'] }) tls!: string;
  @ApiProperty() hasPassword!: boolean;
}

/** What may be shown of a channel: never a secret. */
export class ChannelViewDto {
  @ApiProperty({ enum: CHANNEL_TYPES }) type!: string;
  @ApiPropertyOptional({
    description: 'webhook: the URL; slack: scheme and host only (the path is the secret)',
  })
  url?: string;
  @ApiPropertyOptional({ type: [String] }) to?: string[];
  @ApiPropertyOptional({
    type: () => SmtpViewDto,
    description: 'email: the SMTP server (never its password)',
  })
  smtp?: SmtpViewDto;
}

export class SubscriptionDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: SubscriptionFilterViewDto }) filter!: SubscriptionFilterViewDto;
  @ApiProperty({ type: ChannelViewDto }) channel!: ChannelViewDto;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiPropertyOptional({
    description:
      'webhook: the HMAC signing secret, in the answer that created or rotated it only; store it now',
  })
  signingSecret?: string;
}

export class SubscriptionPageDto {
  @ApiProperty({ type: [SubscriptionDto] }) items!: SubscriptionDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class DeliveryDto {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'the same on every attempt; receivers drop repeats by it' })
  idempotencyKey!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status!: 'pending' | 'delivered' | 'failed';
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String }) nextAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) deliveredAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() eventCount!: number;
  @ApiProperty() title!: string;
}

export class DeliveryPageDto {
  @ApiProperty({ type: [DeliveryDto] }) items!: DeliveryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
