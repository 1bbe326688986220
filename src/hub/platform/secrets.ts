import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';

/**
 * Secret handling behind one interface: random ids and tokens, one-way hashes of bearer
 * secrets, and authenticated encryption of stored credentials.
 */
export interface Secrets {
  uuid(): string;
  /** A new random bearer secret with a recognisable prefix, e.g. `flt_…`. */
  newToken(prefix: string): string;
  /** sha256 of a high-entropy token; tokens are random, so no salt or slow hash is needed. */
  hashToken(token: string): string;
  /** Constant-time comparison of two hashes. */
  sameHash(a: string, b: string): boolean;
  seal(plaintext: string): string;
  open(sealed: string): string;
}

/** Injection token for {@link Secrets}. */
export const SECRETS = Symbol('SECRETS');

const VERSION = 'v1';

/** Parses a 32-byte key given as 64 hex characters or base64 (standard or url-safe). */
export function parseSecretKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32)
    throw new Error('FLOTILLA_SECRET_KEY must be 32 bytes, as 64 hex characters or base64');
  return key;
}

/** {@link Secrets} with AES-256-GCM under a 32-byte key. */
export class NodeSecrets implements Secrets {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('secret key must be 32 bytes');
  }

  uuid(): string {
    return randomUUID();
  }

  newToken(prefix: string): string {
    return `${prefix}_${randomBytes(32).toString('base64url')}`;
  }

  hashToken(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('hex');
  }

  sameHash(a: string, b: string): boolean {
    const x = Buffer.from(a, 'utf8');
    const y = Buffer.from(b, 'utf8');
    return x.length === y.length && timingSafeEqual(x, y);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join(
      '.',
    );
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('unreadable sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}
