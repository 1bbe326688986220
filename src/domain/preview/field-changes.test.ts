import { describe, expect, it } from 'vitest';
import type { LiveObject } from '../health/health.types.js';
import {
  cappedValue,
  fieldChanges,
  LAST_APPLIED_ANNOTATION,
  previewComparable,
  previewDiff,
  REDACTED,
  type FieldChange,
} from './field-changes.js';

const opts = { ignoreDifferences: [], maxChanges: 200, maxValueChars: 2048 };

const obj = (extra: Partial<LiveObject> & Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    ...extra,
    metadata: { name: 'x', namespace: 'ns', ...metadata },
  }) as LiveObject;

describe('fieldChanges', () => {
  it.each<[string, unknown, unknown, FieldChange[]]>([
    ['equal scalars', 1, 1, []],
    ['equal nested', { a: { b: [1, 2] } }, { b: undefined, a: { b: [1, 2] } }, []],
    ['added key', { a: 1 }, { a: 1, b: 2 }, [{ path: '/b', op: 'add', after: 2 }]],
    ['removed key', { a: 1, b: 2 }, { a: 1 }, [{ path: '/b', op: 'remove', before: 2 }]],
    ['replaced scalar', { a: 1 }, { a: 2 }, [{ path: '/a', op: 'replace', before: 1, after: 2 }]],
    [
      'type change',
      { a: { x: 1 } },
      { a: 'x' },
      [{ path: '/a', op: 'replace', before: { x: 1 }, after: 'x' }],
    ],
    [
      'same-length list by index',
      {
        c: [
          { name: 'm', image: 'a:1' },
          { name: 's', image: 'b' },
        ],
      },
      {
        c: [
          { name: 'm', image: 'a:2' },
          { name: 's', image: 'b' },
        ],
      },
      [{ path: '/c/0/image', op: 'replace', before: 'a:1', after: 'a:2' }],
    ],
    [
      'length change is one replace of the list',
      { l: [1, 2] },
      { l: [0, 1, 2] },
      [{ path: '/l', op: 'replace', before: [1, 2], after: [0, 1, 2] }],
    ],
    [
      '~ and / escaped in pointers',
      { 'a/b': 1, 'c~d': 1 },
      { 'a/b': 2, 'c~d': 2 },
      [
        { path: '/a~1b', op: 'replace', before: 1, after: 2 },
        { path: '/c~0d', op: 'replace', before: 1, after: 2 },
      ],
    ],
    [
      'stable order: keys sorted whatever the input order',
      { z: 1, a: 1, m: { y: 1, b: 1 } },
      { m: { b: 2, y: 2 }, a: 2, z: 2 },
      [
        { path: '/a', op: 'replace', before: 1, after: 2 },
        { path: '/m/b', op: 'replace', before: 1, after: 2 },
        { path: '/m/y', op: 'replace', before: 1, after: 2 },
        { path: '/z', op: 'replace', before: 1, after: 2 },
      ],
    ],
    ['null is a value', { a: null }, { a: 1 }, [{ path: '/a', op: 'replace', before: null, after: 1 }]],
  ])('%s', (_name, before, after, expected) => {
    expect(fieldChanges(before, after)).toEqual(expected);
  });
});

describe('previewComparable', () => {
  it('drops server-maintained metadata, status and the last-applied annotation (the shared list)', () => {
    const live = obj(
      { data: { a: '1' }, status: { phase: 'x' } },
      {
        uid: 'u',
        resourceVersion: '7',
        generation: 3,
        creationTimestamp: 't',
        managedFields: [{ manager: 'm' }],
        annotations: { [LAST_APPLIED_ANNOTATION]: '{"data":{"a":"secret"}}' },
      },
    );
    expect(previewComparable(live)).toEqual(obj({ data: { a: '1' } }));
  });

  it('keeps other annotations', () => {
    const live = obj({}, { annotations: { [LAST_APPLIED_ANNOTATION]: '{}', team: 'a' } });
    expect(previewComparable(live).metadata.annotations).toEqual({ team: 'a' });
  });
});

