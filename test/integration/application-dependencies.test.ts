/**
 * Dependencies between applications (issue 20) against a real hub and Postgres, with an agent
 * speaking the real protocol over HTTP: names checked against the project (404 naming a missing one, like a missing repository), cycles refused with
 * the cycle named, a dependent's job held on a cluster (with why) until its dependency is Synced
 * and Healthy there, released by the dependency's result or status report, removal refused
 * while dependents remain, and every change of dependsOn audited.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { OPEN_POLICY } from '../../src/domain/object-policy.js';
import { DependencyGate } from '../../src/hub/dispatch/dependency-gate.service.js';
import { DependencyReleaser } from '../../src/hub/dispatch/dependency-releaser.service.js';
import { DesiredStateRepository } from '../../src/hub/dispatch/desired-state.repository.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { insertProject } from '../support/projects.js';
import { idOf, ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const CM = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n`;

let fx: VcsFixture;
let h: TestHub;
let agent: ProtocolAgent;
let clusterId: string;

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const create = (name: string, extra: Record<string, unknown> = {}) =>
  h.api('POST', '/api/v1/applications', {
    body: {
      name,
      repositoryId: 'fleet',
      path: `apps/${name}`,
      targets: [{ clusterSelector: 'env=prod' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
      ...extra,
    },
  });
const clusterRow = async (app: string) =>
  (await h.api('GET', `/api/v1/applications/${app}`)).body.clusters.find(
    (c: { clusterId: string }) => c.clusterId === clusterId,
  );
const jobsOf = (app: string) =>
  h.sql<{ kind: string; state: string }>(
    `SELECT j.kind, j.state FROM reconcile_jobs j JOIN applications a ON a.id = j.application_id
      WHERE a.name = $1 ORDER BY j.created_at`,
    [app],
  );

/** The agent's succeeded result for a sync job, every object created with the given health. */
async function succeedWithHealth(job: { id: string; bundleDigest?: string | null }, health: string) {
  const objects = await agent.bundle(job.bundleDigest!);
  const result = await agent.call('POST', `/jobs/${job.id}/result`, {
    reportId: randomUUID(),
    outcome: 'succeeded',
    resources: objects.map((o) => ({ id: idOf(o), action: 'created', health })),
    inventory: objects.map(idOf),
  });
  expect(result.status).toBe(200);
  return objects;
}

/** Where a spied call stops: `reached` resolves once it is there, `resume` lets it go on. */
function pausePoint() {
  let reach!: () => void;
  let resume!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  const released = new Promise<void>((r) => (resume = r));
  return {
    reached,
    resume,
    async stop(): Promise<void> {
      reach();
      await released;
    },
  };
}

