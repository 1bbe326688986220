import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { FLOTILLA_LABELS } from '../../src/domain/apply/flotilla-marks.js';
import type { LiveObject } from '../../src/domain/health/health.types.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { RepositoryPollerService } from '../../src/hub/repositories/repository-poller.service.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { waitFor as pollUntil } from '../k8s/agent/agent-test-kit.js';
import { registerRepository, startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, svnFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { AgentProcess } from './agent-process.js';

const NAMES = ['prod-a', 'prod-b', 'dev-c'] as const;
const LABELS = { 'prod-a': 'prod', 'prod-b': 'prod', 'dev-c': 'dev' } as const;
const NS = 'shop';

let git: VcsFixture;
let svn: VcsFixture;
let h: TestHub;
let gitRepo: VcsRepository;
let svnRepo: VcsRepository;
let operator: string;
const kube: Record<string, KubeClusterClient> = {};
const agents: Record<string, AgentProcess> = {};
const clusterIds: Record<string, string> = {};
let gitApp: string;

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
async function poll(): Promise<void> {
  await h.sql("UPDATE repositories SET next_poll_at = now() - interval '1 second'");
  await h.hub.app.get(RepositoryPollerService).tick();
  await settle();
}

/** The kit's poll at the end-to-end pace: every 100 ms, for 20 s unless told otherwise. */
const waitFor = <T>(what: string, fn: () => Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> =>
  pollUntil(what, fn, timeoutMs, 100);

/** A ConfigMap of the shop namespace (data typed loosely: tests read arbitrary keys). */
const cm = (
  cluster: string,
  name: string,
): Promise<(LiveObject & { data?: Record<string, string> }) | null> =>
  kube[cluster].get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name });

async function put(repoName: string, path: string, content: string): Promise<void> {
  const res = await h.api('PUT', `/api/v1/repositories/${repoName}/files/${path}`, {
    token: operator,
    body: { content, message: `update ${path}` },
  });
  expect(res.status, res.text).toBe(200);
}

async function del(repoName: string, path: string): Promise<void> {
  const res = await h.api('DELETE', `/api/v1/repositories/${repoName}/files/${path}`, {
    token: operator,
    body: { message: `remove ${path}` },
  });
  expect(res.status, res.text).toBe(200);
}

/** Waits until no job is queued or leased anywhere. */
const jobsDone = () =>
  waitFor('jobs done', async () => {
    const [{ n }] = await h.sql<{ n: number }>(
      "SELECT count(*)::int n FROM reconcile_jobs WHERE state IN ('queued', 'leased')",
    );
    return n === 0;
  });

const audit = async (query: string) =>
  (await h.api('GET', `/api/v1/audit?${query}`, { token: operator })).body.items as {
    action: string;
    resource: string | null;
    details: Record<string, unknown>;
  }[];

const configMapYaml = (name: string, data: Record<string, string>, annotations = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${annotations}data:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"`)
    .join('\n')}\n`;

beforeAll(async () => {
  await promisify(execFile)(process.execPath, [
    'node_modules/typescript/bin/tsc',
    '-p',
    'tsconfig.build.json',
  ]);
  git = await gitFixture(false);
  svn = await svnFixture('svnserve');
  h = await startTestHub(inject('postgresUrl'));
  operator = await h.token('operator', 'deployer');
  gitRepo = await git.createRepo();
  await git.externalCommit(
    gitRepo,
    { 'shop/ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n` },
    'init',
  );
  svnRepo = await svn.createRepo();
  await svn.externalCommit(
    svnRepo,
    { 'dev/ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n` },
    'init',
  );
  await registerRepository(h, 'fleet-git', gitRepo);
  await registerRepository(h, 'fleet-svn', svnRepo);
  const clusters = inject('k8sClusters');
  await Promise.all(
    NAMES.map(async (name, i) => {
      const c = await h.api('POST', '/api/v1/clusters', { body: { name, labels: { env: LABELS[name] } } });
      expect(c.status, c.text).toBe(201);
      clusterIds[name] = c.body.id;
      kube[name] = KubeClusterClient.fromConfig({ kubeconfig: clusters[i].kubeconfig });
      agents[name] = await AgentProcess.start({
        name,
        hubUrl: h.url,
        kubeconfig: clusters[i].kubeconfig,
        registrationToken: c.body.registration.token,
      });
    }),
  );
  // A fourth cluster on the second API server whose agent RBAC denies everything.
  const locked = await h.api('POST', '/api/v1/clusters', {
    body: { name: 'locked', labels: { env: 'locked' } },
  });
  expect(locked.status, locked.text).toBe(201);
  clusterIds.locked = locked.body.id;
  agents.locked = await AgentProcess.start({
    name: 'locked',
    hubUrl: h.url,
    kubeconfig: clusters[1].limitedKubeconfig,
    registrationToken: locked.body.registration.token,
  });
  for (const name of [...NAMES, 'locked'])
    await waitFor(
      `${name} registered`,
      async () => (await h.api('GET', `/api/v1/clusters/${name}`)).body.connectionState === 'Connected',
    );
  const a = await h.api('POST', '/api/v1/applications', {
    body: {
      name: 'shop',
      repositoryId: 'fleet-git',
      path: 'shop',
      targets: [{ clusterSelector: 'env=prod', namespace: NS, values: { greeting: 'hello-prod' } }],
      syncPolicy: { automated: true, prune: true, selfHeal: true },
    },
  });
  expect(a.status, a.text).toBe(201);
  gitApp = a.body.id;
  const b = await h.api('POST', '/api/v1/applications', {
    body: {
      name: 'dev-tools',
      repositoryId: 'fleet-svn',
      path: 'dev',
      targets: [{ clusterSelector: 'env=dev', namespace: NS, values: { greeting: 'hello-dev' } }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    },
  });
  expect(b.status, b.text).toBe(201);
}, 180_000);

