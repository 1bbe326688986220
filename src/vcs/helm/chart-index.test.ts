import { describe, expect, it } from 'vitest';
import { compareVersions, parseChartIndex, pickChartVersion } from './chart-index.js';

const index = (yaml: string) => parseChartIndex(Buffer.from(yaml));

describe('chart index', () => {
  it('orders versions by SemVer precedence, pre-releases before their release', () => {
    const sorted = [
      '1.0.0',
      '1.10.0',
      '1.2.0',
      '1.2.0-rc.1',
      '1.2.0-rc.10',
      '1.2.0-alpha',
      'v2.0.0',
      'junk',
    ].sort(compareVersions);
    expect(sorted).toEqual([
      'junk',
      '1.0.0',
      '1.2.0-alpha',
      '1.2.0-rc.1',
      '1.2.0-rc.10',
      '1.2.0',
      '1.10.0',
      'v2.0.0',
    ]);
  });

  it('picks the newest release for <chart>, a pre-release only when asked for or alone', () => {
    const i = index(`apiVersion: v1
entries:
  web:
    - {name: web, version: 1.0.0, urls: [web-1.0.0.tgz]}
    - {name: web, version: 2.0.0-rc.1, urls: [web-2.0.0-rc.1.tgz]}
    - {name: web, version: 1.1.0, urls: [web-1.1.0.tgz], digest: ${'A'.repeat(64)}}
  beta:
    - {name: beta, version: 0.1.0-alpha, urls: [b.tgz]}
`);
    expect(pickChartVersion(i, 'web').version).toBe('1.1.0');
    expect(pickChartVersion(i, 'web').digest).toBe('a'.repeat(64));
    expect(pickChartVersion(i, 'web', '2.0.0-rc.1').version).toBe('2.0.0-rc.1');
    expect(pickChartVersion(i, 'beta').version).toBe('0.1.0-alpha');
    expect(() => pickChartVersion(i, 'web', '3.0.0')).toThrow("version of chart 'web' '3.0.0' not found");
    expect(() => pickChartVersion(i, '../etc')).toThrow("chart name '../etc' is not valid");
  });

  it('skips entries whose name or version could not be a path segment', () => {
    const i = index(`entries:
  "../x": [{version: 1.0.0}]
  ok:
    - {version: "../1"}
    - {version: 1.0.0, urls: [ok.tgz]}
`);
    expect([...i.keys()]).toEqual(['ok']);
    expect(i.get('ok')!.map((e) => e.version)).toEqual(['1.0.0']);
  });

  it('refuses YAML aliases (no billion-laughs expansion) and non-index documents', () => {
    expect(() => index('a: &a [1, 2]\nentries: {x: *a}\n')).toThrow(/index\.yaml does not parse/);
    expect(() => index('- just\n- a list\n')).toThrow(/no entries map/);
  });
});
