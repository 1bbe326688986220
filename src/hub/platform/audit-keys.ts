import {
  createHash,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Keys of the audit trail, all derived from one 32-byte audit key that the database never
 * holds: the HMAC key of the hash chain and the Ed25519 key pair that signs checkpoints.
 */
export interface AuditKeys {
  /** HMAC-SHA256 key of the chain. */
  chainKey: Buffer;
  /** Ed25519 key that signs checkpoints. */
  signingKey: KeyObject;
  /** Its public half, published so anyone can check a checkpoint without a secret. */
  publicKey: KeyObject;
  /** Short public fingerprint of the key (not secret): tells replicas with different keys apart. */
  keyId: string;
}

/** Injection token for {@link AuditKeys}. */
export const AUDIT_KEYS = Symbol('AUDIT_KEYS');

// PKCS#8 header of a raw 32-byte Ed25519 seed (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function derive(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `flotilla audit ${purpose}`, 32));
}

/** Derives the audit keys from the 32-byte audit key (separate keys per purpose, via HKDF). */
export function deriveAuditKeys(master: Buffer): AuditKeys {
  if (master.length !== 32) throw new Error('audit key must be 32 bytes');
  const seed = derive(master, 'checkpoint signing');
  const signingKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(signingKey);
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    chainKey: derive(master, 'chain hmac'),
    signingKey,
    publicKey,
    keyId: createHash('sha256').update(spki).digest('hex').slice(0, 16),
  };
}

/** Parses a 32-byte audit key given as 64 hex characters or base64 (standard or url-safe). */
export function parseAuditKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32)
    throw new Error('FLOTILLA_AUDIT_KEY must be 32 bytes, as 64 hex characters or base64');
  return key;
}

/**
 * The audit key: `FLOTILLA_AUDIT_KEY`, else `audit.key` in the data directory, generated (0600)
 * on first start. Replicas must share it; `warn` is told when a key was generated.
 */
export async function loadAuditKey(
  configured: string | null,
  dataDir: string,
  warn: (file: string) => void,
): Promise<Buffer> {
  if (configured) return parseAuditKey(configured);
  const file = join(dataDir, 'audit.key');
  if (existsSync(file)) return parseAuditKey(await readFile(file, 'utf8'));
  // 'wx': when two replicas race on a shared directory, the first key written wins.
  await writeFile(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' }).catch(
    (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    },
  );
  warn(file);
  return parseAuditKey(await readFile(file, 'utf8'));
}