describe('previewDiff', () => {
  it('ignores volatile metadata and ignoreDifferences pointers', () => {
    const live = obj({ spec: { replicas: 5, x: 1 } }, { resourceVersion: '1', uid: 'a' });
    const dry = obj({ spec: { replicas: 2, x: 2 } }, { resourceVersion: '2', uid: 'a' });
    expect(previewDiff(live, dry, { ...opts, ignoreDifferences: ['/spec/replicas'] })).toEqual({
      changes: [{ path: '/spec/x', op: 'replace', before: 1, after: 2 }],
      truncated: false,
    });
  });

  it('skips a malformed ignore pointer instead of failing', () => {
    const d = previewDiff(obj({ a: 1 }), obj({ a: 2 }), { ...opts, ignoreDifferences: ['nope', '/a~2'] });
    expect(d.changes).toEqual([{ path: '/a', op: 'replace', before: 1, after: 2 }]);
  });

  const secret = (data: Record<string, string> | undefined, stringData?: Record<string, string>) =>
    obj({ kind: 'Secret', ...(data ? { data } : {}), ...(stringData ? { stringData } : {}) });

  it.each<[string, LiveObject, LiveObject, FieldChange[]]>([
    [
      'a changed value is a replace of (redacted) by (redacted)',
      secret({ pw: 'b2xk' }),
      secret({ pw: 'bmV3' }),
      [{ path: '/data/pw', op: 'replace', before: REDACTED, after: REDACTED }],
    ],
    ['an added key', secret({}), secret({ pw: 'bmV3' }), [{ path: '/data/pw', op: 'add', after: REDACTED }]],
    [
      'a removed key',
      secret({ pw: 'b2xk' }),
      secret({}),
      [{ path: '/data/pw', op: 'remove', before: REDACTED }],
    ],
    [
      'a whole map added',
      secret(undefined),
      secret({ pw: 'bmV3' }),
      [{ path: '/data', op: 'add', after: REDACTED }],
    ],
    [
      'stringData too',
      secret(undefined, { token: 'old' }),
      secret(undefined, { token: 'new' }),
      [{ path: '/stringData/token', op: 'replace', before: REDACTED, after: REDACTED }],
    ],
  ])('Secret: %s', (_name, live, dry, expected) => {
    const d = previewDiff(live, dry, opts);
    expect(d.changes).toEqual(expected);
    expect(JSON.stringify(d)).not.toMatch(/b2xk|bmV3|old|new/);
  });

  it('does not redact a Secret-named kind of another group, but does redact annotated pointers', () => {
    const other = (v: string) => obj({ apiVersion: 'example.com/v1', kind: 'Secret', data: { pw: v } });
    expect(previewDiff(other('a'), other('b'), opts).changes[0].after).toBe('b');
    const annotated = (v: string) =>
      obj({ spec: { token: v, size: v.length } }, { annotations: { 'flotilla.io/redact': '/spec/token' } });
    expect(previewDiff(annotated('aa'), annotated('bbb'), opts).changes).toEqual([
      { path: '/spec/size', op: 'replace', before: 2, after: 3 },
      { path: '/spec/token', op: 'replace', before: REDACTED, after: REDACTED },
    ]);
  });

  it('redacts everything under an extra pointer, "" meaning the whole object', () => {
    const d = previewDiff(obj({ spec: { a: 'x' } }), obj({ spec: { a: 'y' } }), { ...opts, redact: [''] });
    expect(d.changes).toEqual([{ path: '/spec/a', op: 'replace', before: REDACTED, after: REDACTED }]);
  });

  it('caps the number of changes and flags the cut', () => {
    const many = (v: number) =>
      obj({ data: Object.fromEntries([...Array(10).keys()].map((i) => [`k${i}`, v])) });
    const d = previewDiff(many(1), many(2), { ...opts, maxChanges: 3 });
    expect(d.changes.map((c) => c.path)).toEqual(['/data/k0', '/data/k1', '/data/k2']);
    expect(d.truncated).toBe(true);
  });

  it('cuts a long value to a string ending with …', () => {
    const d = previewDiff(obj({ data: { a: 'x' } }), obj({ data: { a: 'y'.repeat(100) } }), {
      ...opts,
      maxValueChars: 10,
    });
    expect(d.changes[0]).toEqual({
      path: '/data/a',
      op: 'replace',
      before: 'x',
      after: `"${'y'.repeat(8)}…`,
    });
    expect((d.changes[0].after as string).length).toBe(10);
  });
});

describe('cappedValue', () => {
  it.each<[unknown, number, unknown]>([
    [{ a: 1 }, 100, { a: 1 }],
    [{ a: 1 }, 4, '{"a…'],
    ['abc', 5, 'abc'],
    [undefined, 5, undefined],
  ])('%j at %d', (value, max, expected) => {
    expect(cappedValue(value, max)).toEqual(expected);
  });
});
