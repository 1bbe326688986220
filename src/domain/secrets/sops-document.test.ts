/// <reference types="vite/client" />
// Fixtures come through Vite's import.meta.glob, so this test of IO-free code reads no files itself.
import { Decrypter, armor } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import {
  SopsError,
  decryptSopsFile,
  goFloat,
  isSopsDocument,
  isSopsEncrypted,
  macBytes,
  parseSopsFile,
} from './sops-document.js';

/**
 * The fixtures were encrypted by the real `sops` CLI (3.13, scripts/sops-binary.sh) from
 * plain-secret.yaml for the throwaway identity in test-identity.age.txt: with
 * `--encrypted-regex '^(data|stringData)$'`, with everything encrypted, and with
 * `mac_only_encrypted: true` from a .sops.yaml creation rule.
 */
const fixtures = import.meta.glob<string>('./fixtures/*', { query: '?raw', import: 'default', eager: true });
const fixture = (name: string): string => fixtures[`./fixtures/${name}`];
const identity = fixture('test-identity.age.txt')
  .split('\n')
  .find((l) => l.startsWith('AGE-SECRET-KEY-'))!;

async function dataKeyOf(text: string): Promise<Uint8Array> {
  const d = new Decrypter();
  d.addIdentity(identity);
  return d.decrypt(armor.decode(parseSopsFile(text).age[0].enc));
}

const expected = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db', labels: { app: 'x' } },
  type: 'Opaque',
  stringData: {
    password: 'hunter2',
    '10': 'numeric-key',
    empty: '',
    port: 5432,
    ratio: 1.5,
    on: true,
    list: ['a', 1, false],
  },
};

describe('SOPS files', () => {
  it.each(['secret.sops.yaml', 'all-encrypted.sops.yaml', 'mac-only-encrypted.sops.yaml'])(
    'decrypts %s as sops does, MAC verified (key order, a numeric key, ints, floats, bools, lists)',
    async (name) => {
      const text = fixture(name);
      const { object, encryptedPointers } = decryptSopsFile(parseSopsFile(text), await dataKeyOf(text));
      expect(object).toEqual(expected);
      expect(encryptedPointers).toContain('/stringData/password');
      expect(encryptedPointers).toContain('/stringData/list/2');
      expect(encryptedPointers.includes('/metadata/name')).toBe(name === 'all-encrypted.sops.yaml');
    },
  );

  it('refuses a file whose clear part was changed after encryption (MAC mismatch)', async () => {
    const text = fixture('secret.sops.yaml');
    const key = await dataKeyOf(text);
    const tampered = text.replace('app: x', 'app: y');
    expect(() => decryptSopsFile(parseSopsFile(tampered), key)).toThrow(/MAC mismatch/);
  });

  it('with mac_only_encrypted, a change to the clear part is not covered, as in sops', async () => {
    const text = fixture('mac-only-encrypted.sops.yaml');
    const key = await dataKeyOf(text);
    const changed = text.replace('app: x', 'app: y');
    expect(decryptSopsFile(parseSopsFile(changed), key).object.metadata).toEqual({
      name: 'db',
      labels: { app: 'y' },
    });
  });

  it('refuses an encrypted value moved to another key (its path is authenticated), naming the path only', async () => {
    const text = fixture('secret.sops.yaml');
    const key = await dataKeyOf(text);
    const lines = text.split('\n');
    const pw = lines.findIndex((l) => l.includes('password: ENC['));
    const ten = lines.findIndex((l) => l.includes('"10": ENC['));
    const [pwValue, tenValue] = [lines[pw].split(': ')[1], lines[ten].split(': ')[1]];
    lines[pw] = lines[pw].replace(pwValue, tenValue);
    lines[ten] = lines[ten].replace(tenValue, pwValue);
    const error = (() => {
      try {
        decryptSopsFile(parseSopsFile(lines.join('\n')), key);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(SopsError);
    expect(error?.message).toMatch(/^\/stringData\/password: cannot decrypt/);
    expect(error?.message).not.toContain('hunter2');
  });

  it('refuses a plain value where sops expects an encrypted one, and a wrong data key', async () => {
    const text = fixture('secret.sops.yaml');
    const key = await dataKeyOf(text);
    const plainInserted = text.replace(/ {4}password: ENC\[[^\n]+/, '    password: 42');
    expect(() => decryptSopsFile(parseSopsFile(plainInserted), key)).toThrow(
      /\/stringData\/password: expected an encrypted value/,
    );
    const wrong = new Uint8Array(32).fill(7);
    expect(() => decryptSopsFile(parseSopsFile(text), wrong)).toThrow(/cannot decrypt/);
  });

  it('reads the metadata: age stanzas, other key types, unsupported options', () => {
    const file = parseSopsFile(fixture('secret.sops.yaml'));
    expect(file.age).toHaveLength(1);
    expect(file.age[0].recipient).toMatch(/^age1/);
    expect(file.otherKeyTypes).toEqual([]);
    const withKms = `a: 1\nsops:\n  kms:\n    - arn: x\n      enc: y\n  mac: m\n  lastmodified: "t"\n`;
    expect(parseSopsFile(withKms).otherKeyTypes).toEqual(['kms']);
    const comments = `a: 1\nsops:\n  mac: m\n  lastmodified: t\n  encrypted_comment_regex: x\n`;
    expect(() => parseSopsFile(comments)).toThrow(/encrypted_comment_regex is not supported/);
    const shamir = `a: 1\nsops:\n  mac: m\n  lastmodified: t\n  key_groups: [{age: []}, {age: []}]\n`;
    expect(() => parseSopsFile(shamir)).toThrow(/key groups/);
    expect(() => parseSopsFile('a: 1\n')).toThrow(/no sops metadata/);
    expect(() => parseSopsFile('a: [1\n')).toThrow(/cannot parse/);
  });

  it('tells SOPS documents and values apart', () => {
    expect(isSopsDocument({ kind: 'Secret', sops: { mac: 'x' } })).toBe(true);
    expect(isSopsDocument({ kind: 'Secret', sops: 'x' })).toBe(false);
    expect(isSopsDocument({ kind: 'Secret' })).toBe(false);
    expect(isSopsEncrypted('ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]')).toBe(true);
    expect(isSopsEncrypted('plain')).toBe(false);
  });

  it('adds values to the MAC as Go formats them (strconv, True/False)', () => {
    expect(macBytes(true).toString()).toBe('True');
    expect(macBytes(false).toString()).toBe('False');
    expect(macBytes(12345678901234567890n).toString()).toBe('12345678901234567890');
    expect(goFloat(1.5)).toBe('1.5');
    expect(goFloat(1)).toBe('1');
    expect(goFloat(1e21)).toBe('1000000000000000000000');
    expect(goFloat(1.25e-7)).toBe('0.000000125');
    expect(goFloat(-2.5e22)).toBe('-25000000000000000000000');
    expect(goFloat(Infinity)).toBe('+Inf');
  });
});
