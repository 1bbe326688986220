import { describe, expect, it } from 'vitest';
import {
  clusterGuardrailPolicy,
  OPEN_POLICY,
  projectObjectPolicy,
  type ObjectPolicy,
} from '../object-policy.js';
import {
  bundleChecker,
  checkBundle,
  describeRefusals,
  guardrailChecks,
  isOpenPolicy,
  plainSecretIds,
} from './bundle-policy.js';
import { type KubeObject, type RenderedBundle } from './render.types.js';

const TEAM_A: ObjectPolicy = {
  namespaces: ['team-a*'],
  allowedKinds: [],
  deniedKinds: [],
  allowSecrets: true,
};

const attack: KubeObject[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok', namespace: 'team-a' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'evil', namespace: 'kube-system' } },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'anon-admin' },
  },
];

describe('checkBundle', () => {
  it('names each refused object with its rule, in bundle order', () => {
    expect(checkBundle(TEAM_A, undefined, attack)).toEqual([
      {
        resource: '/ConfigMap/kube-system/evil',
        rule: 'namespaces',
        message: expect.stringContaining('ConfigMap kube-system/evil: namespace kube-system is not allowed'),
      },
      {
        resource: 'rbac.authorization.k8s.io/ClusterRoleBinding//anon-admin',
        rule: 'clusterScoped',
        message: expect.stringContaining('cluster-scoped kind'),
      },
    ]);
  });

  it('lets everything through the open policy', () => {
    expect(checkBundle(OPEN_POLICY, undefined, attack)).toEqual([]);
    expect(checkBundle(OPEN_POLICY, OPEN_POLICY, attack)).toEqual([]);
  });

  it('refuses what either of two policies refuses', () => {
    expect(checkBundle(OPEN_POLICY, TEAM_A, attack).map((r) => r.rule)).toEqual([
      'namespaces',
      'clusterScoped',
    ]);
    expect(checkBundle(TEAM_A, OPEN_POLICY, attack).map((r) => r.rule)).toEqual([
      'namespaces',
      'clusterScoped',
    ]);
  });

  it('takes a custom kind as cluster-scoped when a CRD of the bundle says so, or when told', () => {
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Cluster', names: { kind: 'Widget' } },
    };
    const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    const policy = TEAM_A;
    expect(checkBundle(policy, undefined, [crd, widget]).map((r) => r.rule)).toEqual([
      'clusterScoped',
      'clusterScoped',
    ]);
    // without the CRD the hub takes it as namespaced, and it has no namespace
    expect(checkBundle(policy, undefined, [widget]).map((r) => r.rule)).toEqual(['namespaces']);
    // the agent knows from discovery
    expect(checkBundle(policy, undefined, [widget], () => true).map((r) => r.rule)).toEqual([
      'clusterScoped',
    ]);
  });
});

describe('isOpenPolicy', () => {
  it.each<[string, ObjectPolicy, boolean]>([
    ['the open policy', OPEN_POLICY, true],
    ['restricted namespaces', TEAM_A, false],
    ['no Secrets', { ...OPEN_POLICY, allowSecrets: false }, false],
    ['a denied kind', { ...OPEN_POLICY, deniedKinds: [{ group: '', kind: 'Pod' }] }, false],
    ['cluster-scoped kinds not listed', { ...OPEN_POLICY, allowedKinds: [] }, false],
  ])('%s: %s', (_name, policy, open) => {
    expect(isOpenPolicy(policy)).toBe(open);
  });
});

describe('describeRefusals', () => {
  it('quotes a bounded number and counts the rest', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({
      resource: `/ConfigMap/x/c${i}`,
      rule: 'namespaces' as const,
      message: `m${i}`,
    }));
    const text = describeRefusals(many, 3);
    expect(text).toBe('policy refused 25 object(s): m0; m1; m2; and 22 more');
  });
});

