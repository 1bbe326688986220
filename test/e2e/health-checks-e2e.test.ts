/**
 * Custom health checks end to end (issue 20): a hub process on Postgres, a real agent process
 * on a real kube-apiserver, and a real Git server. A Widget custom resource has no Ready
 * condition, so the built-in rules would call it Current as soon as it exists; a hub-wide CEL
 * rule makes it InProgress until its controller says `phase: Ready`. The API server runs no
 * controllers, so THE TEST ACTS AS THE WIDGET CONTROLLER. `consumer` depends on `widgets`, so
 * the rule also decides when `consumer` goes out — the cert-manager-before-its-users case. An
 * application's own rule for the same kind then wins over the hub's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { uniq, waitFor } from '../k8s/agent/agent-test-kit.js';
import { CLUSTER, startOneClusterFleet, type OneClusterFleet } from './one-cluster-fleet.js';

const ADMIN = `flt_health-e2e-admin-${'0123456789abcdef'.repeat(2)}`;
const NS = uniq('health-e2e');
const GROUP = `${uniq('widgets')}.flotilla.test`;
const WIDGET_ID = `${GROUP}/Widget/${NS}/main`;

const files = {
  'widgets/crd.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${GROUP}
spec:
  group: ${GROUP}
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
    - name: v1
      served: true
      storage: true
      subresources: {status: {}}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
            status: {type: object, x-kubernetes-preserve-unknown-fields: true}
`,
  'widgets/ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`,
  'widgets/widget.yaml': `apiVersion: ${GROUP}/v1\nkind: Widget\nmetadata:\n  name: main\n  namespace: ${NS}\nspec:\n  size: 1\n`,
  'consumer/config.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: consumer\n  namespace: ${NS}\ndata:\n  uses: widgets\n`,
};

const hubRule = {
  group: GROUP,
  kind: 'Widget',
  inProgress: 'status.?phase.orValue("Pending") == "Pending"',
  failed: 'status.?phase.orValue("") == "Broken"',
  current: 'status.?phase.orValue("") == "Ready"',
};

let fleet: OneClusterFleet;
let kube: KubeClusterClient;
const api = (method: string, path: string, body?: unknown) => fleet.api(method, path, body);

const onCluster = async (app: string) =>
  (await api('GET', `/api/v1/applications/${app}`)).body!.clusters.find(
    (c: { clusterName: string }) => c.clusterName === CLUSTER,
  );
const widgetStatus = async () =>
  ((await api('GET', '/api/v1/applications/widgets/resources')).body!.items as any[]).find(
    (r) => r.resource === WIDGET_ID,
  );
const consumerConfig = () =>
  kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'consumer' });

/** As the Widget controller would: writes the status subresource. */
async function setPhase(phase: string): Promise<void> {
  const res = await kube.transport.request(
    'PATCH',
    `/apis/${GROUP}/v1/namespaces/${NS}/widgets/main/status`,
    {
      body: { status: { phase } },
      contentType: 'application/merge-patch+json',
    },
  );
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  fleet = await startOneClusterFleet({ admin: ADMIN, files, message: 'widgets and their consumer' });
  kube = fleet.kube;
}, 300_000);

afterAll(async () => {
  await fleet?.close([
    `/api/v1/namespaces/${NS}`,
    `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${GROUP}`,
  ]);
});

describe('a hub-wide CEL health check, on a real cluster', () => {
  it('keeps a Ready-less custom resource InProgress until its controller says Ready, holding what depends on it', async () => {
    const refused = await api('POST', '/api/v1/health-checks', { ...hubRule, current: 'status.phase ==' });
    expect(refused.status).toBe(400);
    expect(refused.body!.problems[0]).toMatchObject({ field: 'current', position: { line: 1, column: 16 } });
    const created = await api('POST', '/api/v1/health-checks', hubRule);
    expect(created.status, created.text).toBe(201);

    const app = (name: string, dependsOn: string[] = []) =>
      api('POST', '/api/v1/applications', {
        name,
        repositoryId: 'fleet',
        path: name,
        targets: [{ clusterSelector: 'env=prod' }],
        syncPolicy: { automated: true, prune: true, selfHeal: false },
        dependsOn,
      });
    expect((await app('widgets')).status).toBe(201);
    const consumer = await app('consumer', ['widgets']);
    expect(consumer.status, consumer.text).toBe(201);

    const pending = await waitFor(
      'the Widget judged by the rule',
      async () => {
        const row = await widgetStatus();
        return row?.health === 'InProgress' ? row : undefined;
      },
      90_000,
    );
    expect(pending.healthMessage).toBe(`health check ${GROUP}/Widget: inProgress is true`);
    const held = await waitFor(
      'consumer held for widgets',
      async () => {
        const row = await onCluster('consumer');
        return row?.waitingFor === `waiting for widgets on ${CLUSTER}: InProgress` ? row : undefined;
      },
      60_000,
    );
    expect(held.sync).toBe('OutOfSync');
    expect(await consumerConfig()).toBeNull();

    // the controller reports a failure: the agent's drift watch reports it to the hub
    await setPhase('Broken');
    await waitFor('widgets Failed', async () => (await widgetStatus())?.health === 'Failed', 60_000);
    expect(await consumerConfig()).toBeNull();

    // the controller reports it ready: widgets is healthy, consumer goes out
    await setPhase('Ready');
    await waitFor('consumer applied', async () => (await consumerConfig()) !== null, 90_000);
    expect(await onCluster('widgets')).toMatchObject({ sync: 'Synced', health: 'Current' });

    // an application's own rule for the kind wins over the hub's, from its next job on
    const updated = await api('PATCH', '/api/v1/applications/widgets', {
      healthChecks: [{ group: GROUP, kind: 'Widget', current: 'status.?size.orValue(0) > 0' }],
    });
    expect(updated.status, updated.text).toBe(200);
    expect((await api('POST', '/api/v1/applications/widgets/sync', {})).status).toBeLessThan(300);
    const own = await waitFor(
      'the Widget judged by the application rule',
      async () => {
        const row = await widgetStatus();
        return row?.health === 'InProgress' && String(row.healthMessage).includes('no expression is true yet')
          ? row
          : undefined;
      },
      90_000,
    );
    expect(own.healthMessage).toContain(`health check ${GROUP}/Widget`);
  });
});