afterAll(async () => {
  await Promise.all(Object.values(agents).map((a) => a.stop()));
  for (const k of Object.values(kube)) k.close();
  await h?.close();
  await git?.close();
  await svn?.close();
});

describe('agents end to end', () => {
  it('a commit through the REST API reaches exactly the matching clusters, substituted', async () => {
    await put(
      'fleet-git',
      'shop/settings.yaml',
      configMapYaml('settings', { greeting: '${values.greeting}', env: '${cluster.labels.env}' }),
    );
    await put(
      'fleet-svn',
      'dev/settings.yaml',
      configMapYaml('settings', { greeting: '${values.greeting}' }),
    );
    await poll();
    for (const name of ['prod-a', 'prod-b']) {
      const obj = await waitFor(`settings in ${name}`, () => cm(name, 'settings'));
      expect(obj.data).toEqual({ greeting: 'hello-prod', env: 'prod' });
      expect(obj.metadata.labels![FLOTILLA_LABELS.application]).toBe(gitApp);
    }
    const dev = await waitFor('settings in dev-c', () => cm('dev-c', 'settings'));
    expect(dev.data).toEqual({ greeting: 'hello-dev' });
    expect(dev.metadata.labels![FLOTILLA_LABELS.application]).not.toBe(gitApp);
    await waitFor(
      'job results',
      async () =>
        (
          await h.sql<{ n: number }>("SELECT count(*)::int n FROM reconcile_jobs WHERE state = 'succeeded'")
        )[0].n >= 3,
    );
  });

  it('a change updates, a deleted file is pruned, prune: disabled survives', async () => {
    await put(
      'fleet-git',
      'shop/settings.yaml',
      configMapYaml('settings', { greeting: 'changed', env: '${cluster.labels.env}' }),
    );
    await put('fleet-git', 'shop/extra.yaml', configMapYaml('extra', { a: '1' }));
    await put(
      'fleet-git',
      'shop/keep.yaml',
      configMapYaml('keep', { a: '1' }, '  annotations:\n    flotilla.io/prune: disabled\n'),
    );
    await poll();
    await waitFor(
      'changed + extra',
      async () =>
        (await cm('prod-a', 'settings'))?.data?.greeting === 'changed' &&
        (await cm('prod-a', 'extra')) &&
        (await cm('prod-a', 'keep')),
    );
    await del('fleet-git', 'shop/extra.yaml');
    await del('fleet-git', 'shop/keep.yaml');
    await poll();
    await waitFor(
      'extra pruned',
      async () => (await cm('prod-a', 'extra')) === null && (await cm('prod-b', 'extra')) === null,
    );
    expect(await cm('prod-a', 'keep')).not.toBeNull();
  });

  it('drift by another field manager is corrected with selfHeal, only reported without', async () => {
    // Every commit through the API deploys at once: let the last jobs finish, or an intrusion
    // made during one is put right by that job's apply, not reported as drift.
    await jobsDone();
    const intrude = (cluster: string) =>
      kube[cluster].transport.request(
        'PATCH',
        `/api/v1/namespaces/${NS}/configmaps/settings?fieldManager=intruder`,
        {
          contentType: 'application/merge-patch+json',
          body: { data: { greeting: 'hacked' } },
        },
      );
    expect((await intrude('prod-a')).status).toBe(200);
    await waitFor(
      'self-heal in prod-a',
      async () => (await cm('prod-a', 'settings'))?.data?.greeting === 'changed',
      10_000,
    );
    expect((await intrude('dev-c')).status).toBe(200);
    await waitFor(
      'drift reported for dev-c',
      async () => (await audit(`cluster=${clusterIds['dev-c']}&action=drift.detected`)).length > 0,
    );
    expect((await cm('dev-c', 'settings'))!.data!.greeting).toBe('hacked');
    // The agent reports after correcting: the report may still be on its way when dev-c's is in.
    const detected = await waitFor('drift reported and corrected for prod-a', async () => {
      const rows = await audit(`cluster=${clusterIds['prod-a']}&action=drift.*`);
      const hacked = rows.filter((e) => JSON.stringify(e.details).includes('hacked'));
      return hacked.some((e) => e.action === 'drift.detected') &&
        hacked.some((e) => e.action === 'drift.corrected')
        ? rows
        : undefined;
    });
    // Only the intrusion drifted: the agent's own applies (three commits in a row above) were
    // never reported as drift, whatever its watch cache still held.
    expect(detected.map((e) => e.action).sort()).toEqual(['drift.corrected', 'drift.detected']);
  });

  it('a deleted managed object is recreated', async () => {
    await kube['prod-b'].delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'settings' });
    await waitFor(
      'recreated',
      async () => (await cm('prod-b', 'settings'))?.data?.greeting === 'changed',
      10_000,
    );
  });

  it('a rollout the controller finishes after the job shows on the hub without a new job', async () => {
    await put(
      'fleet-git',
      'shop/web.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: c\n          image: x\n',
    );
    await poll();
    const id = `apps/Deployment/${NS}/web`;
    const health = async () =>
      (
        await h.api('GET', `/api/v1/applications/shop/resources?cluster=${clusterIds['prod-a']}`)
      ).body.items.find((r: { resource: string }) => r.resource === id)?.health as string | undefined;
    // No controller runs here: the job result reports the rollout as waiting.
    expect(await waitFor('web applied with its health', health)).toBe('InProgress');
    const jobs = async () => (await h.sql<{ n: number }>('SELECT count(*)::int n FROM reconcile_jobs'))[0].n;
    const before = await jobs();
    // Play the deployment controller: status through the status subresource, under its manager.
    const status = await kube['prod-a'].transport.request(
      'PATCH',
      `/apis/apps/v1/namespaces/${NS}/deployments/web/status?fieldManager=kube-controller-manager`,
      {
        contentType: 'application/merge-patch+json',
        body: {
          status: {
            observedGeneration: 1,
            replicas: 2,
            updatedReplicas: 2,
            readyReplicas: 2,
            availableReplicas: 2,
            conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }],
          },
        },
      },
    );
    expect(status.status).toBe(200);
    await waitFor('Current on the hub', async () => (await health()) === 'Current');
    expect(await jobs()).toBe(before);
    // Health moving is not drift: nothing is audited as drift for it.
    const drift = await audit(`resource=${encodeURIComponent(id)}&action=drift.*`);
    expect(drift).toEqual([]);
    await del('fleet-git', 'shop/web.yaml');
    await poll();
    await waitFor(
      'web pruned',
      async () =>
        (
          await h.sql<{ n: number }>(`SELECT count(*)::int n FROM resource_status WHERE resource = $1`, [id])
        )[0].n === 0,
    );
  });

  it('one invalid object: nothing applied, the job fails naming it', async () => {
    // One commit with both files: a commit through the API deploys at once, file by file.
    await git.externalCommit(
      gitRepo,
      {
        'shop/ok.yaml': configMapYaml('ok', { a: '1' }),
        'shop/bad.yaml':
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad\nspec:\n  selector:\n    matchLabels:\n      app: bad\n  template:\n    metadata:\n      labels:\n        app: other\n    spec:\n      containers:\n        - name: c\n          image: x\n',
      },
      'ok and bad',
    );
    await poll();
    const failed = await waitFor('job failed', async () => {
      const rows = await audit(`cluster=${clusterIds['prod-a']}&action=job.failed`);
      return rows.length > 0 ? rows : undefined;
    });
    expect(JSON.stringify(failed[0].details)).toContain(`apps/Deployment/${NS}/bad`);
    expect(JSON.stringify(failed[0].details)).toContain('selector');
    expect(await cm('prod-a', 'ok')).toBeNull();
    await del('fleet-git', 'shop/bad.yaml');
    await poll();
    await waitFor('ok applied after the fix', () => cm('prod-a', 'ok'));
  });

  it('a CRD and a custom resource of it in one commit: both appear', async () => {
    await put(
      'fleet-git',
      'shop/widgets.yaml',
      [
        'apiVersion: apiextensions.k8s.io/v1',
        'kind: CustomResourceDefinition',
        'metadata:',
        '  name: widgets.e2e.flotilla.test',
        'spec:',
        '  group: e2e.flotilla.test',
        '  scope: Namespaced',
        '  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }',
        '  versions:',
        '    - name: v1',
        '      served: true',
        '      storage: true',
        '      schema:',
        '        openAPIV3Schema:',
        '          type: object',
        '          properties:',
        '            spec: { type: object, properties: { size: { type: integer } } }',
        '---',
        'apiVersion: e2e.flotilla.test/v1',
        'kind: Widget',
        'metadata:',
        '  name: w1',
        'spec:',
        '  size: 3',
        '',
      ].join('\n'),
    );
    await poll();
    for (const name of ['prod-a', 'prod-b']) {
      const widget = await waitFor(`widget in ${name}`, () =>
        kube[name].get({ apiVersion: 'e2e.flotilla.test/v1', kind: 'Widget', namespace: NS, name: 'w1' }),
      );
      expect(widget.spec).toEqual({ size: 3 });
      expect(widget.metadata.labels![FLOTILLA_LABELS.application]).toBe(gitApp);
      const crd = await kube[name].get({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        name: 'widgets.e2e.flotilla.test',
      });
      expect(crd!.metadata.labels![FLOTILLA_LABELS.application]).toBe(gitApp);
    }
    expect(await kube['dev-c'].resolveGroupKind('e2e.flotilla.test', 'Widget')).toBeNull();
  });

  it('an agent RBAC denies everything: the job fails naming each object as forbidden; the agent keeps running', async () => {
    const app = await h.api('POST', '/api/v1/applications', {
      body: {
        name: 'locked-app',
        repositoryId: 'fleet-git',
        path: 'locked',
        targets: [{ clusterSelector: 'env=locked', namespace: 'locked' }],
        syncPolicy: { automated: true, prune: true, selfHeal: true },
      },
    });
    expect(app.status, app.text).toBe(201);
    await put('fleet-git', 'locked/settings.yaml', configMapYaml('settings', { a: '1' }));
    await poll();
    const [failed] = await waitFor('job failed', async () => {
      const rows = await audit(`cluster=${clusterIds.locked}&action=job.failed`);
      return rows.length > 0 ? rows : undefined;
    });
    const forbidden = /forbidden: User "flotilla-limited" cannot patch resource "configmaps"/;
    expect(failed.details).toMatchObject({ willRetry: false, counts: { failed: 1 } });
    expect(failed.details.failed).toEqual([
      { resource: '/ConfigMap/locked/settings', message: expect.stringMatching(forbidden) },
    ]);
    const view = await h.api('GET', '/api/v1/applications/locked-app', { token: operator });
    const status = (
      view.body.clusters as {
        clusterName: string;
        sync: string;
        message: string;
        lastJob: { error: string };
      }[]
    ).find((c) => c.clusterName === 'locked')!;
    expect(status.sync).toBe('Failed');
    expect(status.lastJob.error).toContain('/ConfigMap/locked/settings');
    expect(status.lastJob.error).toMatch(forbidden);
    expect(status.message).toMatch(forbidden);
    expect(agents.locked.running).toBe(true);
    expect(await agents.locked.healthz()).toBe(200);
    // Still polling: a manual sync is received and fails the same way.
    const sync = await h.api('POST', '/api/v1/applications/locked-app/sync', { token: operator });
    expect(sync.status, sync.text).toBeLessThan(300);
    await settle();
    await waitFor(
      'second attempt reported',
      async () => (await audit(`cluster=${clusterIds.locked}&action=job.failed`)).length === 2,
    );
    expect(await agents.locked.healthz()).toBe(200);
  });

  it('a namespace being deleted: refused per object, retried with backoff, applied once it is gone', async () => {
    const doomed = 'doomed';
    const client = kube['dev-c'];
    await client.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: doomed, finalizers: ['flotilla.test/hold'] },
    });
    await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: doomed });
    const app = await h.api('POST', '/api/v1/applications', {
      body: {
        name: 'doomed-app',
        repositoryId: 'fleet-git',
        path: 'doomed',
        targets: [{ clusterSelector: 'env=dev', namespace: doomed }],
        syncPolicy: { automated: true, prune: true, selfHeal: true },
      },
    });
    expect(app.status, app.text).toBe(201);
    await put(
      'fleet-git',
      'doomed/all.yaml',
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${doomed}\n---\n${configMapYaml('settings', { a: '1' })}`,
    );
    await poll();
    const [refused] = await waitFor('job refused', async () => {
      const rows = await audit(`cluster=${clusterIds['dev-c']}&action=job.failed`);
      const mine = rows.filter((r) => JSON.stringify(r.details.failed ?? []).includes(doomed));
      return mine.length > 0 ? mine : undefined;
    });
    expect(refused.details.willRetry).toBe(true);
    expect(refused.details.failed).toEqual([
      {
        resource: `/ConfigMap/${doomed}/settings`,
        message: expect.stringContaining(
          `unable to create new content in namespace ${doomed} because it is being terminated`,
        ),
      },
    ]);
    expect(await agents['dev-c'].healthz()).toBe(200);

    // The deletion completes (no namespace controller here: the test finalizes it), then the
    // retry — due after its backoff, brought forward — recreates the namespace and converges.
    await client.mergePatch(
      { apiVersion: 'v1', kind: 'Namespace', name: doomed },
      { metadata: { finalizers: null } },
    );
    const fin = await client.transport.request('PUT', `/api/v1/namespaces/${doomed}/finalize`, {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: doomed }, spec: { finalizers: [] } },
    });
    expect(fin.status).toBe(200);
    await waitFor(
      'namespace gone',
      async () => (await client.get({ apiVersion: 'v1', kind: 'Namespace', name: doomed })) === null,
    );
    const [job] = await h.sql<{ id: string; not_before: Date; updated_at: Date }>(
      "SELECT id, not_before, updated_at FROM reconcile_jobs WHERE application_id = $1 AND state = 'queued'",
      [app.body.id],
    );
    expect(job.not_before.getTime() - job.updated_at.getTime()).toBeGreaterThanOrEqual(4000);
    await h.sql('UPDATE reconcile_jobs SET not_before = now() WHERE id = $1', [job.id]);
    await waitFor(
      'applied after the namespace was gone',
      () => client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: doomed, name: 'settings' }),
      15_000,
    );
    await waitFor('job succeeded', async () =>
      (await audit(`cluster=${clusterIds['dev-c']}&action=job.succeeded`)).some(
        (r) => r.details.jobId === job.id,
      ),
    );
  });

  it('an agent killed mid-apply resumes after a restart and converges; the job is reported once', async () => {
    const BULK = 'bulk';
    const COUNT = 300;
    const app = await h.api('POST', '/api/v1/applications', {
      body: {
        name: 'bulk',
        repositoryId: 'fleet-git',
        path: 'bulk',
        targets: [{ clusterSelector: 'env=dev', namespace: BULK }],
        syncPolicy: { automated: true, prune: true, selfHeal: true },
      },
    });
    expect(app.status, app.text).toBe(201);
    const docs = [`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${BULK}\n`];
    for (let i = 0; i < COUNT; i++)
      docs.push(
        configMapYaml(`cm-${String(i).padStart(3, '0')}`, { index: String(i), payload: 'x'.repeat(200) }),
      );
    await put('fleet-git', 'bulk/all.yaml', docs.join('---\n'));
    const client = kube['dev-c'];
    const applied = async () =>
      (
        await client.list('v1', 'ConfigMap', {
          namespace: BULK,
          labelSelector: `${FLOTILLA_LABELS.application}=${app.body.id}`,
        })
      ).items.length;
    await poll();
    // Kill as soon as the apply is under way (the dry-run of all 300 comes first).
    await waitFor(
      'apply under way',
      async () =>
        (await client.get({ apiVersion: 'v1', kind: 'Namespace', name: BULK })) !== null &&
        (await applied()) > 0,
      30_000,
    );
    await agents['dev-c'].kill();
    const atKill = await applied();
    expect(atKill).toBeLessThan(COUNT);
    const [job] = await h.sql<{ id: string; state: string }>(
      'SELECT id, state FROM reconcile_jobs WHERE application_id = $1',
      [app.body.id],
    );
    expect(job.state).toBe('leased');

    agents['dev-c'].spawn();
    await waitFor('all objects applied', async () => (await applied()) === COUNT, 60_000);
    await waitFor('job succeeded', async () =>
      (await audit(`cluster=${clusterIds['dev-c']}&action=job.succeeded`)).some(
        (r) => r.details.jobId === job.id,
      ),
    );
    const done = await h.sql<{ state: string; attempts: number }>(
      'SELECT state, attempts FROM reconcile_jobs WHERE id = $1',
      [job.id],
    );
    expect(done).toEqual([{ state: 'succeeded', attempts: 1 }]);
    // Give a duplicate report the time to show up if there were one.
    await new Promise((r) => setTimeout(r, 1500));
    const succeeded = (await audit(`cluster=${clusterIds['dev-c']}&action=job.succeeded`)).filter(
      (r) => r.details.jobId === job.id,
    );
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0].details.counts).toMatchObject({ unchanged: expect.any(Number) });
    const counts = succeeded[0].details.counts as Record<string, number>;
    expect((counts.created ?? 0) + counts.unchanged).toBe(COUNT + 1);
    expect(counts.unchanged).toBeGreaterThanOrEqual(atKill);
  }, 120_000);

  it('with the hub down self-heal continues; a new hub on the same database receives the reports once', async () => {
    const port = new URL(h.url).port;
    const databaseUrl = h.databaseUrl;
    // Agents hold keep-alive connections (heartbeats, long-polls) that would keep the hub's
    // server.close() waiting for its 65 s keep-alive timeout: cut them, as a crash would.
    const server: Server = h.hub.app.getHttpServer();
    const closing = h.close();
    server.closeAllConnections();
    await closing;
    const intrude = await kube['prod-a'].transport.request(
      'PATCH',
      `/api/v1/namespaces/${NS}/configmaps/settings?fieldManager=intruder`,
      {
        contentType: 'application/merge-patch+json',
        body: { data: { greeting: 'while-hub-down' } },
      },
    );
    expect(intrude.status).toBe(200);
    await waitFor(
      'reverted without hub',
      async () => (await cm('prod-a', 'settings'))?.data?.greeting === 'changed',
      10_000,
    );
    // An agent restarted while the hub is down still enforces the stored desired state.
    await agents['prod-b'].stop();
    agents['prod-b'].spawn();
    await waitFor('prod-b enforcing', () =>
      Promise.resolve(agents['prod-b'].messages('stored desired state enforced').length > 0),
    );
    await kube['prod-b'].delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'settings' });
    await waitFor('recreated by the restarted agent', () => cm('prod-b', 'settings'), 10_000);

    h = await startTestHub(inject('postgresUrl'), { DATABASE_URL: databaseUrl, PORT: port });
    await waitFor(
      'buffered drift reports arrive',
      async () => {
        const rows = await audit(`cluster=${clusterIds['prod-a']}&action=drift.detected`);
        return rows.some((r) => JSON.stringify(r.details).includes('while-hub-down'));
      },
      30_000,
    );
    await new Promise((r) => setTimeout(r, 2500));
    const rows = await audit(`cluster=${clusterIds['prod-a']}&action=drift.detected`);
    expect(rows.filter((r) => JSON.stringify(r.details).includes('while-hub-down'))).toHaveLength(1);
  }, 90_000);

  it('the audit trail tells the story, by cluster and by resource', async () => {
    const byCluster = (await audit(`cluster=${clusterIds['prod-a']}`)).map((e) => e.action);
    expect(byCluster).toEqual(
      expect.arrayContaining([
        'cluster.registered',
        'job.succeeded',
        'job.failed',
        'drift.detected',
        'drift.corrected',
      ]),
    );
    const byResource = (await audit(`resource=${encodeURIComponent(`/ConfigMap/${NS}/settings`)}`)).map(
      (e) => e.action,
    );
    expect(byResource).toEqual(expect.arrayContaining(['drift.detected', 'drift.corrected']));
  });
});
