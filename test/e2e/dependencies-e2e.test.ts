/**
 * Dependencies between applications end to end (issue 20): a hub process on Postgres, a real
 * agent process on a real kube-apiserver, and a real Git server. The API server runs no
 * controllers, so this test acts as the deployment controller: `web` depends on `base`, whose
 * Deployment is not ready, so `web` is held with the reason shown; once the test marks the
 * Deployment ready the agent reports it healthy and `web`'s job goes out and syncs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { uniq, waitFor } from '../k8s/agent/agent-test-kit.js';
import { CLUSTER, startOneClusterFleet, type OneClusterFleet } from './one-cluster-fleet.js';

const ADMIN = `flt_depends-e2e-admin-${'0123456789abcdef'.repeat(2)}`;
const NS = uniq('depends-e2e');

const files = {
  'base/ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`,
  'base/operator.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: operator
  namespace: ${NS}
spec:
  replicas: 1
  selector:
    matchLabels: {app: operator}
  template:
    metadata:
      labels: {app: operator}
    spec:
      containers:
        - name: main
          image: operator:1
`,
  'web/config.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: ${NS}\ndata:\n  uses: operator\n`,
};

let fleet: OneClusterFleet;
let kube: KubeClusterClient;
const api = (method: string, path: string, body?: unknown) => fleet.api(method, path, body);

const webConfig = () => kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'web' });
const webOnCluster = async () =>
  (await api('GET', '/api/v1/applications/web')).body!.clusters.find(
    (c: { clusterName: string }) => c.clusterName === CLUSTER,
  );

/** As the deployment controller would once the operator's pods are ready. */
async function makeReady(): Promise<void> {
  const path = `/apis/apps/v1/namespaces/${NS}/deployments/operator`;
  const live = (await kube.transport.request('GET', path)).body as any;
  const res = await kube.transport.request('PATCH', `${path}/status`, {
    body: {
      status: {
        observedGeneration: live.metadata.generation,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
        conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }],
      },
    },
    contentType: 'application/merge-patch+json',
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  fleet = await startOneClusterFleet({ admin: ADMIN, files, message: 'base and web' });
  kube = fleet.kube;
}, 300_000);

afterAll(async () => {
  await fleet?.close([`/api/v1/namespaces/${NS}`]);
});

describe('an application that depends on another, on a real cluster', () => {
  it('is held with the reason until its dependency is healthy there, then syncs', async () => {
    const app = (name: string, dependsOn: string[] = []) =>
      api('POST', '/api/v1/applications', {
        name,
        repositoryId: 'fleet',
        path: name,
        targets: [{ clusterSelector: 'env=prod' }],
        syncPolicy: { automated: true, prune: true, selfHeal: false },
        dependsOn,
      });
    expect((await app('base')).status).toBe(201);
    const web = await app('web', ['base']);
    expect(web.status, web.text).toBe(201);

    // base is applied, but its Deployment never becomes ready on its own: web waits, saying why
    await waitFor(
      'the operator Deployment applied',
      async () =>
        (await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'operator' })) !==
        null,
      60_000,
    );
    const held = await waitFor(
      'web held for base being unhealthy',
      async () => {
        const row = await webOnCluster();
        return row?.waitingFor === `waiting for base on ${CLUSTER}: InProgress` ? row : undefined;
      },
      60_000,
    );
    expect(held.sync).toBe('OutOfSync');
    expect(await webConfig()).toBeNull();
    const jobs = await api('GET', '/api/v1/applications/web/history');
    expect(jobs.body!.items).toEqual([]);

    // the test, as the deployment controller, makes base healthy: web goes out and syncs
    await makeReady();
    await waitFor('web applied', async () => (await webConfig()) !== null, 60_000);
    const synced = await waitFor(
      'web Synced',
      async () => {
        const row = await webOnCluster();
        return row?.sync === 'Synced' && row.waitingFor === null ? row : undefined;
      },
      60_000,
    );
    expect(synced.message).toBeNull();
    const base = (await api('GET', '/api/v1/applications/base')).body!.clusters[0];
    expect(base).toMatchObject({ sync: 'Synced', health: 'Current' });

    // removal in reverse order: base is refused while web depends on it
    const refused = await api('DELETE', '/api/v1/applications/base');
    expect(refused.status).toBe(409);
    expect(refused.body!.message).toContain("'base' is a dependency of 'web'");
  });
});
