/**
 * A staged rollout end to end on real components (issue 16): a hub process (`node
 * dist/src/main.js`, what `npm start` runs) on Postgres, three real agent processes, each on its own
 * real kube-apiserver, and a real Git server. The API servers run no controllers or kubelets, so
 * this test acts as the deployment controller: it writes each Deployment's status through the
 * status subresource (ready, or never ready), and the agents report the health they then compute.
 *
 * The hub is SIGKILLed while a batch is in flight; a new hub process on the same database carries
 * the rollout on from where its last commit left it, and every transition is audited once.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { freePort } from '../../src/hub/database/embedded-postgres.launcher.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { uniq, waitFor } from '../k8s/agent/agent-test-kit.js';
import { createTestDatabase, TEST_ALLOWED_HOSTS } from '../support/hub-harness.js';
import { type HubProcess, startHubProcess, stopHubProcess } from '../support/hub-process.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { AgentProcess } from './agent-process.js';

const run = promisify(execFile);
const ADMIN = `flt_rollout-e2e-admin-${'0123456789abcdef'.repeat(2)}`;
const NS = uniq('rollout-e2e');
const NAMES = ['canary', 'mid', 'last'] as const;

const manifests = (image: string) => ({
  'app/ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`,
  'app/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: main
          image: ${image}
`,
});

let dataDir: string;
let databaseUrl: string;
let db: pg.Pool;
let fx: VcsFixture;
let repo: VcsRepository;
let port: number;
let hub: HubProcess;
const agents: AgentProcess[] = [];
const kube: Record<string, KubeClusterClient> = {};

async function startHub(): Promise<HubProcess> {
  hub = await startHubProcess({
    port,
    env: {
      FLOTILLA_DATA_DIR: dataDir,
      FLOTILLA_ADMIN_TOKEN: ADMIN,
      DATABASE_URL: databaseUrl,
      FLOTILLA_REPOSITORY_ALLOWED_HOSTS: TEST_ALLOWED_HOSTS,
      FLOTILLA_ROLLOUT_INTERVAL_MS: '500',
      FLOTILLA_SWEEP_INTERVAL_MS: '1000',
      FLOTILLA_RECONCILE_INTERVAL_SECONDS: '2',
      FLOTILLA_POLL_TICK_MS: '0',
    },
  });
  return hub;
}

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(hub.url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? (JSON.parse(text) as Record<string, any>) : null };
}

const sql = async (text: string, params: unknown[] = []) => (await db.query(text, params)).rows;

/** The image the cluster's Deployment runs, or null when it has none. */
async function image(name: string): Promise<string | null> {
  const res = await kube[name].transport.request('GET', `/apis/apps/v1/namespaces/${NS}/deployments/web`);
  if (res.status === 404) return null;
  return (res.body as any).spec.template.spec.containers[0].image as string;
}

