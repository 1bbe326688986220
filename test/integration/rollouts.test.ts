/**
 * Staged rollouts on the real hub and Postgres (issue 16), driven by agents speaking the real v1
 * protocol over HTTP: the hub decides which clusters get a job when, so these agents report what
 * a cluster would (a job succeeded or failed). The in-cluster side (waves, hooks) and a whole
 * rollout with real agent processes on real API servers are in test/e2e/rollout-e2e.test.ts.
 * The periodic look is off: each test calls the runner's sweep where a replica's timer would.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { RolloutRunner } from '../../src/hub/rollouts/rollout-runner.service.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

let fx: VcsFixture;
let repo: VcsRepository;
let h: TestHub;
const agents = new Map<string, ProtocolAgent>();
let version = 0;

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const sweep = async () => {
  await settle();
  await h.hub.app.get(RolloutRunner).sweep();
};
const cm = (app: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${app}\ndata:\n  version: "${++version}"\n`;

async function commit(app: string): Promise<void> {
  await fx.externalCommit(repo, { [`${app}/cm.yaml`]: cm(app) }, `change ${app}`);
  expect((await h.api('POST', '/api/v1/repositories/fleet/refresh')).status).toBe(200);
  await settle();
}

/**
 * One round: every agent's pending jobs are fetched first, then answered (named clusters fail),
 * then the test waits for the look the results cause. Returns the clusters that had a job of
 * this application. Rounds keep the order deterministic: a batch started by a result of this
 * round is seen in the next.
 */
async function answer(app: string, fail: string[] = [], only?: string[]): Promise<string[]> {
  const got: string[] = [];
  const jobs: [string, ProtocolAgent, Awaited<ReturnType<ProtocolAgent['poll']>>[number]][] = [];
  for (const [name, agent] of agents) {
    if (only && !only.includes(name)) continue;
    for (const job of await agent.poll()) jobs.push([name, agent, job]);
  }
  for (const [name, agent, job] of jobs) {
    if (job.applicationName !== app) {
      await agent.succeed(job);
      continue;
    }
    got.push(name);
    const res = fail.includes(name)
      ? await agent.fail(job, 'admission denied', false)
      : await agent.succeed(job);
    expect(res.status).toBe(200);
  }
  await h.hub.app.get(RolloutRunner).settled();
  return got.sort();
}

