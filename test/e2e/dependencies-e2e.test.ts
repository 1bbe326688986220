/**
 * Dependencies between applications end to end (issue 20): a hub process on Postgres, a real
 * agent process on a real kube-apiserver, and a real Git server. The API server runs no
 * controllers, so this test acts as the deployment controller: `web` depends on `base`, whose
 * Deployment is not ready, so `web` is held with the reason shown; once the test marks the
 * Deployment ready the agent reports it healthy and `web`'s job goes out and syncs.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { freePort } from '../../src/hub/database/embedded-postgres.launcher.js';
import { uniq, waitFor } from '../k8s/agent/agent-test-kit.js';
import { createTestDatabase, TEST_ALLOWED_HOSTS } from '../support/hub-harness.js';
import { type HubProcess, startHubProcess, stopHubProcess } from '../support/hub-process.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { AgentProcess } from './agent-process.js';

const run = promisify(execFile);
const ADMIN = `flt_depends-e2e-admin-${'0123456789abcdef'.repeat(2)}`;
const NS = uniq('depends-e2e');
const CLUSTER = 'prod-eu-1';

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

let dataDir: string;
let fx: VcsFixture;
let hub: HubProcess;
let agent: AgentProcess | undefined;
let kube: KubeClusterClient;

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(hub.url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? (JSON.parse(text) as Record<string, any>) : null };
}

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
  await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
  dataDir = await mkdtemp(join(tmpdir(), 'flotilla-depends-e2e-'));
  await chmod(dataDir, 0o711);
  const databaseUrl = await createTestDatabase(inject('postgresUrl'));
  fx = await gitFixture(false);
  const repo = await fx.createRepo();
  await fx.externalCommit(repo, files, 'base and web');
  hub = await startHubProcess({
    port: await freePort(),
    env: {
      FLOTILLA_DATA_DIR: dataDir,
      FLOTILLA_ADMIN_TOKEN: ADMIN,
      DATABASE_URL: databaseUrl,
      FLOTILLA_REPOSITORY_ALLOWED_HOSTS: TEST_ALLOWED_HOSTS,
      // a long periodic look: the release seen here comes from the agent's status report
      FLOTILLA_SWEEP_INTERVAL_MS: '600000',
      FLOTILLA_RECONCILE_INTERVAL_SECONDS: '0',
      FLOTILLA_POLL_TICK_MS: '0',
    },
  });
  expect(
    (await api('POST', '/api/v1/repositories', { name: 'fleet', type: 'git', url: repo.url })).status,
  ).toBe(201);
  const cluster = inject('k8sClusters')[0];
  const c = await api('POST', '/api/v1/clusters', { name: CLUSTER, labels: { env: 'prod' } });
  expect(c.status, c.text).toBe(201);
  kube = KubeClusterClient.fromConfig({ kubeconfig: cluster.kubeconfig });
  agent = await AgentProcess.start({
    name: CLUSTER,
    hubUrl: hub.url,
    kubeconfig: cluster.kubeconfig,
    registrationToken: c.body!.registration.token,
  });
  await waitFor(
    'agent connected',
    async () => (await api('GET', `/api/v1/clusters/${CLUSTER}`)).body!.connectionState === 'Connected',
    60_000,
  );
}, 300_000);

afterAll(async () => {
  await agent?.stop();
  if (hub) await stopHubProcess(hub);
  await fx?.close();
  await rm(dataDir, { recursive: true, force: true });
  await kube?.transport.request('DELETE', `/api/v1/namespaces/${NS}`).catch(() => undefined);
  kube?.close();
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
