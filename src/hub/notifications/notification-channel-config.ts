import { InvalidInputError } from '../../domain/errors.js';
import { type ChannelDto, type ChannelViewDto } from './notification.dto.js';

/** A channel as stored sealed: everything needed to send, secrets included. Never leaves the hub. */
export type OpenedChannel =
  | { type: 'webhook'; url: string; secret: string }
  | { type: 'slack'; url: string }
  | {
      type: 'email';
      to: string[];
      smtp: {
        host: string;
        port: number;
        username: string | null;
        password: string | null;
        from: string;
        tls: 'starttls' | 'tls';
      };
    };

/** Additional authenticated data of a subscription's sealed channel: it opens only in its row. */
export function channelSealContext(subscriptionId: string): string {
  return `notification-subscription:${subscriptionId}:channel`;
}

function httpUrl(url: string | undefined, field: string): string {
  if (!url) throw new InvalidInputError(`${field}: required for this channel type`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidInputError(`${field}: not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new InvalidInputError(`${field}: http(s) only`);
  if (u.username || u.password) throw new InvalidInputError(`${field}: no user or password in the URL`);
  if (u.hash) throw new InvalidInputError(`${field}: no fragment`);
  return u.toString();
}

/**
 * Checks a channel given to the API and turns it into what is sealed; `signingSecret` is the
 * webhook's HMAC secret (kept from before on an update that does not rotate it).
 */
export function channelFromDto(dto: ChannelDto, signingSecret: string): OpenedChannel {
  switch (dto.type) {
    case 'webhook':
    case 'slack':
      if (dto.to !== undefined || dto.smtp !== undefined)
        throw new InvalidInputError(`channel: to and smtp are for email channels only`);
      return dto.type === 'webhook'
        ? { type: 'webhook', url: httpUrl(dto.url, 'channel.url'), secret: signingSecret }
        : { type: 'slack', url: httpUrl(dto.url, 'channel.url') };
    case 'email': {
      if (dto.url !== undefined) throw new InvalidInputError('channel.url: not for email channels');
      if (!dto.to?.length) throw new InvalidInputError('channel.to: at least one recipient');
      if (!dto.smtp) throw new InvalidInputError('channel.smtp: required for email channels');
      const s = dto.smtp;
      if (s.password !== undefined && s.username === undefined)
        throw new InvalidInputError('channel.smtp.password: needs a username');
      return {
        type: 'email',
        to: [...dto.to],
        smtp: {
          host: s.host,
          port: s.port,
          username: s.username ?? null,
          password: s.password ?? null,
          from: s.from,
          tls: s.tls,
        },
      };
    }
  }
}

/** What may be shown of a channel: a webhook URL without its query, a Slack URL's origin only, no password. */
export function channelView(c: OpenedChannel): ChannelViewDto {
  switch (c.type) {
    case 'webhook': {
      const u = new URL(c.url);
      return { type: 'webhook', url: `${u.origin}${u.pathname}${u.search ? '?…' : ''}` };
    }
    case 'slack':
      return { type: 'slack', url: `${new URL(c.url).origin}/…` };
    case 'email':
      return {
        type: 'email',
        to: c.to,
        smtp: {
          host: c.smtp.host,
          port: c.smtp.port,
          username: c.smtp.username,
          from: c.smtp.from,
          tls: c.smtp.tls,
          hasPassword: c.smtp.password !== null,
        },
      };
  }
}