async function rollout(app: string): Promise<any> {
  const res = await h.api('GET', `/api/v1/applications/${app}/rollout`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

async function createApp(app: string, rolloutStrategy: unknown): Promise<void> {
  await fx.externalCommit(repo, { [`${app}/cm.yaml`]: cm(app) }, `add ${app}`);
  await h.api('POST', '/api/v1/repositories/fleet/refresh');
  const res = await h.api('POST', '/api/v1/applications', {
    body: {
      name: app,
      repositoryId: 'fleet',
      path: app,
      targets: [{ clusterSelector: 'fleet=yes', namespace: 'web' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
      rollout: rolloutStrategy,
    },
  });
  expect(res.status, res.text).toBe(201);
  await settle();
}

const auditActions = async (app: string) =>
  (
    await h.sql(
      `SELECT action FROM audit_events e JOIN applications a ON a.id = e.application_id
        WHERE a.name = $1 AND action LIKE 'rollout.%' ORDER BY seq`,
      [app],
    )
  ).map((r) => r.action as string);

const THREE_STAGES = {
  stages: [
    { name: 'canary', clusterSelector: 'ring=canary', batchSize: 1 },
    { name: 'early', clusterSelector: 'ring=early', batchSize: 1 },
    { name: 'rest', clusterSelector: null, batchSize: '50%' },
  ],
};

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'), { FLOTILLA_ROLLOUT_INTERVAL_MS: '0' });
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'README.md': 'fleet\n' }, 'initial');
  expect(
    (await h.api('POST', '/api/v1/repositories', { body: { name: 'fleet', type: 'git', url: repo.url } }))
      .status,
  ).toBe(201);
  const rings: [string, string][] = [
    ['c1', 'canary'],
    ['e1', 'early'],
    ['e2', 'early'],
    ['r1', 'rest'],
    ['r2', 'rest'],
    ['r3', 'rest'],
  ];
  for (const [name, ring] of rings) {
    const c = await h.api('POST', '/api/v1/clusters', { body: { name, labels: { fleet: 'yes', ring } } });
    const agent = new ProtocolAgent(h.url);
    expect((await agent.register(c.body.registration.token)).status).toBe(201);
    await agent.poll();
    agents.set(name, agent);
  }
}, 120_000);
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('a three-stage rollout', () => {
  it('moves one batch at a time, each only after the one before is Synced and Healthy', async () => {
    await createApp('web', THREE_STAGES);
    // created: every cluster is new to it, and the rollout holds them all
    expect(await answer('web')).toEqual([]);
    await sweep();
    expect(await answer('web', [], ['e1', 'e2', 'r1', 'r2', 'r3'])).toEqual([]);
    expect(await answer('web')).toEqual(['c1']);
    const seen: string[][] = [];
    for (let i = 0; i < 5; i++) {
      await sweep();
      seen.push(await answer('web'));
    }
    expect(seen).toEqual([['e1'], ['e2'], ['r1', 'r2'], ['r3'], []]);
    await sweep();
    const r = await rollout('web');
    expect(r).toMatchObject({ state: 'completed', counts: { healthy: 6 }, stage: 3 });
    expect(r.stages.map((s: any) => [s.name, s.state, s.batches.length])).toEqual([
      ['canary', 'done', 1],
      ['early', 'done', 2],
      ['rest', 'done', 2],
    ]);
    const actions = await auditActions('web');
    expect(actions[0]).toBe('rollout.started');
    expect(actions.filter((a) => a === 'rollout.batch.started')).toHaveLength(5);
    expect(actions.filter((a) => a === 'rollout.batch.healthy')).toHaveLength(5);
    expect(actions.at(-1)).toBe('rollout.completed');
  });

  it('a new commit starts a new rollout from the first stage; the others keep the revision they run', async () => {
    await commit('web');
    const before = await h.sql(
      `SELECT count(*)::int AS n FROM desired_states d JOIN applications a ON a.id = d.application_id
        WHERE a.name = 'web' AND d.applied_digest = d.bundle_digest`,
    );
    expect(before[0].n).toBe(6);
    await sweep();
    expect(await answer('web')).toEqual(['c1']);
    const r = await rollout('web');
    // c1's result made the rollout look at once: the early stage's first batch is out
    expect(r).toMatchObject({ state: 'progressing', counts: { healthy: 1, syncing: 1, pending: 4 } });
    expect(r.stages[0].batches[0].clusters[0]).toMatchObject({ name: 'c1', progress: 'healthy' });
    expect(r.stages[1].batches[0]).toMatchObject({ state: 'progressing', clusters: [{ name: 'e1' }] });
    expect(r.reason).toBe('cluster e1 is not yet Synced and Healthy');
  });
});