async function until<T>(what: string, read: () => Promise<T | undefined | false>): Promise<T> {
  const end = Date.now() + 15_000;
  for (;;) {
    const v = await read();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  const repo = await fx.createRepo();
  const files: Record<string, string> = {};
  for (const n of ['base', 'web', 'api', 'lone', 'x', 'y', 'z', 'cache', 'front', 'queue', 'worker'])
    files[`apps/${n}/cm.yaml`] = CM(n);
  await fx.externalCommit(repo, files, 'initial');
  expect(
    (await h.api('POST', '/api/v1/repositories', { body: { name: 'fleet', type: 'git', url: repo.url } }))
      .status,
  ).toBe(201);
  await h.api('POST', '/api/v1/repositories/fleet/refresh');
  const c = await h.api('POST', '/api/v1/clusters', { body: { name: 'prod-eu-1', labels: { env: 'prod' } } });
  clusterId = c.body.id;
  agent = new ProtocolAgent(h.url);
  expect((await agent.register(c.body.registration.token)).status).toBe(201);
  await settle();
});
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('declaring dependencies', () => {
  it('refuses a name that is not an application of the same project, naming it', async () => {
    const unknown = await create('lone', { dependsOn: ['nope'] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain("dependsOn: no application named 'nope' in project 'default'");

    await insertProject((t, p) => h.sql(t, p), 'team-x', OPEN_POLICY);
    expect((await create('x', { project: 'team-x' })).status).toBe(201);
    const other = await create('lone', { dependsOn: ['x'] });
    expect(other.status).toBe(404);
    expect(other.body.message).toContain("no application named 'x' in project 'default'");
    expect(await h.sql(`SELECT 1 FROM applications WHERE name = 'lone'`)).toEqual([]);
  });

  it('refuses a cycle, self included, with the cycle named', async () => {
    const self = await create('lone', { dependsOn: ['lone'] });
    expect(self.status).toBe(409);
    expect(self.body.message).toContain('dependency cycle lone → lone');

    expect((await create('y')).status).toBe(201);
    expect((await create('z', { dependsOn: ['y'] })).status).toBe(201);
    const cycle = await h.api('PATCH', '/api/v1/applications/y', { body: { dependsOn: ['z'] } });
    expect(cycle.status).toBe(409);
    expect(cycle.body.message).toContain('dependency cycle y → z → y');
    expect((await h.api('GET', '/api/v1/applications/y')).body.dependsOn).toEqual([]);
  });

  it('rejects malformed entries with a 400', async () => {
    const bad = await create('lone', { dependsOn: ['Not A Name'] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('dependsOn');
  });

  it('audits a change of dependsOn like any other change', async () => {
    expect((await h.api('PATCH', '/api/v1/applications/z', { body: { dependsOn: [] } })).status).toBe(200);
    const [e] = await h.sql<{ details: any }>(
      `SELECT details FROM audit_events WHERE action = 'application.updated' ORDER BY seq DESC LIMIT 1`,
    );
    expect(e.details.before.dependsOn).toEqual(['y']);
    expect(e.details.after.dependsOn).toEqual([]);
  });
});

describe('dispatch held until dependencies are ready on the cluster', () => {
  it('holds web until base is Synced and Healthy on prod-eu-1, says why, then sends it', async () => {
    // the jobs of the applications above, done
    for (const j of await agent.poll(0, 50)) expect((await agent.succeed(j)).status).toBe(200);
    expect((await create('base')).status).toBe(201);
    const web = await create('web', { dependsOn: ['base'] });
    expect(web.status).toBe(201);
    expect(web.body.dependsOn).toEqual(['base']);

    // base's job is out; web's is held, with the reason shown on its cluster row
    expect(await jobsOf('web')).toEqual([]);
    const held = await clusterRow('web');
    expect(held.sync).toBe('OutOfSync');
    expect(held.waitingFor).toBe('waiting for base on prod-eu-1: Progressing');
    expect(held.message).toBe('waiting for base on prod-eu-1: Progressing');

    // base applied but its objects not yet healthy: still held, for that reason
    const [job] = await agent.poll();
    expect(job.applicationId).toBe((await h.api('GET', '/api/v1/applications/base')).body.id);
    const objects = await succeedWithHealth(job, 'InProgress');
    await until('the reason to follow base', async () => {
      const r = await clusterRow('web');
      return r.waitingFor === 'waiting for base on prod-eu-1: InProgress' && r;
    });
    expect(await jobsOf('web')).toEqual([]);

    // the agent reports base healthy: web's job goes out promptly, without any other trigger
    const status = await agent.status({
      resources: objects.map((o) => ({
        applicationId: job.applicationId,
        resource: idOf(o),
        health: 'Current',
        drifted: false,
      })),
      events: [],
    });
    expect(status.status).toBe(200);
    await until('web to be sent', async () => (await jobsOf('web')).length === 1);
    const [webJob] = await agent.poll();
    expect(webJob.applicationId).toBe(web.body.id);
    expect((await agent.succeed(webJob)).status).toBe(200);
    await until('web synced', async () => {
      const r = await clusterRow('web');
      return r.sync === 'Synced' && r.waitingFor === null && r;
    });
    // the deployment history says why it went out when it did
    const history = (await h.api('GET', '/api/v1/applications/web/history')).body.items;
    expect(history.map((d: { trigger: string }) => d.trigger)).toContain('dependencies');
  });

  it('a held job with nothing changed is not re-rendered by every look', async () => {
    const api = await create('api', { dependsOn: ['web', 'base'] });
    expect(api.status).toBe(201);
    // both ready: sent at once
    expect(await jobsOf('api')).toEqual([{ kind: 'sync', state: 'queued' }]);
    const before = h.logs.filter((l) => l.includes('api (dependencies)')).length;
    await h.hub.app.get(DependencyReleaser).look();
    expect(h.logs.filter((l) => l.includes('api (dependencies)')).length).toBe(before);
  });
});

describe('a look that overlaps a new hold', () => {
  it("does not forget it: the dependency's result still releases it (no periodic look here)", async () => {
    for (const j of await agent.poll(0, 50)) expect((await agent.succeed(j)).status).toBe(200);
    const rows = h.hub.app.get(DesiredStateRepository);
    const read = rows.held.bind(rows);
    const pause = pausePoint();
    // the look reads "nothing held", then waits while the hold below commits
    const spy = vi.spyOn(rows, 'held').mockImplementationOnce(async (limit) => {
      const found = await read(limit);
      await pause.stop();
      return found;
    });
    const look = h.hub.app.get(DependencyReleaser).look();
    await pause.reached;
    expect((await create('cache')).status).toBe(201);
    expect((await create('front', { dependsOn: ['cache'] })).status).toBe(201);
    expect((await clusterRow('front')).waitingFor).toBe('waiting for cache on prod-eu-1: Progressing');
    pause.resume();
    await look;
    spy.mockRestore();
    expect(h.hub.app.get(DependencyGate).mayHaveHolds).toBe(true);

    // cache syncs healthy: its result alone sends front
    const [job] = await agent.poll();
    await succeedWithHealth(job, 'Current');
    await until('front to be sent', async () => (await jobsOf('front')).length === 1);
    for (const j of await agent.poll()) expect((await agent.succeed(j)).status).toBe(200);
    expect((await h.api('PATCH', '/api/v1/applications/front', { body: { dependsOn: [] } })).status).toBe(
      200,
    );
  });

  it("is released when the dependency's result committed while the hold was decided", async () => {
    await h.hub.app.get(DependencyReleaser).look(); // nothing held: the releaser stops looking on kicks
    expect(h.hub.app.get(DependencyGate).mayHaveHolds).toBe(false);
    expect((await create('queue')).status).toBe(201);
    const gate = h.hub.app.get(DependencyGate);
    const decide = gate.holds.bind(gate);
    const pause = pausePoint();
    // worker's hold is decided on queue's state before its result, and commits after it
    const spy = vi.spyOn(gate, 'holds').mockImplementationOnce(async (...args) => {
      const reasons = await decide(...args);
      await pause.stop();
      return reasons;
    });
    const creating = create('worker', { dependsOn: ['queue'] });
    await pause.reached;
    const [job] = await agent.poll();
    await succeedWithHealth(job, 'Current');
    pause.resume();
    expect((await creating).status).toBe(201);
    spy.mockRestore();
    await until('worker to be sent', async () => (await jobsOf('worker')).length === 1);
    for (const j of await agent.poll()) expect((await agent.succeed(j)).status).toBe(200);
    expect((await h.api('PATCH', '/api/v1/applications/worker', { body: { dependsOn: [] } })).status).toBe(
      200,
    );
  });
});

describe('removal in reverse order', () => {
  it('refuses deleting an application others depend on, naming them, until they are gone', async () => {
    const refused = await h.api('DELETE', '/api/v1/applications/base');
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain("'base' is a dependency of 'api', 'web'");
    expect((await h.api('GET', '/api/v1/applications/base')).body.deleting).toBe(false);

    expect((await h.api('PATCH', '/api/v1/applications/api', { body: { dependsOn: [] } })).status).toBe(200);
    const deleting = await h.api('DELETE', '/api/v1/applications/web');
    expect(deleting.status).toBe(202);
    // web's removal is under way: base still waits for it to finish
    const wait = await h.api('DELETE', '/api/v1/applications/base');
    expect(wait.status).toBe(409);
    expect(wait.body.message).toContain('wait until their removal finishes');
    for (const j of await agent.poll()) expect((await agent.succeed(j)).status).toBe(200);
    await until('web gone', async () => (await h.api('GET', '/api/v1/applications/web')).status === 404);
    expect((await h.api('DELETE', '/api/v1/applications/base')).status).toBe(202);
  });
});
