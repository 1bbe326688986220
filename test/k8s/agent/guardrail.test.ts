/**
 * The agent's guardrail and a job's object rules against a real API server: a bundle with any
 * refused object is applied not at all (never half), each refused object is named with its
 * rule, the server's discovery decides whether a kind is cluster-scoped, and neither a prune
 * nor a removal deletes an object outside the guardrail.
 */
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { Applier } from '../../../src/agent/apply/applier.js';
import { ConfigMapInventoryStore } from '../../../src/agent/apply/inventory-store.js';
import type { ReconcileRequest } from '../../../src/agent/apply/apply.types.js';
import { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import { guardrailPolicy, type ObjectPolicy } from '../../../src/domain/object-policy.js';
import { Unsealer } from '../../../src/agent/sealing/unsealer.js';
import { bundleOf, configMap, namespace, uniq, waitFor } from './agent-test-kit.js';

const STATE_NS = 'flotilla-agent-test';
let client: KubeClusterClient;

const cm = (ns: string, name: string) =>
  client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });

function applier(guardrail?: ObjectPolicy) {
  const a = new Applier(client, new ConfigMapInventoryStore(client, STATE_NS), { guardrail });
  return (applicationId: string, objects: readonly object[], extra: Partial<ReconcileRequest> = {}) =>
    a.reconcile({
      applicationId,
      applicationName: 'guarded',
      kind: 'sync',
      prune: true,
      force: false,
      fetchBundle: () => Promise.resolve(bundleOf(objects)),
      ...extra,
    });
}

const narrow = (ns: string) =>
  guardrailPolicy({ allowedNamespaces: [ns], allowClusterScoped: null, deniedKinds: [] });

beforeAll(async () => {
  client = KubeClusterClient.fromConfig({ kubeconfig: inject('k8sClusters')[0].kubeconfig });
  await client.apply(namespace(STATE_NS));
});