/** As the deployment controller would once the pods of the current generation are ready. */
async function makeReady(name: string): Promise<void> {
  const path = `/apis/apps/v1/namespaces/${NS}/deployments/web`;
  const live = (await kube[name].transport.request('GET', path)).body as any;
  const res = await kube[name].transport.request('PATCH', `${path}/status`, {
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

const rollout = async () => (await api('GET', '/api/v1/applications/web/rollout')).body!;

beforeAll(async () => {
  await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
  dataDir = await mkdtemp(join(tmpdir(), 'flotilla-rollout-e2e-'));
  await chmod(dataDir, 0o711);
  databaseUrl = await createTestDatabase(inject('postgresUrl'));
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  port = await freePort();
  fx = await gitFixture(false);
  repo = await fx.createRepo();
  await fx.externalCommit(repo, manifests('web:1'), 'web 1');
  await startHub();
  expect(
    (await api('POST', '/api/v1/repositories', { name: 'fleet', type: 'git', url: repo.url })).status,
  ).toBe(201);
  const clusters = inject('k8sClusters');
  for (const [i, name] of NAMES.entries()) {
    const c = await api('POST', '/api/v1/clusters', { name, labels: { ring: name } });
    expect(c.status, c.text).toBe(201);
    kube[name] = KubeClusterClient.fromConfig({ kubeconfig: clusters[i].kubeconfig });
    agents.push(
      await AgentProcess.start({
        name,
        hubUrl: hub.url,
        kubeconfig: clusters[i].kubeconfig,
        registrationToken: c.body!.registration.token,
      }),
    );
  }
  for (const name of NAMES)
    await waitFor(
      `${name} connected`,
      async () => (await api('GET', `/api/v1/clusters/${name}`)).body!.connectionState === 'Connected',
      60_000,
    );
}, 300_000);

afterAll(async () => {
  for (const a of agents) await a.stop();
  if (hub) await stopHubProcess(hub);
  await db?.end();
  await fx?.close();
  await rm(dataDir, { recursive: true, force: true });
  for (const name of NAMES)
    await kube[name]?.transport.request('DELETE', `/api/v1/namespaces/${NS}`).catch(() => undefined);
});

describe('a three-stage rollout on real clusters', () => {
  it('moves a cluster only after the one before it is Synced and Healthy, and survives a hub SIGKILL', async () => {
    const created = await api('POST', '/api/v1/applications', {
      name: 'web',
      repositoryId: 'fleet',
      path: 'app',
      targets: [{ clusterSelector: 'ring', namespace: NS }],
      syncPolicy: { automated: true, prune: true, selfHeal: true },
      rollout: {
        stages: NAMES.map((name) => ({ name, clusterSelector: `ring=${name}` })),
      },
    });
    expect(created.status, created.text).toBe(201);

    // the first rollout: each cluster gets web:1 only once the one before is ready
    for (const [i, name] of NAMES.entries()) {
      await waitFor(`${name} runs web:1`, async () => (await image(name)) === 'web:1', 60_000);
      for (const later of NAMES.slice(i + 1)) expect(await image(later)).toBeNull();
      await makeReady(name);
    }
    await waitFor('first rollout completed', async () => (await rollout()).state === 'completed', 60_000);

    // a new commit: canary first, then mid, whose batch is in flight when the hub dies
    await fx.externalCommit(repo, manifests('web:2'), 'web 2');
    await api('POST', '/api/v1/repositories/fleet/refresh');
    await waitFor('canary runs web:2', async () => (await image('canary')) === 'web:2', 60_000);
    expect(await image('mid')).toBe('web:1');
    await makeReady('canary');
    await waitFor('mid runs web:2', async () => (await image('mid')) === 'web:2', 60_000);
    expect((await rollout()).reason).toBe('cluster mid is not yet Synced and Healthy');

    hub.child.kill('SIGKILL');
    await hub.exited;
    const [row] = await sql(`SELECT state, position FROM rollouts ORDER BY created_at DESC LIMIT 1`);
    expect(row).toMatchObject({ state: 'progressing', position: { stage: 1, batch: 0 } });
    await makeReady('mid');
    expect(await image('last')).toBe('web:1');

    await startHub();
    await waitFor('last runs web:2', async () => (await image('last')) === 'web:2', 90_000);
    await makeReady('last');
    await waitFor('second rollout completed', async () => (await rollout()).state === 'completed', 60_000);

    // each transition once, in order, across both hub processes
    const events = await sql(
      `SELECT action, details->>'stage' AS stage FROM audit_events
        WHERE action LIKE 'rollout.%' AND revision = $1 ORDER BY seq`,
      [(await rollout()).revision],
    );
    expect(events.map((e) => `${e.action}${e.stage ? ` ${e.stage}` : ''}`)).toEqual([
      'rollout.started',
      'rollout.batch.started canary',
      'rollout.batch.healthy canary',
      'rollout.batch.started mid',
      'rollout.batch.healthy mid',
      'rollout.batch.started last',
      'rollout.batch.healthy last',
      'rollout.completed',
    ]);
    const verify = await api('GET', '/api/v1/audit/verify');
    expect(verify.body).toMatchObject({ ok: true });
  });
});
