import { describe, expect, it } from 'vitest';
import {
  CLUSTER_NAME_LABEL,
  DIRECTORY_GLOB_SOURCE,
  diffGeneratedSet,
  duplicateNames,
  fillTemplate,
  generatorElements,
  parseDirectoryGlob,
  segmentMatches,
  substitute,
} from './application-generator.js';
import { InvalidInputError } from './errors.js';

const dir = { name: 'web', path: 'apps/web' };
const cluster = { name: 'prod-eu-1', labels: { env: 'prod', region: 'eu' } };
const template = {
  name: '${dir.name}-${cluster.name}',
  path: '${dir.path}',
  targets: [
    {
      clusterSelector: 'env=prod',
      namespace: '${dir.name}',
      values: { region: '${cluster.labels.region}', n: 3 },
    },
  ],
};

describe('directory globs', () => {
  it('accepts exactly what its JSON Schema pattern describes', () => {
    const re = new RegExp(DIRECTORY_GLOB_SOURCE);
    const accepted = (g: string) => {
      try {
        parseDirectoryGlob(g);
        return true;
      } catch {
        return false;
      }
    };
    for (const g of ['apps/*', '/a/b/', 'a.b/*-x', '', 'a//b', '../x', 'a/b/c/d/e/f/g/h/i', '//a', 'a/.'])
      expect([g, re.test(g)]).toEqual([g, accepted(g)]);
  });
  it('splits into checked segments', () => {
    expect(parseDirectoryGlob('apps/*')).toEqual(['apps', '*']);
    expect(parseDirectoryGlob('/teams/*/apps/')).toEqual(['teams', '*', 'apps']);
  });
  it.each(['', 'apps/../x', 'apps//x', 'a b/*', 'a/./b', '.../x', 'a/b/c/d/e/f/g/h/i'])('refuses %j', (g) => {
    expect(() => parseDirectoryGlob(g)).toThrow(InvalidInputError);
  });
  it('matches segments with * and leaves hidden directories out unless named', () => {
    expect(segmentMatches('*', 'web')).toBe(true);
    expect(segmentMatches('*', '.git')).toBe(false);
    expect(segmentMatches('svc-*', 'svc-a')).toBe(true);
    expect(segmentMatches('svc-*', 'web')).toBe(false);
    expect(segmentMatches('a.b', 'aXb')).toBe(false);
  });
});

describe('substitution', () => {
  it('fills only documented variables', () => {
    expect(substitute('${dir.name}/${dir.path}', { dir }, 'f')).toBe('web/apps/web');
    expect(substitute('${cluster.name}:${cluster.labels.env}', { cluster }, 'f')).toBe('prod-eu-1:prod');
    expect(substitute('$${dir.name}', { dir }, 'f')).toBe('${dir.name}');
  });
  it('names an unknown variable, a missing label, a variable of an absent generator, an unterminated one', () => {
    expect(() => substitute('${env.HOME}', { dir }, 'template.path')).toThrow(
      /template.path: unknown variable \$\{env.HOME\}/,
    );
    expect(() => substitute('${cluster.labels.zone}', { cluster }, 'f')).toThrow(/cluster.labels.zone/);
    expect(() => substitute('${cluster.name}', { dir }, 'f')).toThrow(/unknown variable/);
    expect(() => substitute('${dir.name', { dir }, 'f')).toThrow(/unterminated/);
  });
  it('fills a matrix element and narrows targets to the cluster', () => {
    const out = fillTemplate(template, { dir, cluster });
    expect(out.name).toBe('web-prod-eu-1');
    expect(out.path).toBe('apps/web');
    expect(out.targets[0]).toEqual({
      clusterSelector: `env=prod,${CLUSTER_NAME_LABEL}=prod-eu-1`,
      namespace: 'web',
      values: { region: 'eu', n: 3 },
    });
  });
  it('refuses a generated name or namespace that is not DNS-1123', () => {
    expect(() =>
      fillTemplate({ ...template, name: '${dir.name}' }, { dir: { name: 'Web_App', path: 'apps/Web_App' } }),
    ).toThrow(/generated name "Web_App"/);
    expect(() =>
      fillTemplate(
        { name: 'x-${dir.name}', path: '', targets: [{ clusterSelector: '', namespace: '${dir.path}' }] },
        { dir },
      ),
    ).toThrow(/namespace: generated "apps\/web"/);
  });
});

describe('sets', () => {
  it('directories, clusters or their matrix, in stable order', () => {
    const dirs = [
      { name: 'b', path: 'apps/b' },
      { name: 'a', path: 'apps/a' },
    ];
    const cs = [cluster, { name: 'dev', labels: {} }];
    expect(generatorElements(dirs, null).map((e) => e.dir?.name)).toEqual(['a', 'b']);
    expect(generatorElements(null, cs).map((e) => e.cluster?.name)).toEqual(['dev', 'prod-eu-1']);
    expect(generatorElements(dirs, cs).map((e) => `${e.dir?.name}/${e.cluster?.name}`)).toEqual([
      'a/dev',
      'a/prod-eu-1',
      'b/dev',
      'b/prod-eu-1',
    ]);
    expect(generatorElements([], cs)).toEqual([]);
  });
  it('diffs wanted against existing', () => {
    const d = diffGeneratedSet(
      [
        { name: 'b', path: 'apps/b2' },
        { name: 'c', path: 'apps/c' },
        { name: 'd', path: 'apps/d' },
      ],
      [
        { name: 'a', path: 'apps/a' },
        { name: 'b', path: 'apps/b' },
        { name: 'd', path: 'apps/d' },
      ],
      (w, e) => w.path !== e.path,
    );
    expect(d.create.map((x) => x.name)).toEqual(['c']);
    expect(d.update.map((x) => x.name)).toEqual(['b']);
    expect(d.delete).toEqual(['a']);
  });
  it('finds duplicate names', () => {
    expect(duplicateNames(['a', 'b', 'a', 'c', 'b'])).toEqual(['a', 'b']);
  });
});
