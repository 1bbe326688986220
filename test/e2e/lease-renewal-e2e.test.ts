/**
 * Issue 16 end to end: a real hub with a 3 s job lease and a real agent process. The sync's
 * Helm-style pre-install/pre-upgrade Job gates it, then wave 0's Deployment stays unready for
 * three leases; the agent renews its lease meanwhile, so the job is never handed out again
 * (one attempt), and wave 1 is applied once the Deployment is ready. The test clusters run no
 * controllers or kubelets, so THE TEST ACTS AS THE JOB AND DEPLOYMENT CONTROLLERS: it writes
 * their status through the status subresource.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { countingClient, waitFor as pollUntil } from '../k8s/agent/agent-test-kit.js';
import { controllerFor } from '../k8s/agent/controller-kit.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { AgentProcess } from './agent-process.js';

const LEASE_SECONDS = 3;
const suffix = randomBytes(3).toString('hex');
const NS = `lease-${suffix}`;

const FILES = {
  'app/migrate.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: migrate:1
`,
  'app/db.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
spec:
  replicas: 2
  selector:
    matchLabels: { app: db }
  template:
    metadata:
      labels: { app: db }
    spec:
      containers:
        - name: db
          image: db:1
`,
  'app/settings.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  annotations:
    flotilla.io/sync-wave: "1"
data:
  ready: "yes"
`,
};

let git: VcsFixture;
let repo: VcsRepository;
let h: TestHub;
let kube: KubeClusterClient;
let controller: ReturnType<typeof controllerFor>;
let agent: AgentProcess | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitFor = <T>(what: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<NonNullable<T>> =>
  pollUntil(what, fn, timeoutMs, 100);

beforeAll(async () => {
  await promisify(execFile)(process.execPath, [
    'node_modules/typescript/bin/tsc',
    '-p',
    'tsconfig.build.json',
  ]);
  git = await gitFixture(false);
  repo = await git.createRepo();
  await git.externalCommit(repo, FILES, 'a migration, a database and its settings');
  h = await startTestHub(inject('postgresUrl'), {
    FLOTILLA_JOB_LEASE_SECONDS: String(LEASE_SECONDS),
    FLOTILLA_SWEEP_INTERVAL_MS: '200',
  });
  const r = await h.api('POST', '/api/v1/repositories', {
    body: { name: 'leased', type: 'git', url: repo.url, branch: repo.branch },
  });
  expect(r.status, r.text).toBe(201);
  const cluster = inject('k8sClusters')[0];
  const counting = countingClient(cluster.kubeconfig);
  kube = counting.client;
  controller = controllerFor(counting.client, counting.counter);
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const c = await h.api('POST', '/api/v1/clusters', {
    body: { name: `lease-${suffix}`, labels: { lease: suffix } },
  });
  expect(c.status, c.text).toBe(201);
  agent = await AgentProcess.start({
    name: `lease-${suffix}`,
    hubUrl: h.url,
    kubeconfig: cluster.kubeconfig,
    registrationToken: c.body.registration.token as string,
    extraArgs: ['--health-timeout', '60'],
  });
}, 180_000);

afterAll(async () => {
  await agent?.stop();
  kube?.close();
  await h?.close();
  await git?.close();
});

describe('a sync waiting longer than its job lease (issue 16)', () => {
  it('keeps its lease while a Helm pre-upgrade Job and an unready wave hold it, and succeeds on the first attempt', async () => {
    const res = await h.api('POST', '/api/v1/applications', {
      body: {
        name: `leased-${suffix}`,
        repositoryId: 'leased',
        path: 'app',
        targets: [{ clusterSelector: `lease=${suffix}`, namespace: NS }],
        syncPolicy: { automated: true, prune: true, selfHeal: false },
      },
    });
    expect(res.status, res.text).toBe(201);
    const appId = res.body.id as string;
    await h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
    const jobs = () =>
      h.sql<{ id: string; state: string; attempts: number }>(
        'SELECT id, state, attempts FROM reconcile_jobs WHERE application_id = $1',
        [appId],
      );
    const get = (apiVersion: string, kind: string, name: string) =>
      kube.get({ apiVersion, kind, namespace: NS, name });

    // PreSync: the Helm hook Job runs before anything else; the test completes it.
    await waitFor('the hook Job', () => get('batch/v1', 'Job', 'migrate'));
    expect(await get('apps/v1', 'Deployment', 'db')).toBeNull();
    await controller.finishJob(NS, 'migrate', true);

    // Wave 0 never becomes ready for three leases: the agent renews, nobody takes the job back.
    await waitFor('wave 0', () => get('apps/v1', 'Deployment', 'db'));
    await sleep(3 * LEASE_SECONDS * 1000);
    expect(await get('v1', 'ConfigMap', 'settings')).toBeNull();
    expect((await jobs()).map((j) => [j.state, j.attempts])).toEqual([['leased', 1]]);

    await controller.makeReady(NS, 'db');
    await waitFor('the job to succeed', async () => (await jobs())[0]?.state === 'succeeded');
    expect((await jobs()).map((j) => j.attempts)).toEqual([1]);
    expect((await get('v1', 'ConfigMap', 'settings'))?.data).toEqual({ ready: 'yes' });
    const audit = await h.api('GET', `/api/v1/audit?action=job.succeeded&application=${appId}&limit=10`);
    expect(audit.status, audit.text).toBe(200);
    expect(audit.body.items[0].details.hooks).toEqual([
      expect.objectContaining({
        phase: 'PreSync',
        resource: `batch/Job/${NS}/migrate`,
        outcome: 'succeeded',
      }),
    ]);
    expect(agent!.logs.some((l) => l.msg === 'job lease not renewed; renewals stop')).toBe(false);
  });
});