describe('clusterGuardrailPolicy', () => {
  it('is the policy the agent builds from the same options', () => {
    expect(
      clusterGuardrailPolicy({
        allowedNamespaces: ['team-a'],
        allowClusterScoped: false,
        deniedKinds: ['Secret', 'rbac.authorization.k8s.io/*'],
      }),
    ).toEqual({
      namespaces: ['team-a'],
      allowedKinds: [],
      deniedKinds: [
        { group: '', kind: 'Secret' },
        { group: 'rbac.authorization.k8s.io', kind: '*' },
      ],
      allowSecrets: true,
    });
    expect(
      clusterGuardrailPolicy({ allowedNamespaces: ['team-a'], allowClusterScoped: true, deniedKinds: [] })
        .allowedKinds,
    ).toEqual([{ group: '*', kind: '*' }]);
  });
});

describe('bundleChecker with a cluster guardrail', () => {
  const bundle = { objects: attack, digest: 'd1' } as unknown as RenderedBundle;
  const guardrailOf = guardrailChecks();
  const narrow = guardrailOf({ allowedNamespaces: ['team-a'], allowClusterScoped: false, deniedKinds: [] });

  it('refuses what the guardrail refuses under the open project, as the agent words it', () => {
    const check = bundleChecker(OPEN_POLICY);
    expect(check(bundle)).toEqual([]);
    const refused = check(bundle, narrow);
    expect(refused).toEqual(
      checkBundle(
        clusterGuardrailPolicy({ allowedNamespaces: ['team-a'], allowClusterScoped: false, deniedKinds: [] }),
        OPEN_POLICY,
        attack,
      ),
    );
    expect(refused.map((r) => `${r.resource} ${r.rule}`)).toEqual([
      '/ConfigMap/kube-system/evil namespaces',
      'rbac.authorization.k8s.io/ClusterRoleBinding//anon-admin clusterScoped',
    ]);
  });

  it('checks the project rules too, and keeps verdicts apart per guardrail', () => {
    const check = bundleChecker({
      ...OPEN_POLICY,
      deniedKinds: [{ group: 'rbac.authorization.k8s.io', kind: '*' }],
    });
    const wide = guardrailOf({ allowedNamespaces: ['*'], allowClusterScoped: true, deniedKinds: [] });
    expect(check(bundle, wide).map((r) => r.rule)).toEqual(['deniedKinds']);
    expect(check(bundle, narrow).map((r) => r.rule)).toEqual(['namespaces', 'clusterScoped']);
    expect(check(bundle, null).map((r) => r.rule)).toEqual(['deniedKinds']);
  });

  it('reads each distinct guardrail once, and skips one it cannot read (the agent still enforces it)', () => {
    const again = guardrailOf({ allowedNamespaces: ['team-a'], allowClusterScoped: false, deniedKinds: [] });
    expect(again).toBe(narrow);
    expect(
      guardrailOf({ allowedNamespaces: ['x'], allowClusterScoped: false, deniedKinds: ['not a kind!'] }),
    ).toBeNull();
    expect(guardrailOf(null)).toBeNull();
  });
});

describe('plain Secrets (issue 17)', () => {
  const plain: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: 'team-a' },
  };
  const sops = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'team-a' },
    sops: { mac: 'ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]' },
  } as KubeObject;
  const crd = { apiVersion: 'example.com/v1', kind: 'Secret', metadata: { name: 'x', namespace: 'team-a' } };

  it('plainSecretIds names core Secrets that are not SOPS files', () => {
    expect(plainSecretIds([plain, sops, crd, attack[0]])).toEqual(['/Secret/team-a/creds']);
  });

  it("deny refuses plain Secrets, naming each one's file; a SOPS Secret passes; allowSecrets: false alike", () => {
    const deny = projectObjectPolicy(TEAM_A, 'deny');
    const refused = checkBundle(deny, undefined, [plain, sops], undefined, [
      'app/creds.yaml',
      'app/db.sops.yaml',
    ]);
    expect(refused).toEqual([
      {
        resource: '/Secret/team-a/creds',
        rule: 'allowSecrets',
        message: expect.stringMatching(
          /^app\/creds\.yaml: Secret team-a\/creds: plain Secrets are not allowed/,
        ),
      },
    ]);
    expect(checkBundle({ ...TEAM_A, allowSecrets: false }, undefined, [plain, sops])).toHaveLength(1);
    for (const mode of ['warn', 'allow'] as const) expect(projectObjectPolicy(TEAM_A, mode)).toBe(TEAM_A);
  });
});
