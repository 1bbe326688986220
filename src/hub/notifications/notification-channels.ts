import { isIP } from 'node:net';
import { createTransport } from 'nodemailer';
import { capText, type NotificationMessage } from '../../domain/notification-rules.js';
import { hmacSha256Hex } from '../../domain/webhook-signature.js';
import { type EgressGuard } from '../../vcs/egress-guard.js';
import { type OpenedChannel } from './notification-channel-config.js';
import { postJson, SEND_TIMEOUT_MS, SendFailedError } from './notification-http.js';

/** The largest JSON body a webhook receives; beyond it the event list is left out. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Characters of a stored delivery error. */
export const MAX_ERROR_CHARS = 300;

/** Sends one message over one channel; throws {@link SendFailedError} (or any error) on failure. */
export interface NotificationSender {
  send(message: NotificationMessage, channel: OpenedChannel): Promise<void>;
}

/** Injection token of the {@link NotificationSender}. */
export const NOTIFICATION_SENDER = Symbol('NOTIFICATION_SENDER');

/** The webhook body: the message and when this attempt was made, capped to {@link MAX_BODY_BYTES}. */
export function webhookBody(message: NotificationMessage, sentAt: string): string {
  const full = JSON.stringify({ ...message, sentAt });
  if (Buffer.byteLength(full) <= MAX_BODY_BYTES) return full;
  return JSON.stringify({
    ...message,
    events: [],
    lines: message.lines.slice(0, 20),
    truncated: true,
    sentAt,
  });
}

/**
 * `X-Flotilla-Signature` of a webhook body: `sha256=` and the hex HMAC-SHA256 of the raw body
 * under the subscription's secret. The body carries `sentAt` (also `X-Flotilla-Timestamp`), so a
 * receiver that checks the signature and refuses old timestamps refuses replays.
 */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${hmacSha256Hex(secret, Buffer.from(body, 'utf8'))}`;
}

/** A Slack-compatible incoming-webhook body: `text` for notifications, `blocks` for the channel. */
export function slackBody(message: NotificationMessage): string {
  const lines = capText(message.lines.join('\n'), 2900);
  return JSON.stringify({
    text: capText(message.title, 300),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${capText(message.title, 2900)}*` } },
      ...(lines ? [{ type: 'section', text: { type: 'mrkdwn', text: lines } }] : []),
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: `flotilla · ${message.subscription} · ${message.idempotencyKey}` },
        ],
      },
    ],
  });
}

/** The channels the hub sends over: webhook, Slack-compatible webhook, e-mail over SMTP. */
export class ChannelSender implements NotificationSender {
  constructor(
    private readonly egress: EgressGuard,
    private readonly ca: string[] | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(message: NotificationMessage, channel: OpenedChannel): Promise<void> {
    const key = { 'Idempotency-Key': message.idempotencyKey, 'X-Flotilla-Delivery': message.idempotencyKey };
    switch (channel.type) {
      case 'webhook': {
        const sentAt = this.now().toISOString();
        const body = webhookBody(message, sentAt);
        return postJson(
          this.egress,
          channel.url,
          body,
          {
            ...key,
            'X-Flotilla-Timestamp': sentAt,
            'X-Flotilla-Signature': webhookSignature(channel.secret, body),
          },
          this.ca,
        );
      }
      case 'slack':
        return postJson(this.egress, channel.url, slackBody(message), key, this.ca);
      case 'email':
        return this.mail(message, channel);
    }
  }

  /**
   * Over STARTTLS (required: a server that does not offer it is a failure, nothing goes in clear)
   * or TLS from the start; to the address the egress guard checked, the certificate checked
   * against the host name.
   */
  private async mail(
    message: NotificationMessage,
    c: Extract<OpenedChannel, { type: 'email' }>,
  ): Promise<void> {
    const target = await this.egress.check(
      new URL(`smtp://${c.smtp.host.includes(':') ? `[${c.smtp.host}]` : c.smtp.host}:${c.smtp.port}`),
    );
    const transport = createTransport({
      host: target.addresses[0].address,
      port: c.smtp.port,
      secure: c.smtp.tls === 'tls',
      requireTLS: c.smtp.tls === 'starttls',
      ...(c.smtp.username ? { auth: { user: c.smtp.username, pass: c.smtp.password ?? '' } } : {}),
      tls: {
        // The certificate is checked against the configured name, not the address connected to.
        ...(isIP(c.smtp.host) ? {} : { servername: c.smtp.host }),
        ...(this.ca ? { ca: this.ca } : {}),
      },
      connectionTimeout: SEND_TIMEOUT_MS,
      greetingTimeout: SEND_TIMEOUT_MS,
      socketTimeout: SEND_TIMEOUT_MS,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    try {
      await transport.sendMail({
        from: c.smtp.from,
        to: c.to,
        subject: capText(message.title.replace(/[\r\n]+/g, ' '), 200),
        text: [message.title, '', ...message.lines, '', `Delivery ${message.idempotencyKey}`].join('\n'),
        messageId: `<${message.idempotencyKey}@flotilla>`,
        headers: { 'X-Flotilla-Delivery': message.idempotencyKey },
      });
    } catch (e) {
      const err = e as Error & { code?: string; responseCode?: number };
      let text = `${c.smtp.host}: ${err.code ?? 'error'}${err.responseCode ? ` ${err.responseCode}` : ''} ${err.message}`;
      if (c.smtp.password) text = text.split(c.smtp.password).join('***');
      throw new SendFailedError(capText(text, MAX_ERROR_CHARS));
    } finally {
      transport.close();
    }
  }
}
