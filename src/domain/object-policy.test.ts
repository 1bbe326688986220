import { describe, expect, it } from 'vitest';
import {
  checkBoth,
  checkObject,
  checkObjects,
  globMatches,
  guardrailPolicy,
  isNamespacePattern,
  parseGroupKind,
  OPEN_POLICY,
  type ObjectPolicy,
  type PolicySubject,
} from './object-policy.js';

const subject = (over: Partial<PolicySubject>): PolicySubject => ({
  group: '',
  kind: 'ConfigMap',
  namespace: 'team-a',
  name: 'x',
  clusterScoped: false,
  ...over,
});

const TEAM_A: ObjectPolicy = {
  namespaces: ['team-a', 'team-a-*'],
  allowedKinds: [],
  deniedKinds: [{ group: 'rbac.authorization.k8s.io', kind: '*' }],
  allowSecrets: false,
};

describe('globMatches', () => {
  it.each([
    ['team-a', 'team-a', true],
    ['team-a', 'team-ab', false],
    ['team-*', 'team-a', true],
    ['team-*', 'team-', true],
    ['team-*', 'other', false],
    ['*', '', true],
    ['*-prod', 'x-prod', true],
    ['*-prod', 'x-prod-2', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'acb', false],
    ['ab*ab', 'ab', false],
    ['ab*ab', 'abab', true],
  ])('%s against %s is %s', (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });
});

