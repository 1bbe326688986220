import { describe, expect, it } from 'vitest';
import {
  InvalidSealedSecretError,
  isAgeRecipient,
  isSealedSecret,
  parseSealedSpec,
  recipientDrift,
  recipientFingerprint,
  secretValues,
  unsealedSecret,
} from './sealed-secret.js';
import type { KubeObject } from './render/render.types.js';

const R1 = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
const R2 = 'age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg';

const sealed = (spec: unknown): KubeObject => ({
  apiVersion: 'flotilla.io/v1alpha1',
  kind: 'SealedSecret',
  metadata: { name: 'db', namespace: 'shop', labels: { app: 'shop' } },
  spec,
});
const good = {
  selector: 'env=prod',
  recipients: [recipientFingerprint(R1)],
  type: 'kubernetes.io/basic-auth',
  encryptedData: { password: 'YWdlLWVuY3J5cHRpb24=' },
};

describe('sealed secrets', () => {
  it('knows its kind and age recipients', () => {
    expect(isSealedSecret(sealed(good))).toBe(true);
    expect(isSealedSecret({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret' })).toBe(false);
    expect(isAgeRecipient(R1)).toBe(true);
    expect(isAgeRecipient('age1short')).toBe(false);
    expect(isAgeRecipient('AGE-SECRET-KEY-1ABC')).toBe(false);
  });

  it('fingerprints recipients as 16 hex digits, stably', () => {
    expect(recipientFingerprint(R1)).toMatch(/^[0-9a-f]{16}$/);
    expect(recipientFingerprint(R1)).toBe(recipientFingerprint(R1));
    expect(recipientFingerprint(R1)).not.toBe(recipientFingerprint(R2));
  });

  it('parses a well-formed spec, defaulting the type', () => {
    expect(parseSealedSpec(sealed(good))).toEqual(good);
    expect(parseSealedSpec(sealed({ ...good, type: undefined })).type).toBe('Opaque');
  });

  it.each([
    [{ ...good, selector: 3 }, /spec\.selector must be a string/],
    [{ ...good, recipients: ['nothex'] }, /spec\.recipients must be a list of 16-hex-digit fingerprints/],
    [{ ...good, encryptedData: {} }, /spec\.encryptedData must be a non-empty mapping/],
    [{ ...good, encryptedData: { 'bad key': 'AA==' } }, /key 'bad key' is not a valid Secret key/],
    [{ ...good, encryptedData: { password: 'not base64!' } }, /encryptedData\.password must be base64/],
    ['text', /spec must be a mapping/],
  ])('refuses a malformed spec, naming the field (%#)', (spec, message) => {
    expect(() => parseSealedSpec(sealed(spec))).toThrow(InvalidSealedSecretError);
    expect(() => parseSealedSpec(sealed(spec))).toThrow(message);
    expect(() => parseSealedSpec(sealed(spec))).toThrow(/^SealedSecret shop\/db: /);
  });

  it('becomes a v1/Secret with the same identity and the decrypted values', () => {
    const secret = unsealedSecret(sealed(good), { password: new TextEncoder().encode('s3cret') });
    expect(secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'shop', labels: { app: 'shop' } },
      type: 'kubernetes.io/basic-auth',
      data: { password: Buffer.from('s3cret').toString('base64') },
    });
  });

  it("reads a Secret's values from data and stringData", () => {
    const values = secretValues({ data: { a: Buffer.from('x').toString('base64') }, stringData: { b: 'y' } });
    expect(
      Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString()])),
    ).toEqual({
      a: 'x',
      b: 'y',
    });
    expect(() => secretValues({})).toThrow(/no data to seal/);
    expect(() => secretValues({ data: { a: '***' } })).toThrow(/data\.a must be base64/);
  });

  it("compares a seal's recipients with the selector's clusters now", () => {
    const sealedFor = [recipientFingerprint(R1), 'ffffffffffffffff'];
    expect(
      recipientDrift(sealedFor, [
        { cluster: 'a', recipient: R1 },
        { cluster: 'b', recipient: R2 },
      ]),
    ).toEqual({ missing: ['b'], stale: ['ffffffffffffffff'] });
    expect(recipientDrift([recipientFingerprint(R1)], [{ cluster: 'a', recipient: R1 }])).toEqual({
      missing: [],
      stale: [],
    });
  });
});
