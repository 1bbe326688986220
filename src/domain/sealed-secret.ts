/**
 * Sealed secrets (issue 17): a `flotilla.io/v1alpha1` `SealedSecret` holds each value of a
 * Secret as an age ciphertext encrypted to the public keys (recipients) of the clusters its
 * selector chose. Only an agent holding one of the matching private keys can turn it back into
 * a `v1/Secret`; the hub and its database only ever see ciphertext.
 *
 * ```yaml
 * apiVersion: flotilla.io/v1alpha1
 * kind: SealedSecret
 * metadata: { name: creds, namespace: shop }
 * spec:
 *   selector: env=prod                 # the cluster selector it was sealed for
 *   recipients: [3f9a1c07d2be4a11, …]  # fingerprints of the recipients' keys
 *   type: Opaque
 *   encryptedData: { password: <base64 of the binary age file> }
 * ```
 *
 * This module holds the pure rules: the shape, fingerprints, the Secret a sealed object
 * becomes, and whether its recipients still match its selector's clusters. Encryption itself
 * is done by the CLI and the agent (age, X25519).
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from './render/render.types.js';

/** The API version of a sealed secret. */
export const SEALED_SECRET_API_VERSION = 'flotilla.io/v1alpha1';
/** The kind of a sealed secret. */
export const SEALED_SECRET_KIND = 'SealedSecret';

/** The parsed `spec` of a sealed secret. */
export interface SealedSecretSpec {
  selector: string;
  recipients: string[];
  type: string;
  /** Key → base64 of one age ciphertext (to every recipient). */
  encryptedData: Record<string, string>;
}

/** A sealed object that does not have the documented shape. */
export class InvalidSealedSecretError extends Error {
  override name = 'InvalidSealedSecretError';
}

/** Keys a Secret's data may have (Kubernetes: `[-._a-zA-Z0-9]+`, at most 253 characters). */
const DATA_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** A recipient fingerprint: 16 lowercase hex digits. */
const FINGERPRINT = /^[0-9a-f]{16}$/;
/** An age X25519 recipient (bech32, `age1…`). */
const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

/** True for an object of kind `flotilla.io/…/SealedSecret`. */
export function isSealedSecret(obj: { apiVersion?: unknown; kind?: unknown }): boolean {
  return obj.apiVersion === SEALED_SECRET_API_VERSION && obj.kind === SEALED_SECRET_KIND;
}

/** True when `text` is an age X25519 recipient (`age1` and 58 bech32 characters). */
export function isAgeRecipient(text: string): boolean {
  return AGE_RECIPIENT.test(text);
}

/**
 * The short, stable name of a recipient written into `spec.recipients`: the first 16 hex digits
 * of the SHA-256 of the recipient string. Public, like the key it names.
 */
export function recipientFingerprint(recipient: string): string {
  return createHash('sha256').update(recipient).digest('hex').slice(0, 16);
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The spec of a sealed object; throws {@link InvalidSealedSecretError} naming the field that
 * breaks the format. Never echoes a value (they are ciphertext, but messages stay short).
 */
export function parseSealedSpec(obj: KubeObject): SealedSecretSpec {
  const what = `SealedSecret ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}`;
  const spec = obj.spec;
  if (!isMap(spec)) throw new InvalidSealedSecretError(`${what}: spec must be a mapping`);
  const { selector, recipients, type, encryptedData } = spec;
  if (typeof selector !== 'string')
    throw new InvalidSealedSecretError(`${what}: spec.selector must be a string`);
  if (!Array.isArray(recipients) || recipients.some((r) => typeof r !== 'string' || !FINGERPRINT.test(r)))
    throw new InvalidSealedSecretError(
      `${what}: spec.recipients must be a list of 16-hex-digit fingerprints`,
    );
  if (type !== undefined && (typeof type !== 'string' || type.length === 0 || type.length > 253))
    throw new InvalidSealedSecretError(`${what}: spec.type must be a non-empty string`);
  if (!isMap(encryptedData) || Object.keys(encryptedData).length === 0)
    throw new InvalidSealedSecretError(`${what}: spec.encryptedData must be a non-empty mapping`);
  for (const [key, value] of Object.entries(encryptedData)) {
    if (!DATA_KEY.test(key))
      throw new InvalidSealedSecretError(
        `${what}: spec.encryptedData key '${key.slice(0, 64)}' is not a valid Secret key`,
      );
    if (typeof value !== 'string' || value.length === 0 || !BASE64.test(value))
      throw new InvalidSealedSecretError(`${what}: spec.encryptedData.${key} must be base64 age ciphertext`);
  }
  return {
    selector,
    recipients: recipients as string[],
    type: type ?? 'Opaque',
    encryptedData: encryptedData as Record<string, string>,
  };
}

/**
 * The `v1/Secret` a sealed object becomes once its values are decrypted: same name, namespace,
 * labels and annotations, `type` from the spec, `data` the base64 of each decrypted value.
 */
export function unsealedSecret(sealed: KubeObject, values: Record<string, Uint8Array>): KubeObject {
  const spec = parseSealedSpec(sealed);
  const { name, namespace, labels, annotations } = sealed.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(labels ? { labels: { ...labels } } : {}),
      ...(annotations ? { annotations: { ...annotations } } : {}),
    },
    type: spec.type,
    data: Object.fromEntries(
      Object.entries(values)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
  };
}

/** The plaintext values of a Secret manifest: `data` decoded from base64, `stringData` as UTF-8. */
export function secretValues(secret: Record<string, unknown>): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const data = secret.data;
  const stringData = secret.stringData;
  if (data !== undefined && data !== null) {
    if (!isMap(data)) throw new InvalidSealedSecretError('data must be a mapping');
    for (const [k, v] of Object.entries(data)) {
      if (typeof v !== 'string' || !BASE64.test(v))
        throw new InvalidSealedSecretError(`data.${k} must be base64`);
      out[k] = Buffer.from(v, 'base64');
    }
  }
  if (stringData !== undefined && stringData !== null) {
    if (!isMap(stringData)) throw new InvalidSealedSecretError('stringData must be a mapping');
    for (const [k, v] of Object.entries(stringData)) {
      if (typeof v !== 'string') throw new InvalidSealedSecretError(`stringData.${k} must be a string`);
      out[k] = Buffer.from(v, 'utf8');
    }
  }
  for (const k of Object.keys(out))
    if (!DATA_KEY.test(k))
      throw new InvalidSealedSecretError(`'${k.slice(0, 64)}' is not a valid Secret key`);
  if (Object.keys(out).length === 0) throw new InvalidSealedSecretError('the Secret has no data to seal');
  return out;
}

/** How a sealed object's recipients compare with the keys its selector's clusters have now. */
export interface RecipientDrift {
  /** Clusters the selector chooses whose current key is not a recipient (joined or re-keyed since). */
  missing: string[];
  /** Recipient fingerprints no selected cluster has any more (left, or re-keyed since). */
  stale: string[];
}

/** Compares `sealedFor` (fingerprints) with the selector's clusters and their current recipients. */
export function recipientDrift(
  sealedFor: readonly string[],
  current: readonly { cluster: string; recipient: string }[],
): RecipientDrift {
  const have = new Set(sealedFor);
  const now = new Map(current.map((c) => [recipientFingerprint(c.recipient), c.cluster]));
  return {
    missing: current.filter((c) => !have.has(recipientFingerprint(c.recipient))).map((c) => c.cluster),
    stale: sealedFor.filter((f) => !now.has(f)),
  };
}