describe('checkObject', () => {
  it('lets everything through the open policy, cluster-scoped kinds included', () => {
    expect(
      checkObject(
        OPEN_POLICY,
        subject({
          kind: 'ClusterRoleBinding',
          group: 'rbac.authorization.k8s.io',
          namespace: '',
          clusterScoped: true,
        }),
      ),
    ).toEqual({ allowed: true });
    expect(checkObject(OPEN_POLICY, subject({ kind: 'Secret', namespace: 'kube-system' }))).toEqual({
      allowed: true,
    });
  });

  it.each<[string, Partial<PolicySubject>, string | null]>([
    ['a ConfigMap in its namespace', {}, null],
    ['a ConfigMap in a globbed namespace', { namespace: 'team-a-dev' }, null],
    ['a ConfigMap in kube-system', { namespace: 'kube-system' }, 'namespaces'],
    ['a namespaced object without a namespace', { namespace: '' }, 'namespaces'],
    [
      'a ClusterRoleBinding',
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', namespace: '', clusterScoped: true },
      'deniedKinds',
    ],
    [
      'a RoleBinding in its namespace',
      { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
      'deniedKinds',
    ],
    ['a plain Secret', { kind: 'Secret' }, 'allowSecrets'],
    ['a Secret-named kind of another group', { group: 'example.com', kind: 'Secret' }, null],
    [
      'a Namespace object',
      { kind: 'Namespace', namespace: '', name: 'team-a', clusterScoped: true },
      'clusterScoped',
    ],
    [
      'a custom cluster-scoped kind',
      { group: 'example.com', kind: 'Thing', namespace: '', clusterScoped: true },
      'clusterScoped',
    ],
  ])('%s', (_, over, rule) => {
    const d = checkObject(TEAM_A, subject(over));
    if (rule === null) expect(d).toEqual({ allowed: true });
    else expect(d).toMatchObject({ allowed: false, rule });
  });

  it('allows a listed cluster-scoped kind, and a Namespace only by an allowed name', () => {
    const p: ObjectPolicy = {
      ...TEAM_A,
      allowedKinds: [
        { group: '', kind: 'Namespace' },
        { group: '', kind: 'ConfigMap' },
      ],
    };
    expect(
      checkObject(p, subject({ kind: 'Namespace', namespace: '', name: 'team-a-dev', clusterScoped: true })),
    ).toEqual({ allowed: true });
    expect(
      checkObject(p, subject({ kind: 'Namespace', namespace: '', name: 'kube-system', clusterScoped: true })),
    ).toMatchObject({ allowed: false, rule: 'namespaces' });
    expect(checkObject(p, subject({ kind: 'Service' }))).toMatchObject({
      allowed: false,
      rule: 'allowedKinds',
    });
  });

  it('names the object and the rule in its message', () => {
    const d = checkObject(
      TEAM_A,
      subject({
        group: 'rbac.authorization.k8s.io',
        kind: 'ClusterRoleBinding',
        namespace: '',
        name: 'pwn',
        clusterScoped: true,
      }),
    );
    expect(d).toEqual({
      allowed: false,
      rule: 'deniedKinds',
      message:
        'rbac.authorization.k8s.io/ClusterRoleBinding pwn: kind rbac.authorization.k8s.io/ClusterRoleBinding is denied (rule deniedKinds: rbac.authorization.k8s.io/*)',
    });
    expect(checkObject(TEAM_A, subject({ namespace: 'kube-system', name: 'cm' }))).toMatchObject({
      message:
        'ConfigMap kube-system/cm: namespace kube-system is not allowed (rule namespaces: team-a, team-a-*)',
    });
  });
});

describe('checkObjects and checkBoth', () => {
  it('lists every refusal in order', () => {
    const refused = checkObjects(TEAM_A, [
      subject({}),
      subject({ kind: 'Secret', name: 's' }),
      subject({ namespace: 'x', name: 'y' }),
    ]);
    expect(refused.map((r) => [r.subject.name, r.rule])).toEqual([
      ['s', 'allowSecrets'],
      ['y', 'namespaces'],
    ]);
  });

  it('needs both policies to allow', () => {
    const guard: ObjectPolicy = { ...OPEN_POLICY, namespaces: ['team-a'] };
    expect(checkBoth(guard, undefined, subject({}))).toEqual({ allowed: true });
    expect(checkBoth(guard, TEAM_A, subject({ kind: 'Secret' }))).toMatchObject({ rule: 'allowSecrets' });
    expect(checkBoth(guard, OPEN_POLICY, subject({ namespace: 'team-a-dev' }))).toMatchObject({
      rule: 'namespaces',
    });
  });
});

describe('guardrailPolicy', () => {
  const crb = subject({
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRoleBinding',
    namespace: '',
    clusterScoped: true,
  });

  it('lets everything through when no option is given (existing installs keep working)', () => {
    const p = guardrailPolicy({ allowedNamespaces: null, allowClusterScoped: null, deniedKinds: [] });
    expect(checkObject(p, crb)).toEqual({ allowed: true });
    expect(checkObject(p, subject({ namespace: 'kube-system' }))).toEqual({ allowed: true });
  });

  it('shuts out cluster-scoped kinds once namespaces are given, unless allowed', () => {
    const narrow = guardrailPolicy({
      allowedNamespaces: ['team-a'],
      allowClusterScoped: null,
      deniedKinds: [],
    });
    expect(checkObject(narrow, crb)).toMatchObject({ allowed: false, rule: 'clusterScoped' });
    expect(checkObject(narrow, subject({ namespace: 'kube-system' }))).toMatchObject({ rule: 'namespaces' });
    expect(checkObject(narrow, subject({}))).toEqual({ allowed: true });
    const wide = guardrailPolicy({
      allowedNamespaces: ['team-a'],
      allowClusterScoped: true,
      deniedKinds: [],
    });
    expect(checkObject(wide, crb)).toEqual({ allowed: true });
    const noCluster = guardrailPolicy({
      allowedNamespaces: null,
      allowClusterScoped: false,
      deniedKinds: [],
    });
    expect(checkObject(noCluster, crb)).toMatchObject({ rule: 'clusterScoped' });
    expect(checkObject(noCluster, subject({ namespace: 'kube-system' }))).toEqual({ allowed: true });
  });

  it('refuses denied kinds', () => {
    const p = guardrailPolicy({
      allowedNamespaces: null,
      allowClusterScoped: null,
      deniedKinds: [parseGroupKind('rbac.authorization.k8s.io/*')],
    });
    expect(checkObject(p, crb)).toMatchObject({ rule: 'deniedKinds' });
  });
});

describe('parseGroupKind', () => {
  it.each([
    ['Secret', { group: '', kind: 'Secret' }],
    [
      'rbac.authorization.k8s.io/ClusterRoleBinding',
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
    ],
    ['rbac.authorization.k8s.io/*', { group: 'rbac.authorization.k8s.io', kind: '*' }],
    ['*/*', { group: '*', kind: '*' }],
  ])('%s', (text, gk) => {
    expect(parseGroupKind(text)).toEqual(gk);
  });

  it.each(['', 'apps/', '/Deployment', 'Bad Kind', 'apps/v1/Deployment', 'APPS/Deployment'])(
    'refuses %j',
    (text) => {
      expect(() => parseGroupKind(text)).toThrow(/is not a group\/Kind/);
    },
  );
});

describe('isNamespacePattern', () => {
  it.each([
    ['team-a', true],
    ['team-a-*', true],
    ['*', true],
    ['Team', false],
    ['a b', false],
    ['', false],
  ])('%s: %s', (text, ok) => {
    expect(isNamespacePattern(text)).toBe(ok);
  });
});
