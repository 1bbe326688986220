import { describe, expect, it } from 'vitest';
import { applyMergePatch } from './merge-patch.js';
import {
  bundleDigest,
  formatObjectId,
  objectId,
  parseCanonicalBundle,
  prepareManifests,
  renderBundle,
  renderManifests,
  DEFAULT_RENDER_LIMITS,
  type RenderTarget,
} from './render.js';

const target: RenderTarget = { cluster: { name: 'c1', labels: { region: 'eu' } }, namespace: 'web' };
const files = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([p, t]) => [p, Buffer.from(t, 'utf8')]));

function ok(result: ReturnType<typeof renderBundle>) {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.bundle;
}

describe('object identity', () => {
  it.each([
    [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'web' } },
      'apps/Deployment/web/api',
    ],
    [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'web' } },
      '/ConfigMap/web/cfg',
    ],
    [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } }, '/Namespace//web'],
  ])('%o is %s', (o, s) => {
    expect(formatObjectId(objectId(o))).toBe(s);
  });
});

describe('canonical form', () => {
  it('is sorted JSON Lines of canonical JSON with a sha256 digest', () => {
    const b = ok(
      renderBundle(
        files({
          'a.yaml': 'kind: Deployment\napiVersion: apps/v1\nmetadata: {name: api}\nspec: {z: 1, a: [2, 1]}\n',
          'b.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n',
        }),
        target,
      ),
    );
    const text =
      '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"web"}}\n' +
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":"web"},"spec":{"a":[2,1],"z":1}}\n';
    expect(b.canonical.toString('utf8')).toBe(text);
    expect(b.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.digest).toBe(bundleDigest(Buffer.from(text)));
  });

  it('an empty application renders to zero bytes', () => {
    const b = ok(renderBundle(files({ 'README.md': '# nothing' }), target));
    expect(b.canonical.length).toBe(0);
    expect(b.objectCount).toBe(0);
    expect(parseCanonicalBundle(b.canonical)).toEqual([]);
  });

  it('does not depend on file order or key order', () => {
    const docs = Array.from({ length: 30 }, (_, i) => ({
      apiVersion: i % 2 ? 'apps/v1' : 'v1',
      kind: i % 3 ? 'ConfigMap' : 'Secret',
      metadata: { name: `o${i}`, labels: { a: '1', b: '${cluster.labels.region}' } },
      data: { x: String(i), y: 'y', nested: { p: 1, q: [1, 2] } },
    }));
    const reversedKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversedKeys)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, c]) => [k, reversedKeys(c)]),
            )
          : v;
    const asFiles = (order: number[], transform: (v: unknown) => unknown) =>
      new Map(order.map((i) => [`f${i}.json`, Buffer.from(JSON.stringify(transform(docs[i])))]));
    const ids = docs.map((_, i) => i);
    const shuffled = [...ids].sort((a, b) => ((a * 7919) % 31) - ((b * 7919) % 31));
    const one = ok(
      renderBundle(
        asFiles(ids, (v) => v),
        target,
      ),
    );
    const two = ok(renderBundle(asFiles(shuffled, reversedKeys), target));
    expect(two.digest).toBe(one.digest);
    expect(two.canonical.equals(one.canonical)).toBe(true);
  });

  it('round-trips: parseCanonicalBundle(canonical) equals objects', () => {
    const b = ok(
      renderBundle(
        files({
          'a.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {s: "line\\nbreak \\u2028 ü", n: -0, f: 1.5, t: true, z: null}\n',
        }),
        target,
      ),
    );
    expect(b.canonical.toString('utf8').split('\n')).toHaveLength(2);
    expect(parseCanonicalBundle(b.canonical)).toEqual(b.objects);
  });

  it('parseCanonicalBundle rejects malformed bytes, naming the line', () => {
    const good = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}\n';
    expect(() => parseCanonicalBundle(Buffer.from(good.trimEnd()))).toThrow(/newline/);
    expect(() => parseCanonicalBundle(Buffer.from(`${good}{oops\n`))).toThrow(/line 2: invalid JSON/);
    expect(() => parseCanonicalBundle(Buffer.from(`${good}{"kind":"X"}\n`))).toThrow(/line 2: .*apiVersion/);
  });
});

describe('prepare once, render per cluster', () => {
  it('gives what renderBundle gives and never mutates the prepared documents', () => {
    const input = files({
      'a.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "cfg-${cluster.name}"}\ndata: {r: "${cluster.labels.region}"}\n',
    });
    const prepared = prepareManifests(input, DEFAULT_RENDER_LIMITS);
    const before = JSON.stringify(prepared.documents);
    const patched: RenderTarget = {
      ...target,
      patches: [{ target: { kind: 'ConfigMap', name: 'cfg-c2' }, patch: { data: { r: null } } }],
    };
    const c2 = { ...patched, cluster: { name: 'c2', labels: { region: 'us' } } };
    const a = ok(renderManifests(prepared, c2));
    const b = ok(renderManifests(prepared, target));
    expect(JSON.stringify(prepared.documents)).toBe(before);
    expect(a.objects[0]).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg-c2', namespace: 'web' },
      data: {},
    });
    expect(b.objects[0].data).toEqual({ r: 'eu' });
    expect(ok(renderBundle(input, target)).digest).toBe(b.digest);
  });
});

describe('untrusted content', () => {
  it('refuses __proto__ fields (canonical JSON could not keep them) and pollutes nothing', () => {
    const doc =
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"__proto__":{"polluted":"yes"}}}';
    const patch = JSON.parse('{"__proto__":{"x":1}}') as Record<string, unknown>;
    const result = renderBundle(files({ 'a.json': doc }), {
      ...target,
      patches: [{ target: { kind: 'ConfigMap', name: 'c' }, patch }],
    });
    expect(result.ok ? [] : result.errors).toEqual([
      { file: '', document: 0, message: expect.stringContaining('patch 1 (target */ConfigMap/*/c): needs') },
      { file: 'a.json', document: 1, message: 'data.__proto__: a field named __proto__ is not supported' },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('applyMergePatch (RFC 7386)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (t, p, want) => {
    const before = JSON.stringify([t, p]);
    expect(applyMergePatch(t, p)).toEqual(want);
    expect(JSON.stringify([t, p])).toBe(before);
  });
});

describe('large bundles', () => {
  it('renders 5,000 objects / 20 MB and round-trips', () => {
    const input = new Map<string, Buffer>();
    const perFile = 100;
    const blob = 'x'.repeat(4000);
    for (let f = 0; f < 50; f++) {
      let text = '';
      for (let i = 0; i < perFile; i++) {
        const n = f * perFile + i;
        text += `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-${n}\n  labels: {region: "\${cluster.labels.region}"}\ndata:\n  blob: |\n    ${blob}\n`;
      }
      input.set(`group-${f % 5}/file-${f}.yaml`, Buffer.from(text));
    }
    const b = ok(renderBundle(input, target));
    expect(b.objectCount).toBe(5000);
    expect(b.canonical.length).toBeGreaterThan(20_000_000);
    const back = parseCanonicalBundle(b.canonical);
    expect(back).toHaveLength(5000);
    expect(back).toEqual(b.objects);
  });
});
