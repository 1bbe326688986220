import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import type { LiveObject } from '../../domain/health/health.types.js';
import { recipientFingerprint } from '../../domain/sealed-secret.js';
import { Unsealer } from './unsealer.js';

async function key() {
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  return { identity, recipient, fingerprint: recipientFingerprint(recipient) };
}

/** A SealedSecret as `flotilla secret seal` writes it (sealed here with age itself). */
async function sealSecret(
  _plain: unknown,
  selector: string,
  to: { recipient: string; fingerprint: string }[],
): Promise<LiveObject> {
  const e = new Encrypter();
  for (const r of to) e.addRecipient(r.recipient);
  const password = Buffer.from(await e.encrypt('correct horse battery staple')).toString('base64');
  return {
    apiVersion: 'flotilla.io/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: 'db', namespace: 'shop' },
    spec: { selector, recipients: to.map((r) => r.fingerprint), encryptedData: { password } },
  };
}
const plain = null;
const cm: LiveObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' } };

describe('Unsealer (real age encryption)', () => {
  it('turns a sealed secret into the Secret for any recipient, leaving other objects alone', async () => {
    const [a, b] = [await key(), await key()];
    const sealed = await sealSecret(plain, 'env=prod', [a, b]);
    expect(JSON.stringify(sealed)).not.toContain('correct horse');
    for (const k of [a, b]) {
      const out = await new Unsealer(() => ({ identities: [k.identity], recipient: k.recipient })).unseal([
        cm,
        sealed,
      ]);
      expect(out.failures).toEqual([]);
      expect(out.objects[0]).toBe(cm);
      expect(out.objects[1]).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque' });
      const data = (out.objects[1] as unknown as { data: Record<string, string> }).data;
      expect(Buffer.from(data.password, 'base64').toString()).toBe('correct horse battery staple');
      expect(out.values).toContain('correct horse battery staple');
    }
  });

  it('fails the object clearly for a cluster that is not a recipient, never a partial Secret', async () => {
    const [a, outsider] = [await key(), await key()];
    const sealed = await sealSecret(plain, 'env=prod', [a]);
    const out = await new Unsealer(() => ({
      identities: [outsider.identity],
      recipient: outsider.recipient,
    })).unseal([cm, sealed]);
    expect(out.failures).toEqual([
      {
        id: 'flotilla.io/SealedSecret/shop/db',
        message: expect.stringMatching(
          new RegExp(
            `not a recipient of the SealedSecret \\(sealed for 'env=prod'; this cluster's key ${outsider.fingerprint}`,
          ),
        ) as unknown,
      },
    ]);
    expect(out.objects.some((o) => o.kind === 'Secret')).toBe(false);
  });

  it('still opens what was sealed to a key it rotated away from', async () => {
    const old = await key();
    const sealed = await sealSecret(plain, 'env=prod', [old]);
    const now = await key();
    const out = await new Unsealer(() => ({
      identities: [now.identity, old.identity],
      recipient: now.recipient,
    })).unseal([sealed]);
    expect(out.failures).toEqual([]);
  });
});
