import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DispatchSweeperService } from '../../src/hub/dispatch/dispatch-sweeper.service.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { RepositoryPollerService } from '../../src/hub/repositories/repository-poller.service.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const DEPLOY = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels:\n    env: \${cluster.labels.env}\nspec:\n  replicas: \${values.replicas}\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${image}\n`;
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  ports:\n    - port: 80\n';

let fx: VcsFixture;
let h: TestHub;
let repo: VcsRepository;
const agents: Record<string, ProtocolAgent> = {};
const clusterIds: Record<string, string> = {};
let appId: string;

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
async function poll() {
  // A second in the past: the database clock has microseconds, the hub's milliseconds.
  await h.sql("UPDATE repositories SET next_poll_at = now() - interval '1 second'");
  expect(await h.hub.app.get(RepositoryPollerService).tick()).toBe(1);
  await settle();
}
const app = async () => (await h.api('GET', `/api/v1/applications/${appId}`)).body;
const jobsOf = (cluster: string) =>
  h.sql<{ state: string; kind: string; revision: string; attempts: number; bundle_digest: string }>(
    `SELECT state, kind, revision, attempts, bundle_digest FROM reconcile_jobs WHERE cluster_id = $1 ORDER BY created_at`,
    [clusterIds[cluster]],
  );

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  repo = await fx.createRepo();
  await fx.externalCommit(
    repo,
    { 'apps/web/deploy.yaml': DEPLOY('api:1'), 'apps/web/svc.yaml': SERVICE, 'other/readme.yaml': SERVICE },
    'initial',
  );
  const r = await h.api('POST', '/api/v1/repositories', {
    body: { name: 'fleet', type: 'git', url: repo.url },
  });
  expect(r.status).toBe(201);
  await h.api('POST', `/api/v1/repositories/fleet/refresh`);
  for (const [name, env] of [
    ['prod-eu', 'prod'],
    ['prod-us', 'prod'],
    ['dev-1', 'dev'],
  ] as const) {
    const c = await h.api('POST', '/api/v1/clusters', { body: { name, labels: { env } } });
    clusterIds[name] = c.body.id;
    agents[name] = new ProtocolAgent(h.url);
    const reg = await agents[name].register(c.body.registration.token);
    expect(reg.status).toBe(201);
  }
  await settle();
});
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('agent registration', () => {
  it('a registration token works once', async () => {
    const c = await h.api('POST', '/api/v1/clusters', { body: { name: 'once-only' } });
    const a = new ProtocolAgent(h.url);
    expect((await a.register(c.body.registration.token)).status).toBe(201);
    const again = await new ProtocolAgent(h.url).register(c.body.registration.token);
    expect(again.status).toBe(401);
    expect(again.body.message).toContain('already used');
    expect((await a.call('POST', '/heartbeat', { agentVersion: 'x' })).status).toBe(204);
  });

  it('an expired registration token is refused', async () => {
    const c = await h.api('POST', '/api/v1/clusters', { body: { name: 'too-late' } });
    await h.sql(
      "UPDATE clusters SET registration_token_expires_at = now() - interval '1 second' WHERE id = $1",
      [c.body.id],
    );
    const res = await new ProtocolAgent(h.url).register(c.body.registration.token);
    expect(res.status).toBe(401);
    expect(res.body.message).toContain('expired');
  });

  it('a registered cluster shows Connected with its versions', async () => {
    const c = await h.api('GET', '/api/v1/clusters/prod-eu');
    expect(c.body).toMatchObject({
      connectionState: 'Connected',
      registered: true,
      agentVersion: 'test-0.1',
      kubernetesVersion: 'v1.37.2',
    });
  });
});

describe('applications and dispatch', () => {
  it('an application selecting env=prod gets jobs for exactly the matching clusters', async () => {
    const res = await h.api('POST', '/api/v1/applications', {
      body: {
        name: 'web',
        repositoryId: 'fleet',
        path: 'apps/web',
        targets: [{ clusterSelector: 'env=prod', namespace: 'web', values: { replicas: 3 } }],
        syncPolicy: { automated: true, prune: true, selfHeal: true },
      },
    });
    expect(res.status).toBe(201);
    appId = res.body.id;
    expect(await agents['dev-1'].poll()).toEqual([]);
    for (const name of ['prod-eu', 'prod-us']) {
      const jobs = await agents[name].poll();
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({
        kind: 'sync',
        applicationName: 'web',
        prune: true,
        selfHeal: true,
        attempt: 1,
      });
      const objects = await agents[name].bundle(jobs[0].bundleDigest!);
      const deploy = objects.find((o) => o.kind === 'Deployment')!;
      expect(deploy.metadata.namespace).toBe('web');
      expect(deploy.metadata.labels).toEqual({ env: 'prod' });
      expect((deploy.spec as { replicas: unknown }).replicas).toBe('3');
      expect((await agents[name].succeed(jobs[0])).status).toBe(200);
    }
    // Both prod clusters render the same bytes: one bundle stored for both.
    const bundles = await h.sql<{ n: string }>('SELECT count(*) n FROM bundles');
    expect(bundles[0].n).toBe('1');
    const view = await app();
    expect(view.clusters.map((c: { clusterName: string }) => c.clusterName)).toEqual(['prod-eu', 'prod-us']);
    expect(
      view.clusters.every(
        (c: { sync: string; health: string }) => c.sync === 'Synced' && c.health === 'Current',
      ),
    ).toBe(true);
    expect(view.counts).toEqual({ total: 2, sync: { Synced: 2 }, health: { Current: 2 } });
    expect(view.clusters[0].revisionWanted).toMatch(/^main@sha1:/);
    expect(view.clusters[0].revisionApplied).toBe(view.clusters[0].revisionWanted);
  });

  it('a commit through the API touching the path produces new jobs; one outside it produces none', async () => {
    const put = await h.api('PUT', '/api/v1/repositories/fleet/files/apps/web/deploy.yaml', {
      body: { content: DEPLOY('api:2'), message: 'bump api' },
    });
    expect(put.body).toMatchObject({ path: 'apps/web/deploy.yaml' });
    await poll();
    for (const name of ['prod-eu', 'prod-us']) {
      const jobs = await agents[name].poll();
      expect(jobs).toHaveLength(1);
      expect(jobs[0].revision).toBe(put.body.revision.id);
      await agents[name].succeed(jobs[0]);
    }
    const outside = await h.api('PUT', '/api/v1/repositories/fleet/files/other/readme.yaml', {
      body: { content: SERVICE.replace('name: api', 'name: docs'), message: 'docs' },
    });
    expect(outside.status).toBe(200);
    await poll();
    expect(await agents['prod-eu'].poll()).toEqual([]);
    expect((await app()).clusters[0].sync).toBe('Synced');
  });

  it('a newer job supersedes an older queued one', async () => {
    await h.api('PUT', '/api/v1/repositories/fleet/files/apps/web/deploy.yaml', {
      body: { content: DEPLOY('api:3'), message: 'three' },
    });
    await poll();
    const four = await h.api('PUT', '/api/v1/repositories/fleet/files/apps/web/deploy.yaml', {
      body: { content: DEPLOY('api:4'), message: 'four' },
    });
    await poll();
    const jobs = await agents['prod-eu'].poll();
    expect(jobs).toHaveLength(1);
    expect(jobs[0].revision).toBe(four.body.revision.id);
    expect((await jobsOf('prod-eu')).filter((j) => j.state === 'superseded')).toHaveLength(1);
    await agents['prod-eu'].succeed(jobs[0]);
    await agents['prod-us'].succeed((await agents['prod-us'].poll())[0]);
  });

  it('a leased job whose agent goes silent is handed out again after its lease, then fails at the retry limit', async () => {
    await h.api('POST', `/api/v1/applications/${appId}/sync`);
    const first = await agents['prod-eu'].poll();
    expect(first).toHaveLength(1);
    expect(await agents['prod-eu'].poll()).toEqual([]); // leased: not handed out twice
    await h.sql("UPDATE reconcile_jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1", [
      first[0].id,
    ]);
    const sweep = await h.hub.app.get(DispatchSweeperService).sweep();
    expect(sweep.requeued).toBe(1);
    const again = await agents['prod-eu'].poll();
    expect(again.map((j) => [j.id, j.attempt])).toEqual([[first[0].id, 2]]);
    // Retryable failures back off, then stay failed with the reason once attempts run out.
    let job = again[0];
    for (let attempt = 2; attempt <= 5; attempt++) {
      const res = await agents['prod-eu'].fail(job, `API server unavailable (attempt ${attempt})`, true);
      expect(res.status).toBe(200);
      if (attempt === 5) break;
      expect(await agents['prod-eu'].poll()).toEqual([]); // backing off
      await h.sql('UPDATE reconcile_jobs SET not_before = now() WHERE id = $1', [job.id]);
      job = (await agents['prod-eu'].poll())[0];
      expect(job.attempt).toBe(attempt + 1);
    }
    const state = (await jobsOf('prod-eu')).at(-1)!;
    expect(state).toMatchObject({ state: 'failed', attempts: 5 });
    const view = await app();
    const eu = view.clusters.find((c: { clusterName: string }) => c.clusterName === 'prod-eu');
    expect(eu.sync).toBe('Failed');
    expect(eu.lastJob.error).toBe('API server unavailable (attempt 5)');
    await agents['prod-us'].succeed((await agents['prod-us'].poll())[0]);
    await h.api('POST', `/api/v1/applications/${appId}/sync`);
    await agents['prod-eu'].succeed((await agents['prod-eu'].poll())[0]);
    await agents['prod-us'].succeed((await agents['prod-us'].poll())[0]);
  });

  it('relabelling moves clusters into and out of the selector', async () => {
    await h.api('PATCH', '/api/v1/clusters/dev-1', { body: { labels: { env: 'prod' } } });
    await settle();
    const joined = await agents['dev-1'].poll();
    expect(joined.map((j) => j.kind)).toEqual(['sync']);
    await agents['dev-1'].succeed(joined[0]);
    await h.api('PATCH', '/api/v1/clusters/prod-us', { body: { labels: { env: 'staging' } } });
    await settle();
    const removal = await agents['prod-us'].poll();
    expect(removal).toHaveLength(1);
    expect(removal[0]).toMatchObject({ kind: 'remove', prune: true, bundleDigest: null });
    await agents['prod-us'].succeed(removal[0]);
    const names = (await app()).clusters.map((c: { clusterName: string }) => c.clusterName);
    expect(names).toEqual(['dev-1', 'prod-eu']);
  });

  it("a cluster's credential cannot read or report for another cluster", async () => {
    // An application only prod-eu gets, with a bundle no other cluster was ever given.
    await h.api('PATCH', '/api/v1/clusters/prod-eu', { body: { labels: { env: 'prod', solo: 'yes' } } });
    await settle();
    const solo = await h.api('POST', '/api/v1/applications', {
      body: {
        name: 'solo',
        repositoryId: 'fleet',
        path: 'other',
        targets: [{ clusterSelector: 'solo=yes', namespace: 'solo' }],
        syncPolicy: { automated: true, prune: true, selfHeal: false },
      },
    });
    expect(solo.status).toBe(201);
    const euJob = (await agents['prod-eu'].poll())[0];
    expect(euJob.applicationName).toBe('solo');
    const intruder = agents['prod-us'];
    const bundle = await intruder.call('GET', `/bundles/${encodeURIComponent(euJob.bundleDigest!)}`);
    expect(bundle.status).toBe(404);
    expect(bundle.bytes.toString()).not.toContain('solo');
    const report = await intruder.call('POST', `/jobs/${euJob.id}/result`, {
      reportId: crypto.randomUUID(),
      outcome: 'succeeded',
      resources: [],
      inventory: [],
    });
    expect(report.status).toBe(403);
    const status = await intruder.status({ resources: [], events: [] });
    expect(status.status).toBe(200); // its own status is fine
    expect(await intruder.poll()).toEqual([]);
    const anonymous = await fetch(`${h.url}/api/v1/agent/jobs`);
    expect(anonymous.status).toBe(401);
    const apiToken = await fetch(`${h.url}/api/v1/agent/jobs`, {
      headers: { authorization: `Bearer ${h.adminToken}` },
    });
    expect(apiToken.status).toBe(401);
    expect((await agents['prod-eu'].bundle(euJob.bundleDigest!)).map((o) => o.metadata.namespace)).toEqual([
      'solo',
    ]);
    await agents['prod-eu'].succeed(euJob);
    // Clean up: removing it is a prune job for prod-eu only.
    expect((await h.api('DELETE', '/api/v1/applications/solo')).status).toBe(202);
    const removal = (await agents['prod-eu'].poll())[0];
    expect(removal).toMatchObject({ kind: 'remove', applicationName: 'solo' });
    await agents['prod-eu'].succeed(removal);
    expect((await h.api('GET', '/api/v1/applications/solo')).status).toBe(404);
  });

  it('records a retried report once', async () => {
    await h.api('POST', `/api/v1/applications/${appId}/sync`);
    const job = (await agents['prod-eu'].poll())[0];
    const reportId = crypto.randomUUID();
    expect((await agents['prod-eu'].succeed(job, reportId)).body).toEqual({ recorded: true });
    expect((await agents['prod-eu'].succeed(job, reportId)).body).toEqual({ recorded: false });
    const events = await h.sql(
      `SELECT 1 FROM audit_events WHERE action = 'job.succeeded' AND details->>'jobId' = $1`,
      [job.id],
    );
    expect(events).toHaveLength(1);
    await agents['dev-1'].succeed((await agents['dev-1'].poll())[0]);
  });

  it('rollback pins a revision and suspends automation; unpin resumes the newest', async () => {
    const history = (await h.api('GET', '/api/v1/repositories/fleet/revisions?path=apps/web&limit=50')).body
      .items;
    const oldest = history.at(-1).revision.id;
    const rb = await h.api('POST', `/api/v1/applications/${appId}/rollback`, { body: { revision: oldest } });
    expect(rb.status).toBe(202);
    expect(rb.body.jobs).toBe(2);
    const job = (await agents['prod-eu'].poll())[0];
    expect(job.revision).toBe(oldest);
    await agents['prod-eu'].succeed(job);
    await agents['dev-1'].succeed((await agents['dev-1'].poll())[0]);
    expect((await app()).suspended).toBe(true);
    // A new commit does not move a pinned application.
    await h.api('PUT', '/api/v1/repositories/fleet/files/apps/web/deploy.yaml', {
      body: { content: DEPLOY('api:5'), message: 'five' },
    });
    await poll();
    expect(await agents['prod-eu'].poll()).toEqual([]);
    const un = await h.api('POST', `/api/v1/applications/${appId}/unpin`);
    expect(un.status).toBe(202);
    const newest = (await agents['prod-eu'].poll())[0];
    expect(newest.revision).toBe((await h.api('GET', '/api/v1/repositories/fleet')).body.lastRevision);
    await agents['prod-eu'].succeed(newest);
    await agents['dev-1'].succeed((await agents['dev-1'].poll())[0]);
    expect((await app()).suspended).toBe(false);
  });

  it('history lists every deployment with trigger, actor and outcome', async () => {
    const items: { trigger: string; outcome: string; actor: string }[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.api(
        'GET',
        `/api/v1/applications/${appId}/history?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    const triggers = items.map((i) => i.trigger);
    expect(triggers.at(-1)).toBe('created');
    expect(triggers).toEqual(
      expect.arrayContaining(['revision', 'sync', 'cluster-labels', 'rollback', 'unpin']),
    );
    expect(items.find((i) => i.trigger === 'rollback')!.actor).toBe('admin');
    expect(items.find((i) => i.trigger === 'revision')!.actor).toBe('system');
    expect(items.filter((i) => i.outcome === 'succeeded').length).toBeGreaterThan(3);
  });

  it('the audit trail tells what happened to one object, everywhere, in order', async () => {
    const res = await h.api(
      'GET',
      `/api/v1/audit?resource=${encodeURIComponent('apps/Deployment/web/api')}&limit=500`,
    );
    const events = res.body.items as {
      action: string;
      clusterId: string;
      applicationId: string;
      revision: string;
    }[];
    expect(events.length).toBeGreaterThan(5);
    expect(events.every((e) => e.action === 'resource.applied' && e.applicationId === appId)).toBe(true);
    expect(new Set(events.map((e) => e.clusterId))).toEqual(
      new Set([clusterIds['prod-eu'], clusterIds['prod-us'], clusterIds['dev-1']]),
    );
    const byApp = await h.api('GET', `/api/v1/audit?application=${appId}&action=job.*&limit=500`);
    expect(new Set(byApp.body.items.map((e: { action: string }) => e.action))).toEqual(
      new Set(['job.dispatched', 'job.succeeded', 'job.failed']),
    );
    const byCluster = await h.api('GET', `/api/v1/audit?cluster=${clusterIds['prod-us']}&limit=500`);
    const story = byCluster.body.items.map((e: { action: string }) => e.action).reverse();
    expect(story[0]).toBe('cluster.registered');
    expect(story).toContain('cluster.connected');
    expect(story.at(-1)).toBe('job.succeeded');
    const revision = (await h.api('GET', '/api/v1/repositories/fleet')).body.lastRevision;
    const byRevision = await h.api('GET', `/api/v1/audit?revision=${revision}&limit=500`);
    expect(byRevision.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['revision.detected', 'job.dispatched', 'resource.applied']),
    );
  });

  it('deleting with prune removes resources everywhere before the record goes', async () => {
    const del = await h.api('DELETE', `/api/v1/applications/${appId}`);
    expect(del.status).toBe(202);
    expect(del.body.pending).toBe(2);
    expect((await app()).deleting).toBe(true);
    for (const name of ['prod-eu', 'dev-1']) {
      const jobs = await agents[name].poll();
      expect(jobs.map((j) => [j.kind, j.prune])).toEqual([['remove', true]]);
      expect((await h.api('GET', `/api/v1/applications/${appId}`)).status).toBe(200);
      await agents[name].succeed(jobs[0]);
    }
    expect((await h.api('GET', `/api/v1/applications/${appId}`)).status).toBe(404);
    const deleted = await h.api('GET', `/api/v1/audit?application=${appId}&action=application.deleted`);
    expect(deleted.body.items).toHaveLength(1);
  });
});
