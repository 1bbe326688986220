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
  /**
   * Encrypts under the current key, bound to `context` (e.g. `repository:<id>:credentials`):
   * the sealed value opens only with the same context, so it cannot be moved to another row.
   */
  seal(plaintext: string, context: string): string;
  /** Decrypts a value sealed for `context`; throws {@link UnreadableSecretError} otherwise. */
  open(sealed: string, context: string): string;
  /**
   * True when a value should be sealed again: it was sealed before values were bound to
   * their row (legacy, readable only through {@link openLegacy}) or under a previous key.
   */
  needsReseal(sealed: string): boolean;
  /** Opens a value of either format; legacy values carry no context. For re-sealing only. */
  openLegacy(sealed: string, context: string): string;
}

/** Injection token for {@link Secrets}. */
export const SECRETS = Symbol('SECRETS');

/** A sealed value that cannot be opened: wrong key, wrong row or field, or tampered with. */
export class UnreadableSecretError extends Error {}

/** Values sealed before key ids and row binding: `v1.<iv>.<tag>.<body>`, no additional data. */
const LEGACY = 'v1';
/** `v2.<key id>.<iv>.<tag>.<body>`, the context as AES-GCM additional authenticated data. */
const VERSION = 'v2';

/** Parses a 32-byte key given as 64 hex characters or base64 (standard or url-safe). */
export function parseSecretKey(text: string, name = 'FLOTILLA_SECRET_KEY'): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes, as 64 hex characters or base64`);
  return key;
}

/**
 * The id a sealed value names its key by: a short digest of the key, so a rotation needs no
 * bookkeeping and the id reveals nothing usable about the key.
 */
export function secretKeyId(key: Buffer): string {
  return createHash('sha256').update('flotilla-secret-key-id\0').update(key).digest('hex').slice(0, 8);
}

/**
 * {@link Secrets} with AES-256-GCM under a 32-byte key. `previous` keys (FLOTILLA_SECRET_KEY_PREVIOUS)
 * only open values; every value is sealed under `key`.
 */
export class NodeSecrets implements Secrets {
  private readonly keyId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly key: Buffer,
    previous: readonly Buffer[] = [],
  ) {
    if (key.length !== 32) throw new Error('secret key must be 32 bytes');
    this.keyId = secretKeyId(key);
    for (const k of previous) {
      if (k.length !== 32) throw new Error('secret key must be 32 bytes');
      this.keys.set(secretKeyId(k), k);
    }
    this.keys.set(this.keyId, key);
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

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.keyId, b64(iv), b64(tag), b64(body)].join('.');
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts[0] === LEGACY)
      throw new UnreadableSecretError(
        'sealed in the format before values were bound to their row; the hub re-seals such values when it starts',
      );
    if (parts[0] !== VERSION || parts.length !== 5) throw new UnreadableSecretError('not a sealed value');
    const [, keyId, iv, tag, body] = parts;
    const key = this.keys.get(keyId);
    if (!key)
      throw new UnreadableSecretError(
        `sealed under an unknown key (id ${keyId}): set FLOTILLA_SECRET_KEY_PREVIOUS to the key it was sealed with`,
      );
    return decrypt(key, iv, tag, body, context);
  }

  needsReseal(sealed: string): boolean {
    const parts = sealed.split('.');
    return parts[0] === LEGACY || (parts[0] === VERSION && parts[1] !== this.keyId);
  }

  openLegacy(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts[0] !== LEGACY) return this.open(sealed, context);
    if (parts.length !== 4) throw new UnreadableSecretError('not a sealed value');
    const [, iv, tag, body] = parts;
    // Legacy values carry no key id: try every key, newest first.
    for (const key of [this.key, ...[...this.keys.values()].filter((k) => k !== this.key)]) {
      try {
        return decrypt(key, iv, tag, body, null);
      } catch {
        /* next key */
      }
    }
    throw new UnreadableSecretError('legacy sealed value opens with none of the configured keys');
  }
}

function b64(b: Buffer): string {
  return b.toString('base64url');
}

function decrypt(key: Buffer, iv: string, tag: string, body: string, context: string | null): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    if (context !== null) decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    // GCM cannot tell a wrong key from a value moved to another row or altered: say both.
    throw new UnreadableSecretError(
      'sealed value does not authenticate: it was sealed for another row or field, or altered',
    );
  }
}
