import { createHmac, timingSafeEqual } from 'node:crypto';

/** hex HMAC-SHA256 of a body under a secret, as GitHub, Gitea and our SVN hook send it. */
export function hmacSha256Hex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Constant-time string comparison (false when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Signature material a push webhook carries, by provider. */
export interface WebhookAuth {
  /** `sha256=<hex>` (GitHub, Gitea, our SVN hook) or bare hex (Gitea's own header). */
  hmac?: string;
  /** GitLab's shared token, compared as is. */
  token?: string;
}

/** True when the webhook's signature or token was made with `secret`. */
export function webhookVerified(auth: WebhookAuth, secret: string, body: Buffer): boolean {
  if (auth.token !== undefined) return safeEqual(auth.token, secret);
  if (auth.hmac !== undefined) {
    const given = auth.hmac.replace(/^sha256=/i, '').toLowerCase();
    return safeEqual(given, hmacSha256Hex(secret, body));
  }
  return false;
}

/**
 * Spellings of a repository URL that refer to the same repository (with or without `.git`
 * and a trailing slash), so a webhook payload's URL finds the registered one.
 */
export function urlVariants(url: string): string[] {
  const base = url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  return [...new Set([base, `${base}.git`, `${base}/`, `${base}.git/`])];
}
