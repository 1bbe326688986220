import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DispatchSweeperService } from '../../src/hub/dispatch/dispatch-sweeper.service.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { RepositoryPollerService } from '../../src/hub/repositories/repository-poller.service.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const CM = (name: string, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n${extra}`;

let fx: VcsFixture;
let a: TestHub;
let b: TestHub;
let repo: VcsRepository;
let agent: ProtocolAgent;
let clusterId: string;

const settle = async () => {
  await a.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
  await b.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
};
async function commitAndPoll(files: Record<string, string | null>, message: string) {
  await fx.externalCommit(repo, files, message);
  await a.sql("UPDATE repositories SET next_poll_at = now() - interval '1 second'");
  expect(await a.hub.app.get(RepositoryPollerService).tick()).toBe(1);
  await settle();
}
const status = async () => (await a.api('GET', '/api/v1/applications/edge')).body.clusters[0];

beforeAll(async () => {
  fx = await gitFixture(false);
  a = await startTestHub(inject('postgresUrl'));
  b = await startTestHub(inject('postgresUrl'), { DATABASE_URL: a.databaseUrl });
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'app/cm.yaml': CM('one') }, 'initial');
  await a.api('POST', '/api/v1/repositories', { body: { name: 'edges', type: 'git', url: repo.url } });
  await a.api('POST', '/api/v1/repositories/edges/refresh');
  const c = await a.api('POST', '/api/v1/clusters', { body: { name: 'edge-1', labels: { edge: 'yes' } } });
  clusterId = c.body.id;
  agent = new ProtocolAgent(b.url); // this agent talks to replica B only
  expect((await agent.register(c.body.registration.token)).status).toBe(201);
  const app = await a.api('POST', '/api/v1/applications', {
    body: {
      name: 'edge',
      repositoryId: 'edges',
      path: 'app',
      targets: [{ clusterSelector: 'edge=yes', namespace: 'edge' }],
      syncPolicy: { automated: true, prune: true, selfHeal: true },
    },
  });
  expect(app.status).toBe(201);
  await settle();
  await agent.succeed((await agent.poll())[0]);
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await fx?.close();
});

describe('two hub replicas', () => {
  it('a job made on replica A wakes an agent long-polling replica B', async () => {
    const waiting = agent.poll(20);
    await new Promise((r) => setTimeout(r, 300)); // let the long-poll park on B
    const started = Date.now();
    const sync = await a.api('POST', '/api/v1/applications/edge/sync');
    expect(sync.status).toBe(202);
    const jobs = await waiting;
    expect(jobs).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10_000); // woken by NOTIFY, not by the 20 s timeout
    await agent.succeed(jobs[0]);
  });

  it('no job is handed to two pollers, whichever replicas they ask', async () => {
    const other = new ProtocolAgent(a.url);
    other.credential = agent.credential;
    await a.api('POST', '/api/v1/applications/edge/sync');
    const [x, y] = await Promise.all([agent.poll(0), other.poll(0)]);
    expect(x.length + y.length).toBe(1);
    await agent.succeed([...x, ...y][0]);
  });
});

describe('render errors', () => {
  it.each([
    ['invalid YAML', { 'app/bad.yaml': 'a: [1, 2\n' }, /app\/bad\.yaml document 1: .*YAML/i],
    [
      'a document without kind',
      { 'app/bad.yaml': 'apiVersion: v1\nmetadata:\n  name: x\n' },
      /app\/bad\.yaml document 1: .*kind/,
    ],
    [
      'two objects with the same identity',
      { 'app/dup.yaml': CM('one') },
      /app\/(cm|dup)\.yaml.*(duplicate|same|twice|defined)/i,
    ],
    [
      'an unknown variable',
      { 'app/var.yaml': CM('var', 'data:\n  x: ${values.missing}\n').replace('data:\n  a: "1"\n', '') },
      /app\/var\.yaml document 1: .*values\.missing/,
    ],
    [
      'a file over the size limit',
      { 'app/big.yaml': CM('big', `  big: "${'x'.repeat(6 * 1024 * 1024)}"\n`) },
      /app\/big\.yaml.*(large|limit|size)/i,
    ],
  ])(
    '%s fails the cluster with file and document, and keeps the previous state in force',
    async (_name, files, expected) => {
      const before = (
        await a.sql<{ bundle_digest: string; revision: string }>(
          'SELECT bundle_digest, revision FROM desired_states',
        )
      )[0];
      await commitAndPoll(files, `break: ${_name}`);
      const s = await status();
      expect(s.sync).toBe('Failed');
      expect(s.message).toMatch(expected);
      const after = (
        await a.sql<{ bundle_digest: string; revision: string; render_error: string }>(
          'SELECT bundle_digest, revision, render_error FROM desired_states',
        )
      )[0];
      expect(after.bundle_digest).toBe(before.bundle_digest);
      expect(after.revision).toBe(before.revision);
      expect(await agent.poll(0)).toEqual([]);
      const failed = await a.api('GET', `/api/v1/audit?cluster=${clusterId}&action=sync.failed&limit=1`);
      expect(failed.body.items[0].details.error).toMatch(expected);
      // Repair: the next good revision goes out again.
      await commitAndPoll(Object.fromEntries(Object.keys(files).map((k) => [k, null])), 'repair');
      const jobs = await agent.poll(0);
      expect(jobs).toHaveLength(1);
      await agent.succeed(jobs[0]);
      expect((await status()).sync).toBe('Synced');
    },
  );

  it('a 20 MB bundle of 5,000 objects round-trips by digest', async () => {
    // Ten files of 500 objects (2 MB each: under the per-file limit, far over etcd's per-object one).
    const files: Record<string, string> = {};
    for (let f = 0; f < 10; f++) {
      const docs: string[] = [];
      for (let i = 0; i < 500; i++) docs.push(CM(`big-${f}-${i}`, `  payload: "${'p'.repeat(4200)}"\n`));
      files[`app/many-${f}.yaml`] = docs.join('---\n');
    }
    await commitAndPoll(files, 'many objects');
    const [job] = await agent.poll(0);
    expect(job).toBeDefined();
    const raw = await agent.call('GET', `/bundles/${encodeURIComponent(job.bundleDigest!)}`);
    expect(raw.status).toBe(200);
    expect(raw.bytes.length).toBeGreaterThan(20 * 1024 * 1024);
    const { createHash } = await import('node:crypto');
    expect(`sha256:${createHash('sha256').update(raw.bytes).digest('hex')}`).toBe(job.bundleDigest);
    const objects = await agent.bundle(job.bundleDigest!);
    expect(objects).toHaveLength(5001);
    await agent.succeed(job);
    await commitAndPoll(Object.fromEntries(Object.keys(files).map((k) => [k, null])), 'fewer objects');
    await agent.succeed((await agent.poll(0))[0]);
  }, 120_000);
});

describe('status, drift and connectivity', () => {
  it('records health and drift, and audits drift events with the resource', async () => {
    const app = (await a.api('GET', '/api/v1/applications/edge')).body;
    const res = await agent.status({
      resources: [
        {
          applicationId: app.id,
          resource: '/ConfigMap/edge/one',
          health: 'Current',
          drifted: true,
          diff: '- data.a: 2\n+ data.a: 1',
        },
      ],
      events: [
        {
          type: 'drift.detected',
          applicationId: app.id,
          resource: '/ConfigMap/edge/one',
          diff: '- data.a: 2\n+ data.a: 1',
          time: new Date().toISOString(),
        },
      ],
    });
    expect(res.body).toEqual({ recorded: true, ignored: 0 });
    expect((await status()).sync).toBe('OutOfSync');
    const resources = await a.api('GET', '/api/v1/applications/edge/resources');
    expect(resources.body.items).toEqual([
      expect.objectContaining({ resource: '/ConfigMap/edge/one', drifted: true, health: 'Current' }),
    ]);
    const drift = await a.api(
      'GET',
      `/api/v1/audit?resource=${encodeURIComponent('/ConfigMap/edge/one')}&action=drift.*`,
    );
    expect(drift.body.items[0]).toMatchObject({
      action: 'drift.detected',
      clusterId,
      applicationId: app.id,
      actor: { name: 'agent:edge-1' },
    });
    await agent.status({
      resources: [
        { applicationId: app.id, resource: '/ConfigMap/edge/one', health: 'Current', drifted: false },
      ],
      events: [
        {
          type: 'drift.corrected',
          applicationId: app.id,
          resource: '/ConfigMap/edge/one',
          time: new Date().toISOString(),
        },
      ],
    });
    expect((await status()).sync).toBe('Synced');
  });

  it('a silent cluster is shown Disconnected, never healthy, and Connected again when it calls', async () => {
    await a.sql("UPDATE clusters SET last_seen_at = now() - interval '10 minutes' WHERE id = $1", [
      clusterId,
    ]);
    const swept = await a.hub.app.get(DispatchSweeperService).sweep();
    expect(swept.disconnected).toBe(1);
    const s = await status();
    expect(s).toMatchObject({ connectionState: 'Disconnected', sync: 'Unknown', health: 'Unknown' });
    await agent.call('POST', '/heartbeat', { agentVersion: 'test-0.2' });
    expect((await status()).connectionState).toBe('Connected');
    const story = await a.api('GET', `/api/v1/audit?cluster=${clusterId}&action=cluster.*&limit=3`);
    expect(story.body.items.map((e: { action: string }) => e.action)).toEqual([
      'cluster.connected',
      'cluster.disconnected',
      'cluster.connected',
    ]);
  });
});

describe('late results', () => {
  it('a result for a job that already finished changes nothing and is not audited twice', async () => {
    await a.api('POST', '/api/v1/applications/edge/sync');
    const [job] = await agent.poll(0);
    expect((await agent.succeed(job)).body).toEqual({ recorded: true });
    const late = await agent.succeed(job); // a new reportId: a second attempt reporting late
    expect(late.body).toEqual({ recorded: false });
    const events = await a.sql(
      `SELECT 1 FROM audit_events WHERE action = 'job.succeeded' AND details->>'jobId' = $1`,
      [job.id],
    );
    expect(events).toHaveLength(1);
  });
});