describe('failures', () => {
  it('over the budget pause the rollout; promote lets it past them, audited with the actor', async () => {
    await createApp('api', {
      stages: [
        { name: 'canary', clusterSelector: 'ring=canary', batchSize: 1 },
        { name: 'rest', clusterSelector: null, batchSize: 5, maxFailures: 0 },
      ],
    });
    for (let i = 0; i < 3; i++) {
      await sweep();
      await answer('api');
    }
    expect((await rollout('api')).state).toBe('completed');
    await commit('api');
    await sweep();
    expect(await answer('api')).toEqual(['c1']);
    await sweep();
    expect(await answer('api', ['r2'])).toEqual(['e1', 'e2', 'r1', 'r2', 'r3']);
    await sweep();
    let r = await rollout('api');
    expect(r.state).toBe('paused');
    expect(r.reason).toMatch(/1 cluster\(s\) failed in stage rest, over its budget of 0/);
    expect(r.stages[1].batches[0].clusters.find((c: any) => c.name === 'r2')).toMatchObject({
      progress: 'failed',
      message: 'admission denied',
    });
    // a paused rollout holds: resume re-evaluates and stops again
    const resumed = await h.api('POST', '/api/v1/applications/api/rollout/resume', { body: {} });
    expect(resumed.status, resumed.text).toBe(200);
    await sweep();
    expect((await rollout('api')).state).toBe('paused');

    const promoted = await h.api('POST', '/api/v1/applications/api/rollout/promote', {
      body: { reason: 'r2 has a known admission bug' },
    });
    expect(promoted.status, promoted.text).toBe(200);
    await sweep();
    r = await rollout('api');
    expect(r.state).toBe('completed');
    const [event] = await h.sql(
      `SELECT actor_name, details FROM audit_events WHERE action = 'rollout.promoted' ORDER BY seq DESC LIMIT 1`,
    );
    expect(event.details).toMatchObject({ reason: 'r2 has a known admission bug', clusters: ['r2'] });
  });

  it('rollback moves the clusters already moved back to what they ran, automatically', async () => {
    await createApp('shop', {
      onFailure: 'rollback',
      stages: [
        { name: 'canary', clusterSelector: 'ring=canary', batchSize: 1 },
        { name: 'rest', clusterSelector: null, batchSize: 2 },
      ],
    });
    for (let i = 0; i < 4; i++) {
      await sweep();
      await answer('shop');
    }
    expect((await rollout('shop')).state).toBe('completed');
    const digests = async () =>
      Object.fromEntries(
        (
          await h.sql(
            `SELECT c.name, d.bundle_digest FROM desired_states d JOIN clusters c ON c.id = d.cluster_id
               JOIN applications a ON a.id = d.application_id WHERE a.name = 'shop'`,
          )
        ).map((r) => [r.name, r.bundle_digest]),
      );
    const old = await digests();
    await commit('shop');
    await sweep();
    expect(await answer('shop')).toEqual(['c1']);
    await sweep();
    expect(await answer('shop', ['e1'])).toEqual(['e1', 'e2']);
    await sweep();
    const r = await rollout('shop');
    expect(r.state).toBe('rolled-back');
    expect(r.counts).toMatchObject({ 'rolled-back': 3, pending: 3 });
    // c1, e1, e2 get the bundle they ran before; the rest never moved
    expect(await answer('shop')).toEqual(['c1', 'e1', 'e2']);
    expect(await digests()).toEqual(old);
    // polling the same revision does not start it again
    await h.hub.app.get(RolloutRunner).sweep();
    expect((await h.api('POST', '/api/v1/applications/shop/sync', { body: {} })).status).toBe(202);
    await sweep();
    expect(await answer('shop')).toEqual([]);
    expect((await rollout('shop')).state).toBe('rolled-back');
    expect((await auditActions('shop')).at(-1)).toBe('rollout.rolled-back');
  });
});

describe('what a rollout meets on the way', () => {
  it('a newer revision supersedes it: the running batch finishes first, then the new one starts over', async () => {
    await createApp('news', {
      stages: [
        { name: 'canary', clusterSelector: 'ring=canary', minHealthySeconds: 1 },
        { name: 'rest', clusterSelector: null, batchSize: 2 },
      ],
    });
    await sweep();
    expect(await answer('news')).toEqual(['c1']);
    await sweep();
    let r = await rollout('news');
    expect(r.reason).toBe('baking for 1 s');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await sweep();
    // e1 and e2 have their jobs (not answered yet) when the next commit arrives
    const first = r.id;
    await commit('news');
    r = await rollout('news');
    expect(r.id).not.toBe(first);
    const old = (await h.api('GET', `/api/v1/applications/news/rollouts/${first}`)).body;
    expect(old).toMatchObject({
      state: 'superseded',
      reason: expect.stringMatching(/^superseded by revision main@/),
    });
    await sweep();
    expect((await rollout('news')).reason).toBe(
      'the running batch of the rollout it superseded is finishing',
    );
    // the old batch's jobs finish (they are the older revision's) ...
    expect(await answer('news')).toEqual(['e1', 'e2']);
    await sweep();
    // ... and only then does the new rollout start, from its first stage
    expect(await answer('news')).toEqual(['c1']);
    const list = (await h.api('GET', '/api/v1/applications/news/rollouts')).body.items;
    expect(list.map((x: any) => x.state)).toEqual(['progressing', 'superseded']);
  });

  it('a cluster whose agent is not connected holds its batch: unavailable, never healthy', async () => {
    const c = await h.api('POST', '/api/v1/clusters', {
      body: { name: 'p1', labels: { fleet: 'late', ring: 'x' } },
    });
    expect(c.status).toBe(201);
    await fx.externalCommit(repo, { 'late/cm.yaml': cm('late') }, 'add late');
    await h.api('POST', '/api/v1/repositories/fleet/refresh');
    const res = await h.api('POST', '/api/v1/applications', {
      body: {
        name: 'late',
        repositoryId: 'fleet',
        path: 'late',
        targets: [{ clusterSelector: 'fleet in (yes,late)', namespace: 'web' }],
        syncPolicy: { automated: true, prune: true, selfHeal: false },
        rollout: {
          stages: [
            { name: 'first', clusterSelector: 'fleet=late' },
            { name: 'rest', clusterSelector: null },
          ],
        },
      },
    });
    expect(res.status, res.text).toBe(201);
    await settle();
    await sweep();
    await sweep();
    const r = await rollout('late');
    expect(r).toMatchObject({
      state: 'progressing',
      reason: 'cluster p1 is unavailable',
      counts: { unavailable: 1 },
    });
    expect(await answer('late')).toEqual([]);

    // p1 leaves the application's targets while it waits: the rollout forgets it and moves on
    const relabel = await h.api('PATCH', '/api/v1/clusters/p1', { body: { labels: { fleet: 'gone' } } });
    expect(relabel.status, relabel.text).toBe(200);
    await sweep();
    expect(await answer('late')).toEqual(['c1', 'e1', 'e2', 'r1', 'r2', 'r3']);
    await sweep();
    const after = await rollout('late');
    expect(after).toMatchObject({ state: 'completed', counts: { healthy: 6 } });
    expect(JSON.stringify(after.stages)).not.toContain('p1');
  });
});

