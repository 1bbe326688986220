/// <reference types="vite/client" />
// Fixtures come through Vite's import.meta.glob, so this test of IO-free code reads no files itself.
import { describe, expect, it } from 'vitest';
import { SOPS_SOURCE_FIELD } from '../secrets/sops-document.js';
import { renderBundle, type RenderTarget } from './render.js';

/** A Secret encrypted by the real sops CLI (see ../secrets/sops-document.test.ts). */
const fixtures = import.meta.glob<string>('../secrets/fixtures/*', {
  query: '?raw',
  import: 'default',
  eager: true,
});
const fixture = (name: string): string => fixtures[`../secrets/fixtures/${name}`];
const target: RenderTarget = { cluster: { name: 'c1', labels: {} }, namespace: 'web' };
const files = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([p, t]) => [p, Buffer.from(t, 'utf8')]));
const errorsOf = (r: ReturnType<typeof renderBundle>) =>
  r.ok ? [] : r.errors.map((e) => `${e.file}: ${e.message}`);

describe('SOPS documents in a render', () => {
  it('pass through untouched, namespace defaulted, with the file text for the agent', () => {
    const text = fixture('secret.sops.yaml');
    // a ${...} in a clear value would be a Flotilla variable anywhere else: here it is content
    const withVariable = text.replace('type: Opaque', 'type: ${cluster.name}');
    const r = renderBundle(files({ 'secret.sops.yaml': withVariable }), target);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const [object] = r.bundle.objects as Record<string, any>[];
    expect(object.metadata).toEqual({ name: 'db', namespace: 'web', labels: { app: 'x' } });
    expect(object.type).toBe('${cluster.name}');
    expect(object.stringData.password).toMatch(/^ENC\[AES256_GCM,/);
    expect(object.sops.mac).toMatch(/^ENC\[AES256_GCM,/);
    expect(object[SOPS_SOURCE_FIELD]).toEqual({ file: 'secret.sops.yaml', text: withVariable });
  });

  it('refuses a file encrypting apiVersion, kind or metadata, naming the file and the fix', () => {
    const r = renderBundle(files({ 'all.yaml': fixture('all-encrypted.sops.yaml') }), target);
    expect(errorsOf(r).join('\n')).toMatch(
      /all\.yaml: .*(is not a Kubernetes|keep apiVersion, kind and metadata in clear)/,
    );
    expect(errorsOf(r).join('\n')).not.toContain('hunter2');
  });

  it('refuses a SOPS file of several documents and a patch aimed at a SOPS object', () => {
    const two = `${fixture('secret.sops.yaml')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n`;
    expect(errorsOf(renderBundle(files({ 'two.yaml': two }), target))).toEqual([
      'two.yaml: a SOPS-encrypted file must hold exactly one document: split it into one file per object',
    ]);
    const patched = renderBundle(files({ 's.yaml': fixture('secret.sops.yaml') }), {
      ...target,
      patches: [{ target: { kind: 'Secret', name: 'db' }, patch: { metadata: { labels: { a: 'b' } } } }],
    });
    expect(errorsOf(patched).join('\n')).toMatch(/cannot be patched/);
  });
});
