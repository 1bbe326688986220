import { beforeAll, describe, expect, inject, it } from 'vitest';
import { FLOTILLA_ANNOTATIONS, FLOTILLA_LABELS } from '../../../src/domain/apply/flotilla-marks.js';
import type { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import {
  applierFor,
  configMap,
  countingClient,
  deployment,
  namespace,
  uniq,
  type CountingTransport,
} from './agent-test-kit.js';

const STATE_NS = 'flotilla-agent-test';
let client: KubeClusterClient;
let counter: CountingTransport;

const cm = (ns: string, name: string) =>
  client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
const actions = (resources: { id: string; action: string }[]) =>
  Object.fromEntries(resources.map((r) => [r.id, r.action]));

beforeAll(async () => {
  ({ client, counter } = countingClient(inject('k8sClusters')[0].kubeconfig));
  await client.apply(namespace(STATE_NS));
});

describe('applier against a real API server', () => {
  it('applies Namespace, ConfigMap, Deployment, CRD and custom resource, then re-syncs with zero writes', async () => {
    const ns = uniq('apply');
    const group = `${uniq('g')}.flotilla.test`;
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
              },
            },
          },
        ],
      },
    };
    const widget = {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'w1', namespace: ns },
      spec: { size: 3 },
    };
    const bundle = [
      widget,
      deployment(ns, 'web', 'nginx:1'),
      configMap(ns, 'settings', { a: '1' }),
      crd,
      namespace(ns),
    ];
    const { run } = applierFor(client, STATE_NS, uniq('app'));

    const first = await run(bundle);
    expect(first.outcome, first.message).toBe('succeeded');
    expect(first.resources.map((r) => r.action)).toEqual(Array(5).fill('created'));
    // Applied in order: Namespace and CRD first, the custom resource last.
    expect(first.resources[0].id).toMatch(/Namespace|CustomResourceDefinition/);
    expect(first.resources.at(-1)!.id).toBe(`${group}/Widget/${ns}/w1`);
    const live = await cm(ns, 'settings');
    expect(live!.metadata.labels![FLOTILLA_LABELS.application]).toBeTruthy();
    expect(live!.metadata.annotations![FLOTILLA_ANNOTATIONS.owner]).toMatch(/^test-app\//);
    const w = await client.get({ apiVersion: `${group}/v1`, kind: 'Widget', namespace: ns, name: 'w1' });
    expect(w!.spec).toEqual({ size: 3 });
    expect(first.inventory).toHaveLength(5);

    counter.reset();
    const again = await run(bundle);
    expect(again.outcome).toBe('succeeded');
    expect(again.resources.map((r) => r.action)).toEqual(Array(5).fill('unchanged'));
    expect(counter.writes).toEqual([]);
    expect((await cm(ns, 'settings'))!.metadata.resourceVersion).toBe(live!.metadata.resourceVersion);

    // A real change writes exactly that object.
    counter.reset();
    const changed = await run(
      bundle.map((o) => (o === bundle[2] ? configMap(ns, 'settings', { a: '2' }) : o)),
    );
    expect(actions(changed.resources)[`/ConfigMap/${ns}/settings`]).toBe('configured');
    expect(counter.writes).toHaveLength(1);
  });

  it('one invalid object: nothing applied, the failure names it with the API server message', async () => {
    const ns = uniq('invalid');
    await client.apply(namespace(ns));
    const bad = deployment(ns, 'broken', 'nginx:1');
    (bad.spec.template.spec as { containers: unknown[] }).containers = [];
    const { run } = applierFor(client, STATE_NS, uniq('app'));
    counter.reset();
    const res = await run([configMap(ns, 'fine', { a: '1' }), bad]);
    expect(res.outcome).toBe('failed');
    expect(res.retryable).toBe(false);
    const failed = res.resources.find((r) => r.action === 'failed')!;
    expect(failed.id).toBe(`apps/Deployment/${ns}/broken`);
    expect(failed.message).toMatch(/spec\.template\.spec\.containers: Required value/);
    expect(res.message).toContain(`apps/Deployment/${ns}/broken`);
    expect(actions(res.resources)[`/ConfigMap/${ns}/fine`]).toBe('skipped');
    expect(await cm(ns, 'fine')).toBeNull();
    expect(counter.writes).toEqual([]);
  });

  it('a custom resource whose CRD is missing fails with a clear message', async () => {
    const ns = uniq('nocrd');
    await client.apply(namespace(ns));
    const { run } = applierFor(client, STATE_NS, uniq('app'));
    const res = await run([
      { apiVersion: 'nowhere.flotilla.test/v1', kind: 'Gadget', metadata: { name: 'g', namespace: ns } },
    ]);
    expect(res.outcome).toBe('failed');
    expect(res.resources[0].message).toContain('is its CustomResourceDefinition installed?');
  });

  it('prune deletes dropped objects, keeps prune-disabled and no-longer-owned ones', async () => {
    const ns = uniq('prune');
    await client.apply(namespace(ns));
    const { run } = applierFor(client, STATE_NS, uniq('app'));
    const keep = configMap(ns, 'keep', { a: '1' }, { [FLOTILLA_ANNOTATIONS.prune]: 'disabled' });
    const first = await run([
      configMap(ns, 'a', {}),
      configMap(ns, 'b', {}),
      keep,
      configMap(ns, 'adopted', {}),
    ]);
    expect(first.outcome).toBe('succeeded');
    // Someone else adopts one object: our marks are gone.
    await client.mergePatch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'adopted' },
      {
        metadata: {
          labels: { [FLOTILLA_LABELS.application]: null },
          annotations: { [FLOTILLA_ANNOTATIONS.owner]: null },
        },
      },
    );
    const second = await run([configMap(ns, 'a', {})]);
    expect(second.outcome, second.message).toBe('succeeded');
    expect(actions(second.resources)).toMatchObject({
      [`/ConfigMap/${ns}/a`]: 'unchanged',
      [`/ConfigMap/${ns}/b`]: 'deleted',
      [`/ConfigMap/${ns}/keep`]: 'skipped',
      [`/ConfigMap/${ns}/adopted`]: 'skipped',
    });
    expect(await cm(ns, 'b')).toBeNull();
    expect(await cm(ns, 'keep')).not.toBeNull();
    expect(await cm(ns, 'adopted')).not.toBeNull();
    expect(second.inventory).toEqual([`/ConfigMap/${ns}/a`, `/ConfigMap/${ns}/keep`]);
  });

  it('removal jobs: prune deletes everything owned, no prune strips the marks and leaves the objects', async () => {
    const ns = uniq('remove');
    await client.apply(namespace(ns));
    const one = applierFor(client, STATE_NS, uniq('app'));
    await one.run([configMap(ns, 'x', {})]);
    const gone = await one.run([], { kind: 'remove' });
    expect(gone.outcome).toBe('succeeded');
    expect(await cm(ns, 'x')).toBeNull();

    const two = applierFor(client, STATE_NS, uniq('app'));
    await two.run([configMap(ns, 'y', {})]);
    const left = await two.run([], { kind: 'remove', prune: false });
    expect(left.outcome).toBe('succeeded');
    const y = await cm(ns, 'y');
    expect(y).not.toBeNull();
    expect(y!.metadata.labels?.[FLOTILLA_LABELS.application]).toBeUndefined();
    expect(y!.metadata.annotations?.[FLOTILLA_ANNOTATIONS.owner]).toBeUndefined();
  });

  it('an immutable field change is reported without force and recreated with flotilla.io/force: enabled', async () => {
    const ns = uniq('immutable');
    await client.apply(namespace(ns));
    const job = (image: string, annotations?: Record<string, string>) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace: ns, ...(annotations ? { annotations } : {}) },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image }] } } },
    });
    const { run } = applierFor(client, STATE_NS, uniq('app'));
    expect((await run([job('migrate:1')])).outcome).toBe('succeeded');
    const uid = (await client.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: 'migrate' }))!
      .metadata.uid;

    const refused = await run([job('migrate:2')]);
    expect(refused.outcome).toBe('failed');
    expect(refused.retryable).toBe(false);
    expect(refused.resources[0].message).toMatch(/field is immutable/);
    expect(refused.resources[0].message).toContain('flotilla.io/force: enabled');

    const forced = await run([job('migrate:2', { [FLOTILLA_ANNOTATIONS.force]: 'enabled' })]);
    expect(forced.outcome, forced.message).toBe('succeeded');
    expect(forced.resources[0]).toMatchObject({
      action: 'configured',
      message: expect.stringContaining('recreated'),
    });
    const after = await client.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: 'migrate' });
    expect(after!.metadata.uid).not.toBe(uid);
    expect(JSON.stringify(after!.spec)).toContain('migrate:2');
  });

  it('RBAC denial of the agent gives a clear per-object error', async () => {
    const cluster = inject('k8sClusters')[0];
    const ns = uniq('rbac');
    const other = uniq('rbac-denied');
    for (const n of [ns, other]) await client.apply(namespace(n));
    // The limited user may manage ConfigMaps in `ns` and its state namespace, nothing else.
    for (const n of [ns, STATE_NS]) {
      await client.apply({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'cm-admin', namespace: n },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['*'] }],
      });
      await client.apply({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'cm-admin', namespace: n },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-admin' },
        subjects: [{ kind: 'User', name: 'flotilla-limited', apiGroup: 'rbac.authorization.k8s.io' }],
      });
    }
    const limited = countingClient(cluster.limitedKubeconfig).client;
    const { run } = applierFor(limited, STATE_NS, uniq('app'));
    // RBAC bindings take a moment to reach the authorizer's cache.
    let res = await run([configMap(ns, 'allowed', {}), configMap(other, 'denied', {})]);
    for (
      let i = 0;
      i < 50 && res.resources.some((r) => r.id.includes('allowed') && r.action === 'failed');
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
      res = await run([configMap(ns, 'allowed', {}), configMap(other, 'denied', {})]);
    }
    expect(res.outcome).toBe('failed');
    const denied = res.resources.find((r) => r.id === `/ConfigMap/${other}/denied`)!;
    expect(denied.action).toBe('failed');
    expect(denied.message).toMatch(/forbidden: User "flotilla-limited" cannot patch resource "configmaps"/);
    expect(await cm(ns, 'allowed')).toBeNull();
  });

  it('reports Deployment health from its status subresource', async () => {
    const ns = uniq('health');
    await client.apply(namespace(ns));
    const { run } = applierFor(client, STATE_NS, uniq('app'));
    const first = await run([deployment(ns, 'api', 'api:1')]);
    expect(first.resources[0].health).toBe('InProgress');
    const live = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'api' });
    const res = await client.transport.request(
      'PATCH',
      `/apis/apps/v1/namespaces/${ns}/deployments/api/status`,
      {
        contentType: 'application/merge-patch+json',
        body: {
          status: {
            observedGeneration: live!.metadata.generation,
            replicas: 2,
            updatedReplicas: 2,
            readyReplicas: 2,
            availableReplicas: 2,
            conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }],
          },
        },
      },
    );
    expect(res.status).toBe(200);
    const second = await run([deployment(ns, 'api', 'api:1')]);
    expect(second.resources[0]).toMatchObject({ action: 'unchanged', health: 'Current' });
  });
});
