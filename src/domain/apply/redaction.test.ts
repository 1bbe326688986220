import { describe, expect, it } from 'vitest';
import { diffObjects, formatDiff } from './ignore-differences.js';
import {
  coversRedacted,
  redactDiffText,
  redactedPointers,
  redactFieldDiffs,
  redactionMarker,
  REDACT_ANNOTATION,
} from './redaction.js';

const KEY = 'agent-key';
const secret = (data: Record<string, string>, annotations?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'ns', labels: { team: 'core' }, ...(annotations ? { annotations } : {}) },
  data,
});

describe('redactedPointers', () => {
  it.each<[string, object, string[]]>([
    ['a core Secret', secret({}), ['/data', '/stringData']],
    ['a Secret of another group', { apiVersion: 'example.com/v1', kind: 'Secret', metadata: {} }, []],
    ['a ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, []],
    [
      'listed fields',
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { annotations: { [REDACT_ANNOTATION]: '/data/token, /data/x~1y' } },
      },
      ['/data/token', '/data/x~1y'],
    ],
    [
      'a Secret with listed fields, malformed entries skipped',
      secret({}, { [REDACT_ANNOTATION]: 'data/bad,,/metadata/labels/team,/a~2' }),
      ['/data', '/stringData', '/metadata/labels/team'],
    ],
  ])('%s', (_, obj, pointers) => expect(redactedPointers(obj)).toEqual(pointers));
});

describe('coversRedacted', () => {
  it.each<[string, boolean]>([
    ['/data', true],
    ['/data/password', true],
    ['/stringData/x', true],
    ['', true], // the whole object holds the values
    ['/metadata/labels/team', false],
    ['/dataset', false],
    ['/type', false],
  ])('%j', (path, covered) => expect(coversRedacted(path, ['/data', '/stringData'])).toBe(covered));

  it('a path that contains a listed field', () => {
    expect(coversRedacted('/spec', ['/spec/token'])).toBe(true);
    expect(coversRedacted('/spec/other', ['/spec/token'])).toBe(false);
  });
});

describe('redactionMarker', () => {
  it('is a keyed, stable, short hash', () => {
    const a = redactionMarker('hunter2', KEY).text;
    expect(a).toMatch(/^\(redacted hmac:[0-9a-f]{12}\)$/);
    expect(redactionMarker('hunter2', KEY).text).toBe(a);
    expect(redactionMarker('hunter3', KEY).text).not.toBe(a);
    // Another agent's key gives another marker: a reader without the key cannot test guesses.
    expect(redactionMarker('hunter2', 'other-key').text).not.toBe(a);
    expect(a).not.toContain('hunter2');
  });

  it('keeps absence visible', () => expect(redactionMarker(undefined, KEY).text).toBe('(absent)'));
});

describe('redactFieldDiffs + formatDiff', () => {
  const desired = secret({ password: 'ZGVzaXJlZA==', user: 'YWRtaW4=' });
  const cases: [string, object, string[]][] = [
    ['a changed value', secret({ password: 'bGl2ZQ==', user: 'YWRtaW4=' }), ['/data/password']],
    ['a removed value', secret({ user: 'YWRtaW4=' }), ['/data/password']],
    ['the whole data map gone', { ...secret({}), data: undefined }, ['/data']],
    [
      'a non-secret field',
      { ...secret(desired.data), metadata: { ...desired.metadata, labels: { team: 'x' } } },
      ['/metadata/labels/team'],
    ],
  ];
  it.each(cases)('%s', (_, live, paths) => {
    const diff = diffObjects(desired, live, []);
    expect(diff.map((d) => d.path)).toEqual(paths);
    const text = formatDiff(redactFieldDiffs(diff, desired, KEY));
    for (const secretText of ['ZGVzaXJlZA==', 'bGl2ZQ==', 'YWRtaW4=', 'desired', 'live', 'admin'])
      expect(text).not.toContain(secretText);
    for (const p of paths) expect(text).toContain(`- ${p}: `);
    if (paths[0] === '/metadata/labels/team')
      expect(text).toBe('- /metadata/labels/team: "x"\n+ /metadata/labels/team: "core"');
    else
      expect(text).toMatch(
        /^- \S+: \((redacted hmac:[0-9a-f]{12}|absent)\)\n\+ \S+: \(redacted hmac:[0-9a-f]{12}\)$/,
      );
  });

  it('redacts fields the desired object lists, not the ones the live object lists', () => {
    const cm = (token: string, annotations: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', annotations },
      data: { token, plain: 'p' },
    });
    const want = cm('s3cr3t', { [REDACT_ANNOTATION]: '/data/token' });
    const live = { ...cm('l1ve', {}), data: { token: 'l1ve', plain: 'q' } };
    const text = formatDiff(redactFieldDiffs(diffObjects(want, live, []), want, KEY));
    expect(text).not.toMatch(/s3cr3t|l1ve/);
    expect(text).toContain('- /data/plain: "q"');
  });
});

describe('redactDiffText (the hub)', () => {
  const id = '/Secret/ns/s';
  it.each<[string, string, string]>([
    [
      'a raw value',
      '- /data/key: "bGl2ZQ=="\n+ /data/key: "ZGVz"',
      '- /data/key: (redacted)\n+ /data/key: (redacted)',
    ],
    [
      'markers pass',
      '- /data/key: (redacted hmac:0123456789ab)\n+ /data/key: (absent)',
      '- /data/key: (redacted hmac:0123456789ab)\n+ /data/key: (absent)',
    ],
    ['a marker with more in it', '- /data/k: (redacted hmac:0123456789ab) c2VjcmV0', '- /data/k: (redacted)'],
    ['the whole object', '- (whole object): {"data":{"k":"x"}}', '- (whole object): (redacted)'],
    ['free text', 'c2VjcmV0', '(redacted)'],
    [
      'a deleted object',
      '- (object deleted)\n+ (object as in the bundle)',
      '- (object deleted)\n+ (object as in the bundle)',
    ],
  ])('%s', (_, input, output) => expect(redactDiffText(id, input)).toBe(output));

  it('leaves other kinds alone', () => {
    const text = '- /data/key: "v"\n+ /data/key: "w"';
    expect(redactDiffText('/ConfigMap/ns/c', text)).toBe(text);
    expect(redactDiffText('example.com/Secret/ns/c', text)).toBe(text);
  });
});
