import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import { OPEN_POLICY } from './object-policy.js';
import { checkSource, checkTargetSelector, pathUnder, validateProjectRules } from './project-rules.js';

describe('pathUnder', () => {
  it.each([
    ['apps/team-a/web', 'apps/team-a', true],
    ['apps/team-a', 'apps/team-a/', true],
    ['apps/team-ab', 'apps/team-a', false],
    ['apps', 'apps/team-a', false],
    ['', '', true],
    ['anything', '', true],
  ])('%s under %s: %s', (path, prefix, want) => {
    expect(pathUnder(path, prefix)).toBe(want);
  });
});

describe('checkSource', () => {
  const sources = [{ repository: 'platform', path: 'apps/team-a' }, { repository: 'team-a-config' }];
  it.each([
    ['platform', 'apps/team-a/web', true],
    ['platform', 'apps/team-b/web', false],
    ['platform', '', false],
    ['team-a-config', 'anything/at/all', true],
    ['other', 'apps/team-a', false],
  ])('%s:%s allowed: %s', (repo, path, want) => {
    const refusal = checkSource('team-a', sources, repo, path);
    expect(refusal === null).toBe(want);
    if (refusal) {
      expect(refusal.rule).toBe('sources');
      expect(refusal.message).toContain("project 'team-a'");
      expect(refusal.message).toContain('platform:apps/team-a, team-a-config');
    }
  });

  it('`*` allows any repository, still bounded by its path', () => {
    expect(checkSource('p', [{ repository: '*', path: 'shared' }], 'any', 'shared/x')).toBeNull();
    expect(checkSource('p', [{ repository: '*', path: 'shared' }], 'any', 'other')?.rule).toBe('sources');
  });

  it('no sources allows nothing', () => {
    expect(checkSource('p', [], 'r', '')?.message).toContain('rule sources: none');
  });
});

describe('checkTargetSelector', () => {
  it.each([
    // project selector, target selector, stays inside
    ['', 'env=prod', true],
    ['', '', true],
    ['team=a', 'team=a', true],
    ['team=a', 'team=a,env=prod', true],
    ['team=a', 'team in (a)', true],
    ['team=a', 'team in (a,b)', false],
    ['team=a', 'env=prod', false],
    ['team=a', '', false],
    ['team in (a,b)', 'team=b', true],
    ['team in (a,b)', 'team in (a,b)', true],
    ['team in (a,b)', 'team in (a,c)', false],
    ['team', 'team=a', true],
    ['team', 'team', true],
    ['team', '!team', false],
    ['!legacy', '!legacy,env=prod', true],
    ['!legacy', 'env=prod', false],
    ['tier!=edge', 'tier=core', true],
    ['tier!=edge', 'tier notin (edge,lab)', true],
    ['tier!=edge', 'tier!=lab', false],
    ['tier!=edge', '!tier', true],
    ['tier notin (edge,lab)', 'tier!=edge,tier!=lab', true],
    ['tier notin (edge,lab)', 'tier!=edge', false],
    ['tier notin (edge,lab)', 'tier in (core)', true],
    ['team=a,env=prod', 'team=a', false],
    ['team=a,env=prod', 'env=prod,team=a,region=eu', true],
    // contradictory pins select nothing, which is inside anything
    ['team=a', 'team=a,team=b', true],
  ])('project %j, target %j: inside %s', (project, target, want) => {
    const refusal = checkTargetSelector('team-a', project, target, 'targets[0].clusterSelector');
    expect(refusal === null).toBe(want);
    if (refusal) {
      expect(refusal.rule).toBe('clusterSelector');
      expect(refusal.message).toContain(`rule clusterSelector: ${project}`);
    }
  });

  it('names the requirement the target is missing', () => {
    expect(
      checkTargetSelector('team-a', 'team=a,env=prod', 'team=a', 'targets[1].clusterSelector')?.message,
    ).toBe(
      "targets[1].clusterSelector 'team=a' reaches clusters outside project 'team-a' (rule clusterSelector: team=a,env=prod; the selector must require env=prod)",
    );
  });

  it('refuses a selector that does not parse', () => {
    expect(() => checkTargetSelector('p', '', 'a in', 'targets[0].clusterSelector')).toThrow(
      InvalidInputError,
    );
  });
});

describe('validateProjectRules', () => {
  it('accepts the open rules and narrow ones', () => {
    expect(() =>
      validateProjectRules({ sources: [{ repository: '*' }], clusterSelector: '', objects: OPEN_POLICY }),
    ).not.toThrow();
    expect(() =>
      validateProjectRules({
        sources: [{ repository: 'platform', path: 'apps/team-a' }],
        clusterSelector: 'team=a',
        objects: {
          namespaces: ['team-a', 'team-a-*'],
          allowedKinds: [{ group: 'apps', kind: 'Deployment' }],
          deniedKinds: [{ group: 'rbac.authorization.k8s.io', kind: '*' }],
          allowSecrets: false,
        },
      }),
    ).not.toThrow();
  });

  it.each([
    [{ sources: [{ repository: 'bad name' }] }, 'sources[0].repository'],
    [{ sources: [{ repository: 'r', path: 'a/../b' }] }, 'sources[0].path'],
    [{ clusterSelector: 'team in' }, 'clusterSelector'],
    [{ objects: { ...OPEN_POLICY, namespaces: ['Team_A'] } }, 'objects.namespaces[0]'],
    [{ objects: { ...OPEN_POLICY, namespaces: ['-a'] } }, 'objects.namespaces[0]'],
    [
      { objects: { ...OPEN_POLICY, allowedKinds: [{ group: 'Apps!', kind: 'x' }] } },
      'objects.allowedKinds[0].group',
    ],
    [
      { objects: { ...OPEN_POLICY, deniedKinds: [{ group: '', kind: 'Con fig' }] } },
      'objects.deniedKinds[0].kind',
    ],
  ])('refuses %j naming %s', (rules, field) => {
    expect(() => validateProjectRules(rules)).toThrow(field);
  });
});
