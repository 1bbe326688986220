import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NodeSecrets, secretKeyId, UnreadableSecretError } from './secrets.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

/** A value in the format of hubs before row binding: v1.<iv>.<tag>.<body>, no additional data. */
function legacySeal(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return [
    'v1',
    iv.toString('base64url'),
    c.getAuthTag().toString('base64url'),
    body.toString('base64url'),
  ].join('.');
}

describe('NodeSecrets sealing', () => {
  const s = new NodeSecrets(k1);

  it('seals with a key id and opens only for the same context', () => {
    const sealed = s.seal('hunter2', 'repository:a:credentials');
    expect(sealed.split('.')).toHaveLength(5);
    expect(sealed.split('.')[1]).toBe(secretKeyId(k1));
    expect(s.open(sealed, 'repository:a:credentials')).toBe('hunter2');
    expect(() => s.open(sealed, 'repository:b:credentials')).toThrow(/another row or field/);
    expect(() => s.open(sealed, 'repository:a:webhookSecret')).toThrow(UnreadableSecretError);
    expect(s.needsReseal(sealed)).toBe(false);
  });

  it('refuses altered and malformed values with a typed error', () => {
    const sealed = s.seal('x', 'c').split('.');
    sealed[4] = Buffer.from('y').toString('base64url');
    expect(() => s.open(sealed.join('.'), 'c')).toThrow(UnreadableSecretError);
    expect(() => s.open('garbage', 'c')).toThrow(UnreadableSecretError);
  });

  it('opens values of a previous key and asks for them to be re-sealed', () => {
    const old = new NodeSecrets(k1).seal('tok', 'ctx');
    const rotated = new NodeSecrets(k2, [k1]);
    expect(rotated.open(old, 'ctx')).toBe('tok');
    expect(rotated.needsReseal(old)).toBe(true);
    expect(rotated.needsReseal(rotated.seal('tok', 'ctx'))).toBe(false);
    expect(() => new NodeSecrets(k2).open(old, 'ctx')).toThrow(/unknown key .*FLOTILLA_SECRET_KEY_PREVIOUS/);
  });

  it('reads legacy values only through openLegacy (for re-sealing), under any configured key', () => {
    const legacy = legacySeal(k1, 'pw');
    expect(() => s.open(legacy, 'ctx')).toThrow(/re-seals/);
    expect(s.needsReseal(legacy)).toBe(true);
    expect(s.openLegacy(legacy, 'ctx')).toBe('pw');
    expect(new NodeSecrets(k2, [k1]).openLegacy(legacy, 'ctx')).toBe('pw');
    expect(() => new NodeSecrets(k2).openLegacy(legacy, 'ctx')).toThrow(UnreadableSecretError);
  });
});
