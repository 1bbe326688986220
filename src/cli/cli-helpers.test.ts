import { describe, expect, it } from 'vitest';
import { parseSpecs, patchOf, unchanged } from './commands/app-spec.js';
import { type Application } from './commands/app-types.js';
import { formatDuration, parseDuration, parseTimeArg } from './duration.js';
import { editLabels, parseLabels } from './labels.js';
import { colorEnabled, renderTable } from './output.js';

describe('durations', () => {
  it.each([
    ['5s', 5_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['250ms', 250],
    ['1.5s', 1_500],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['5', 'm', '2 h', '-1s', ''])('%j is refused', (text) =>
    expect(() => parseDuration(text)).toThrow(/not a duration/),
  );
  it('a time is a duration ago or an ISO date-time', () => {
    const now = new Date('2030-01-01T12:00:00Z');
    expect(parseTimeArg('2h', now)).toBe('2030-01-01T10:00:00.000Z');
    expect(parseTimeArg('2030-01-01T00:00:00+01:00', now)).toBe('2029-12-31T23:00:00.000Z');
    expect(() => parseTimeArg('2030-13-45', now)).toThrow(/not a date-time/);
    expect(formatDuration(192_000)).toBe('3m12s');
  });
});

describe('labels', () => {
  it('parses k=v (values may hold =) and edits kubectl-style', () => {
    expect(parseLabels(['a=1', 'b=x=y', 'c='])).toEqual({ a: '1', b: 'x=y', c: '' });
    expect(() => parseLabels(['=x'])).toThrow(/not a label/);
    expect(editLabels({ a: '1', b: '2' }, ['b-', 'c=3', 'a=9'])).toEqual({ a: '9', c: '3' });
    expect(() => editLabels({}, ['x-'])).toThrow(/label x is not set/);
  });
});

describe('tables and colour', () => {
  it('pads on plain widths even with colour codes', () => {
    const out = renderTable(
      [
        { header: 'NAME', value: (r: { n: string; s: string }) => r.n },
        { header: 'SYNC', value: (r) => r.s, style: () => 'green' },
        { header: 'NOTE', value: () => null },
      ],
      [
        { n: 'a-long-name', s: 'Synced' },
        { n: 'b', s: 'Failed' },
      ],
      false,
    );
    expect(out).toBe('NAME          SYNC     NOTE\na-long-name   Synced   -\nb             Failed   -\n');
    expect(renderTable([{ header: 'X', value: () => 'y', style: () => 'red' }], [{}], true)).toBe(
      '\u001b[1mX\u001b[0m\n\u001b[31my\u001b[0m\n',
    );
  });
  it('colour needs a terminal or FORCE_COLOR, and never NO_COLOR', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({}, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });
});

describe('application specs', () => {
  const yaml =
    'name: web\nrepositoryId: fleet\npath: apps/web\ntargets: [{clusterSelector: env=prod}]\nsyncPolicy: {automated: true, prune: false, selfHeal: false}\n';
  it('reads every document and refuses unknown fields', () => {
    expect(parseSpecs(`${yaml}---\n${yaml.replace('web', 'api')}`, 'f').map((s) => s.name)).toEqual([
      'web',
      'api',
    ]);
    expect(() => parseSpecs(`${yaml}prune: true\n`, 'f')).toThrow('f: unknown field(s) prune');
    expect(() => parseSpecs('name: x\n', 'f')).toThrow('f: repositoryId is required');
    expect(() => parseSpecs('', 'f')).toThrow('f: no application in it');
  });
  it('counts empty values the hub fills in as unchanged, and a removed field as a change', () => {
    const current = {
      path: 'apps/web',
      targets: [{ clusterSelector: 'env=prod', values: {}, patches: [] }],
      syncPolicy: { automated: true, prune: false, selfHeal: false },
      ignoreDifferences: [],
    } as unknown as Application;
    const [spec] = parseSpecs(yaml, 'f');
    expect(unchanged(current, patchOf(spec))).toBe(true);
    const withNs = {
      ...current,
      targets: [{ clusterSelector: 'env=prod', namespace: 'web' }],
    } as Application;
    expect(unchanged(withNs, { path: spec.path, targets: spec.targets, syncPolicy: spec.syncPolicy })).toBe(
      false,
    );
  });
});
