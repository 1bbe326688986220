/** Sealing a Secret on the operator's machine (age, X25519): see domain/sealed-secret.ts. */
import { Encrypter } from 'age-encryption';
import type { KubeObject } from '../domain/render/render.types.js';
import { SEALED_SECRET_API_VERSION, SEALED_SECRET_KIND, secretValues } from '../domain/sealed-secret.js';

/** What GET /api/v1/cluster-recipients answers. */
export interface RecipientList {
  selector: string;
  items: { cluster: string; recipient: string; fingerprint: string }[];
  withoutKey: string[];
}

/**
 * The SealedSecret of a v1/Secret manifest: each value (from `data` or `stringData`) becomes one
 * age ciphertext encrypted to every recipient, Base64-encoded. Throws (naming the field) when
 * the Secret has no values or a malformed one.
 */
export async function sealSecret(
  secret: KubeObject,
  selector: string,
  recipients: readonly { recipient: string; fingerprint: string }[],
): Promise<KubeObject> {
  if (recipients.length === 0) throw new Error('no recipients');
  const values = secretValues(secret);
  const encryptedData: Record<string, string> = {};
  for (const key of Object.keys(values).sort()) {
    const e = new Encrypter();
    for (const r of recipients) e.addRecipient(r.recipient);
    encryptedData[key] = Buffer.from(await e.encrypt(values[key])).toString('base64');
  }
  const { name, namespace, labels, annotations } = secret.metadata;
  return {
    apiVersion: SEALED_SECRET_API_VERSION,
    kind: SEALED_SECRET_KIND,
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
    },
    spec: {
      selector,
      recipients: recipients.map((r) => r.fingerprint).sort(),
      type: typeof secret.type === 'string' ? secret.type : 'Opaque',
      encryptedData,
    },
  };
}