describe('gates and steering', () => {
  it('an approval gate waits for promote; pause and abort hold clusters where they are', async () => {
    await createApp('gate', {
      stages: [
        { name: 'canary', clusterSelector: 'ring=canary' },
        { name: 'prod', clusterSelector: null, requireApproval: true, batchSize: 2 },
      ],
    });
    await sweep();
    expect(await answer('gate')).toEqual(['c1']);
    await sweep();
    let r = await rollout('gate');
    expect(r.state).toBe('awaiting-approval');
    expect(r.reason).toMatch(/stage prod needs approval/);
    expect(r.stages[1]).toMatchObject({ state: 'awaiting-approval', approved: false });
    expect(await answer('gate')).toEqual([]);

    const viewer = await h.token('viewer');
    const refused = await h.api('POST', '/api/v1/applications/gate/rollout/promote', {
      token: viewer,
      body: {},
    });
    expect(refused.status).toBe(403);
    expect((await h.api('GET', '/api/v1/applications/gate/rollout', { token: viewer })).status).toBe(200);
    const resume = await h.api('POST', '/api/v1/applications/gate/rollout/resume', { body: {} });
    expect(resume.status).toBe(409);
    expect(resume.body.message).toMatch(/awaiting-approval.*promote/);

    expect((await h.api('POST', '/api/v1/applications/gate/rollout/promote', { body: {} })).status).toBe(200);
    await sweep();
    expect(await answer('gate')).toEqual(['e1', 'e2']);
    r = await rollout('gate');
    expect(r.stages[1].approved).toBe(true);

    const paused = await h.api('POST', '/api/v1/applications/gate/rollout/pause', {
      body: { reason: 'incident 42' },
    });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ state: 'paused', reason: 'paused by admin: incident 42' });
    // e1 and e2's results had started the next batch before the pause; it finishes, and no other starts
    expect(await answer('gate')).toEqual(['r1', 'r2']);
    await sweep();
    expect(await answer('gate')).toEqual([]);
    const abort = await h.api('POST', '/api/v1/applications/gate/rollout/abort', { body: {} });
    expect(abort.body).toMatchObject({ state: 'aborted' });
    expect((await h.api('POST', '/api/v1/applications/gate/rollout/abort', { body: {} })).status).toBe(409);
    await sweep();
    expect(await answer('gate')).toEqual([]);
    expect((await rollout('gate')).counts).toMatchObject({ healthy: 5, pending: 1 });
  });

  it('refuses a strategy with a clear 400 naming the field', async () => {
    const res = await h.api('POST', '/api/v1/applications', {
      body: {
        name: 'bad',
        repositoryId: 'fleet',
        path: 'web',
        targets: [{ clusterSelector: 'fleet=yes' }],
        syncPolicy: { automated: true, prune: true, selfHeal: false },
        rollout: {
          stages: [
            { name: 'all', clusterSelector: null },
            { name: 'Bad_Name', clusterSelector: 'x=', batchSize: '150%' },
          ],
        },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/rollout.stages\[0\].clusterSelector may be null/);
    expect(res.body.message).toMatch(/rollout.stages\[1\].name must be a DNS-1123 label/);
    expect(res.body.message).toMatch(/rollout.stages\[1\].batchSize/);
    const cmd = await h.api('POST', '/api/v1/applications/web/rollout/explode', { body: {} });
    expect(cmd.status).toBe(404);
    expect(cmd.body.message).toBe(
      "rollout command (one of promote, pause, resume, abort, retry) 'explode' not found",
    );
  });
});
