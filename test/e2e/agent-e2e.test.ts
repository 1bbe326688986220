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
import { startTestHub, type TestHub } from '../support/hub-harness.js';
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

/** Polls `fn` every 100 ms until it returns a truthy value or the time is up. */
async function waitFor<T>(what: string, fn: () => Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

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
  for (const [name, repo, type] of [
    ['fleet-git', gitRepo, 'git'],
    ['fleet-svn', svnRepo, 'svn'],
  ] as const) {
    const r = await h.api('POST', '/api/v1/repositories', {
      body: {
        name,
        type,
        url: repo.url,
        ...(type === 'git' ? { branch: repo.branch } : { path: repo.path }),
        credentials: repo.credentials,
      },
    });
    expect(r.status, r.text).toBe(201);
  }
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
  for (const name of NAMES)
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
    const detected = await audit(`cluster=${clusterIds['prod-a']}&action=drift.*`);
    expect(detected.map((e) => e.action)).toEqual(
      expect.arrayContaining(['drift.detected', 'drift.corrected']),
    );
    expect(JSON.stringify(detected)).toContain('hacked');
  });

  it('a deleted managed object is recreated', async () => {
    await kube['prod-b'].delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'settings' });
    await waitFor(
      'recreated',
      async () => (await cm('prod-b', 'settings'))?.data?.greeting === 'changed',
      10_000,
    );
  });

  it('one invalid object: nothing applied, the job fails naming it', async () => {
    await put('fleet-git', 'shop/ok.yaml', configMapYaml('ok', { a: '1' }));
    await put(
      'fleet-git',
      'shop/bad.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad\nspec:\n  selector:\n    matchLabels:\n      app: bad\n  template:\n    metadata:\n      labels:\n        app: other\n    spec:\n      containers:\n        - name: c\n          image: x\n',
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
