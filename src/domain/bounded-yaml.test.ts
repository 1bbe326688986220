import { describe, expect, it } from 'vitest';
import { expandedSizeLimit, MIN_EXPANDED_BYTES, parseManifestYaml } from './bounded-yaml.js';
import { manifestProblems } from './manifest-validation.js';
import { renderBundle } from './render/render.js';

const MIB = 1024 * 1024;

/** The classic nested bomb: 10 anchors, each ten references to the previous one (10^9 leaves). */
const BILLION_LAUGHS = [
  'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ...'bcdefghi'
    .split('')
    .map((name, i) => `${name}: &${name} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`),
].join('\n');

/** The flat bomb of issue 12: one anchor of 100,000 items referenced 999 times (1.8 MB of YAML). */
function flatBomb(items = 100_000, refs = 999): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: bomb', 'anchor: &x'];
  for (let i = 0; i < items; i++) lines.push('  - lol-lol-lol-lol');
  lines.push('refs:');
  for (let i = 0; i < refs; i++) lines.push('  - *x');
  return `${lines.join('\n')}\n`;
}

/** The same through merge keys, which the yaml package copies inside `toJS` itself. */
function mergeBomb(keys = 100_000, merges = 999): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: bomb', 'base: &m'];
  for (let i = 0; i < keys; i++) lines.push(`  k${i}: v`);
  lines.push('copies:');
  for (let i = 0; i < merges; i++) lines.push(`  c${i}: { <<: *m }`);
  return `${lines.join('\n')}\n`;
}

const parse = (text: string) =>
  parseManifestYaml(text, expandedSizeLimit(Buffer.byteLength(text), 10, 64 * MIB)).documents;

describe('parseManifestYaml: the expanded-size bound', () => {
  it('refuses the nested billion laughs without expanding it', () => {
    const docs = parse(BILLION_LAUGHS);
    expect(docs).toEqual([
      { document: 1, error: expect.stringMatching(/aliases expand .* beyond its limit/) },
    ]);
  });

  it('refuses the flat 100,000 × 999 anchor bomb, which the alias count let through', () => {
    const text = flatBomb();
    expect(text.length).toBeGreaterThan(1_800_000);
    const docs = parse(text);
    expect(docs).toHaveLength(1);
    expect(docs[0].error).toMatch(/beyond its limit of \d+ bytes/);
  });

  it('refuses a merge-key bomb', () => {
    const docs = parse(mergeBomb(10_000, 999));
    expect(docs[0].error).toMatch(/beyond its limit/);
  });

  it('counts every document of a file against one budget', () => {
    const doc = `a: &a [${'x, '.repeat(999)}x]\nb: [${'*a, '.repeat(99)}*a]\n`;
    // one document: ~400 KB expanded, under the 1 MiB floor; five of them: over it
    expect(parse(doc)[0].error).toBeUndefined();
    const docs = parse(Array(5).fill(doc).join('---\n'));
    expect(docs.filter((d) => d.error)).toHaveLength(1);
    expect(docs.at(-1)?.error).toMatch(/beyond its limit/);
  });

  it('refuses an alias inside the node it refers to (JSON cannot hold a cycle)', () => {
    const docs = parse('a: &a\n  b: *a\n');
    expect(docs[0].error).toMatch(/invalid YAML: alias \*a refers to a node that contains it/);
  });

  it('keeps legitimate aliases and merge keys, beyond the old 1,000-alias count', () => {
    const objects = Array.from(
      { length: 1500 },
      (_, i) => `- { apiVersion: v1, kind: ConfigMap, metadata: { name: c${i}, labels: *labels } }`,
    );
    const text = `labels: &labels { app: web, tier: front }\nitems:\n${objects.join('\n')}\n`;
    const [doc] = parse(text);
    expect(doc.error).toBeUndefined();
    const items = (doc.value as { items: { metadata: { labels: unknown } }[] }).items;
    expect(items).toHaveLength(1500);
    expect(items[1499].metadata.labels).toEqual({ app: 'web', tier: 'front' });

    const [merged] = parse('base: &b { a: 1, b: 2 }\nderived: { <<: *b, b: 3, c: 4 }\n');
    expect(merged.value).toEqual({ base: { a: 1, b: 2 }, derived: { a: 1, b: 3, c: 4 } });
  });

  it('refuses duplicate keys, checked in linear time', () => {
    expect(parse('a: 1\nb: {x: 1, x: 2}\n')[0].error).toBe('invalid YAML: Map keys must be unique: "x"');
    expect(parse('1: a\n"1": b\n')[0].error).toBeUndefined(); // 1 and "1" are different keys
    const many = Array.from({ length: 100_000 }, (_, i) => `k${i}: v`).join('\n');
    expect(parse(`${many}\nk5: again\n`)[0].error).toMatch(/unique: "k5"/);
  });

  it('reads YAML 1.1, as kubectl does', () => {
    const [doc] = parse('mode: 0644\nflag: yes\nwhen: 2001-12-14\n');
    expect(doc.value).toEqual({ mode: 420, flag: true, when: '2001-12-14' });
  });

  it('returns errors instead of throwing, even for a nesting deep enough to exhaust the stack', () => {
    const deep = `${'['.repeat(3000)}${']'.repeat(3000)}`; // the parser itself overflows here
    const docs = parse(deep);
    expect(docs.some((d) => d.error)).toBe(true);
  });

  it('bounds at 10× the source, at least 1 MiB, at most the bundle limit; Infinity turns it off', () => {
    expect(expandedSizeLimit(1000, 10, 64 * MIB)).toBe(MIN_EXPANDED_BYTES);
    expect(expandedSizeLimit(2 * MIB, 10, 64 * MIB)).toBe(20 * MIB);
    expect(expandedSizeLimit(5 * MIB, 20, 64 * MIB)).toBe(64 * MIB);
    expect(expandedSizeLimit(5 * MIB, Infinity, 64 * MIB)).toBe(Infinity);
  });
});

describe('both parse paths use the bounded parser', () => {
  it('PUT validation: the billion laughs is a problem naming the file', () => {
    expect(manifestProblems('apps/bomb.yaml', Buffer.from(BILLION_LAUGHS))).toEqual([
      expect.stringMatching(/^apps\/bomb\.yaml: document 1: YAML aliases expand this file beyond its limit/),
    ]);
  });

  it('PUT validation reads YAML 1.1 as rendering does', () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: &d { a: "1" }\nx: { <<: *d }\n';
    expect(manifestProblems('a.yaml', Buffer.from(text))).toEqual([]);
  });

  it('rendering: the flat bomb fails the render naming the file', () => {
    const result = renderBundle(new Map([['bomb.yaml', Buffer.from(flatBomb(10_000, 999))]]), {
      cluster: { name: 'c', labels: {} },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { file: 'bomb.yaml', document: 1, message: expect.stringMatching(/aliases expand/) },
    ]);
  });
});