describe('guardrail and job rules in the applier', () => {
  it('refuses a bundle with objects outside the guardrail as a whole, naming each object and rule', async () => {
    const [a, b] = [uniq('team'), uniq('other')];
    for (const ns of [a, b]) await client.apply(namespace(ns));
    const crb = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: uniq('anon-admin') },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }],
    };
    const out = await applier(narrow(a))(uniq('app'), [
      configMap(a, 'fine', { x: '1' }),
      configMap(b, 'evil', { x: '1' }),
      crb,
    ]);
    expect(out.outcome).toBe('failed');
    expect(out.retryable).toBe(false);
    expect(out.message).toMatch(/^nothing applied: policy refused 2 object\(s\)/);
    expect(out.resources).toEqual([
      {
        id: `/ConfigMap/${a}/fine`,
        action: 'skipped',
        message: expect.stringContaining('refused by policy'),
      },
      {
        id: `/ConfigMap/${b}/evil`,
        action: 'failed',
        message: expect.stringContaining(
          `(rule namespaces): ConfigMap ${b}/evil: namespace ${b} is not allowed`,
        ),
      },
      {
        id: `rbac.authorization.k8s.io/ClusterRoleBinding//${crb.metadata.name}`,
        action: 'failed',
        message: expect.stringContaining('(rule clusterScoped)'),
      },
    ]);
    // never half-applied: not even the allowed object
    expect(await cm(a, 'fine')).toBeNull();
    expect(await cm(b, 'evil')).toBeNull();
    expect(
      await client.get({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        name: crb.metadata.name,
      }),
    ).toBeNull();
  });

  it('takes cluster scope from discovery: a cluster-scoped custom kind whose CRD is not in the bundle', async () => {
    const group = `${uniq('g')}.flotilla.test`;
    await client.apply({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `gadgets.${group}` },
      spec: {
        group,
        scope: 'Cluster',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    });
    const gadget = { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'g1' } };
    // the hub, without the CRD, would take it as namespaced; the server knows better
    const ns = uniq('team');
    const out = await waitFor('the kind to be served and refused', async () => {
      client.refreshDiscovery();
      const o = await applier(narrow(ns))(uniq('app'), [gadget]);
      return o.resources[0]?.message?.includes('rule clusterScoped') ? o : undefined;
    });
    expect(out.outcome).toBe('failed');
    expect(
      await client.get({ apiVersion: `${group}/v1`, kind: 'Gadget', name: 'g1' }).catch(() => null),
    ).toBeNull();
  });

  it('judges the Secret a SealedSecret becomes by the guardrail: one that denies Secrets is not passed by sealing', async () => {
    const ns = uniq('team');
    await client.apply(namespace(ns));
    const identity = await generateX25519Identity();
    const e = new Encrypter();
    e.addRecipient(await identityToRecipient(identity));
    const sealed = {
      apiVersion: 'flotilla.io/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 'db', namespace: ns },
      spec: {
        selector: 'env=prod',
        recipients: [],
        encryptedData: { password: Buffer.from(await e.encrypt('s3cret-value')).toString('base64') },
      },
    };
    const unsealer = new Unsealer(() => ({ identities: [identity], recipient: '' }));
    const noSecrets = guardrailPolicy({
      allowedNamespaces: [ns],
      allowClusterScoped: null,
      deniedKinds: [{ group: '', kind: 'Secret' }],
    });
    const out = await applier(noSecrets)(uniq('app'), [configMap(ns, 'cfg', { x: '1' }), sealed], {
      unseal: (objects) => unsealer.unseal(objects),
    });
    expect(out.outcome).toBe('failed');
    expect(out.resources).toContainEqual({
      id: `/Secret/${ns}/db`,
      action: 'failed',
      message: expect.stringContaining('(rule deniedKinds)'),
    });
    expect(JSON.stringify(out)).not.toContain('s3cret-value');
    expect(await client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'db' })).toBeNull();
    expect(await cm(ns, 'cfg')).toBeNull();
    // the same bundle under a guardrail that allows Secrets is applied, as a Secret
    const ok = await applier(narrow(ns))(uniq('app'), [sealed], {
      unseal: (objects) => unsealer.unseal(objects),
    });
    expect(ok.outcome, ok.message).toBe('succeeded');
    const secret = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'db' });
    expect(Buffer.from((secret!.data as Record<string, string>).password, 'base64').toString()).toBe(
      's3cret-value',
    );
  });

  it("refuses what the job's rules refuse, even with an open guardrail", async () => {
    const ns = uniq('team');
    await client.apply(namespace(ns));
    const out = await applier()(uniq('app'), [configMap(ns, 'cfg', { x: '1' })], {
      policy: { namespaces: ['somewhere-else'], allowedKinds: [], deniedKinds: [], allowSecrets: true },
    });
    expect(out.outcome).toBe('failed');
    expect(out.resources[0]).toMatchObject({
      action: 'failed',
      message: expect.stringContaining('(rule namespaces)'),
    });
    expect(await cm(ns, 'cfg')).toBeNull();
  });

  it('never prunes or removes an object outside the guardrail', async () => {
    const [a, b] = [uniq('team'), uniq('other')];
    for (const ns of [a, b]) await client.apply(namespace(ns));
    const app = uniq('app');
    // applied earlier by an agent installed without a guardrail
    expect(
      (await applier()(app, [configMap(a, 'keep', { x: '1' }), configMap(b, 'outside', { x: '1' })])).outcome,
    ).toBe('succeeded');
    // reinstalled narrowly: the next bundle drops the object outside; the prune leaves it
    const guarded = applier(narrow(a));
    const synced = await guarded(app, [configMap(a, 'keep', { x: '1' })]);
    expect(synced.outcome).toBe('succeeded');
    expect(synced.resources).toContainEqual({
      id: `/ConfigMap/${b}/outside`,
      action: 'skipped',
      message: expect.stringContaining('not deleted: outside policy (rule namespaces)'),
    });
    expect(synced.inventory).toContain(`/ConfigMap/${b}/outside`);
    expect(await cm(b, 'outside')).not.toBeNull();
    // removing the application deletes what is inside, and only that
    const removed = await guarded(app, [], { kind: 'remove' });
    expect(removed.outcome).toBe('succeeded');
    expect(removed.resources).toContainEqual(
      expect.objectContaining({ id: `/ConfigMap/${a}/keep`, action: 'deleted' }),
    );
    expect(removed.resources).toContainEqual(
      expect.objectContaining({ id: `/ConfigMap/${b}/outside`, action: 'skipped' }),
    );
    expect(await cm(b, 'outside')).not.toBeNull();
    await waitFor('keep deleted', async () => (await cm(a, 'keep')) === null);
  });
});
