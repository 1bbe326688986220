import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DispatchSweeperService } from '../../src/hub/dispatch/dispatch-sweeper.service.js';
import type { Tx } from '../../src/hub/database/data-source.js';
import { FleetStatusRepository } from '../../src/hub/fleet-status/fleet-status.repository.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { insertProject, moveToProject } from '../support/projects.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const CM = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\ndata:\n  a: "1"\n`;
const CM_ID = '/ConfigMap/web/one';

let fx: VcsFixture;
let h: TestHub;
const agents: Record<string, ProtocolAgent> = {};
const ids: Record<string, string> = {};

type Row = { applicationName: string; clusterName: string; sync: string; health: string } & Record<
  string,
  any
>;
const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const list = async (query = '', token?: string) => {
  const res = await h.api('GET', `/api/v1/fleet/status${query}`, token ? { token } : {});
  expect(res.status, res.text).toBe(200);
  return res.body as { items: Row[]; nextCursor: string | null; counts: any };
};
const cell = async (app: string, cluster: string) =>
  (await list(`?application=${app}&cluster=${cluster}`)).items[0];
/** Every column of the read model, to show a failed transaction changed none. */
const snapshot = () => h.sql('SELECT * FROM fleet_status ORDER BY application_name, cluster_name');

async function createApp(name: string, selector: string) {
  const res = await h.api('POST', '/api/v1/applications', {
    body: {
      name,
      repositoryId: 'fleet',
      path: 'app',
      targets: [{ clusterSelector: selector, namespace: 'web' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    },
  });
  expect(res.status, res.text).toBe(201);
  ids[name] = res.body.id;
  await settle();
}

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  const repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'app/cm.yaml': CM }, 'initial');
  await h.api('POST', '/api/v1/repositories', { body: { name: 'fleet', type: 'git', url: repo.url } });
  await h.api('POST', '/api/v1/repositories/fleet/refresh');
  for (const [name, labels] of [
    ['c-a', { env: 'prod', region: 'eu' }],
    ['c-b', { env: 'prod', region: 'us' }],
    ['c-c', { env: 'dev', region: 'eu' }],
  ] as const) {
    const c = await h.api('POST', '/api/v1/clusters', { body: { name, labels } });
    ids[name] = c.body.id;
    // c-c never joins: its agent stays Pending.
    if (name === 'c-c') continue;
    agents[name] = new ProtocolAgent(h.url);
    expect((await agents[name].register(c.body.registration.token)).status).toBe(201);
  }
  await createApp('web', 'env in (prod,dev)');
  await createApp('api', 'env=prod');
}, 120_000);
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('the read model follows every write', () => {
  it('queued jobs show Progressing; a Pending cluster shows Unknown, never healthy', async () => {
    const web = await list('?application=web');
    expect(web.items.map((r) => [r.clusterName, r.sync, r.health])).toEqual([
      ['c-a', 'Progressing', 'Unknown'],
      ['c-b', 'Progressing', 'Unknown'],
      ['c-c', 'Unknown', 'Unknown'],
    ]);
    expect(web.items[2]).toMatchObject({
      connectionState: 'Pending',
      message: 'the agent has not joined yet',
      lastJob: { kind: 'sync', state: 'queued' },
    });
    expect(web.items[0].wantedRevisionDisplay).toMatch(/^main@/);
  });

  it('results and status reports update the rows', async () => {
    for (const job of await agents['c-a'].poll()) expect((await agents['c-a'].succeed(job)).status).toBe(200);
    for (const job of await agents['c-b'].poll()) {
      const res =
        job.applicationName === 'web'
          ? await agents['c-b'].fail(job, 'admission webhook denied', false)
          : await agents['c-b'].succeed(job);
      expect(res.status).toBe(200);
    }
    const report = await agents['c-b'].status({
      resources: [{ applicationId: ids.api, resource: CM_ID, health: 'InProgress', drifted: false }],
      events: [],
    });
    expect(report.status, JSON.stringify(report.body)).toBe(200);

    expect(await cell('web', 'c-a')).toMatchObject({
      sync: 'Synced',
      health: 'Current',
      appliedRevisionDisplay: expect.stringMatching(/^main@/),
      lastJob: { state: 'succeeded', attempts: 1 },
    });
    expect(await cell('web', 'c-b')).toMatchObject({
      sync: 'Failed',
      health: 'Unknown',
      message: 'admission webhook denied',
      lastJob: { state: 'failed', error: 'admission webhook denied' },
    });
    expect(await cell('api', 'c-b')).toMatchObject({ sync: 'Synced', health: 'InProgress' });

    // A result moves its row in place (updateAfterResult); recomputing every row from the
    // source tables gives the same values.
    const inPlace = await snapshot();
    await h.hub.app
      .get(FleetStatusRepository)
      .refreshClusters(undefined as unknown as Tx, [ids['c-a'], ids['c-b'], ids['c-c']]);
    const withoutTime = (rows: Record<string, unknown>[]) => rows.map(({ updated_at: _, ...r }) => r);
    expect(withoutTime(await snapshot())).toEqual(withoutTime(inPlace));

    // The application view reads the same rows.
    const view = await h.api('GET', '/api/v1/applications/web');
    expect(view.body.clusters.map((c: Row) => [c.clusterName, c.sync, c.health])).toEqual([
      ['c-a', 'Synced', 'Current'],
      ['c-b', 'Failed', 'Unknown'],
      ['c-c', 'Unknown', 'Unknown'],
    ]);
    expect(view.body.counts).toEqual({
      total: 3,
      sync: { Synced: 1, Failed: 1, Unknown: 1 },
      health: { Current: 1, Unknown: 2 },
    });
  });

  it('drift reported by the agent shows OutOfSync with a message', async () => {
    await agents['c-a'].status({
      resources: [{ applicationId: ids.api, resource: CM_ID, health: 'Current', drifted: true, diff: 'x' }],
      events: [],
    });
    expect(await cell('api', 'c-a')).toMatchObject({
      sync: 'OutOfSync',
      drifted: true,
      message: 'live objects differ from the desired state',
    });
    await agents['c-a'].status({
      resources: [{ applicationId: ids.api, resource: CM_ID, health: 'Current', drifted: false }],
      events: [],
    });
    expect(await cell('api', 'c-a')).toMatchObject({ sync: 'Synced', drifted: false });
  });
});

describe('GET /api/v1/fleet/status', () => {
  it('filters by application, cluster, selector, sync and health, with counts of the whole set', async () => {
    const all = await list();
    expect(all.items.map((r) => `${r.applicationName}/${r.clusterName}`)).toEqual([
      'api/c-a',
      'api/c-b',
      'web/c-a',
      'web/c-b',
      'web/c-c',
    ]);
    expect(all.counts).toEqual({
      total: 5,
      sync: { Synced: 3, Failed: 1, Unknown: 1 },
      health: { Current: 2, InProgress: 1, Unknown: 2 },
    });
    const names = async (q: string) =>
      (await list(q)).items.map((r) => `${r.applicationName}/${r.clusterName}`);
    expect(await names('?sync=Failed')).toEqual(['web/c-b']);
    expect(await names('?sync=Failed,Unknown')).toEqual(['web/c-b', 'web/c-c']);
    expect(await names('?health=Unknown')).toEqual(['web/c-b', 'web/c-c']);
    expect(await names('?health=InProgress,Current&sync=Synced')).toEqual(['api/c-a', 'api/c-b', 'web/c-a']);
    expect(await names('?selector=region%3Deu')).toEqual(['api/c-a', 'web/c-a', 'web/c-c']);
    expect(await names(`?selector=${encodeURIComponent('env in (prod),region!=eu')}`)).toEqual([
      'api/c-b',
      'web/c-b',
    ]);
    expect(await names('?selector=gpu')).toEqual([]);
    expect(await names(`?application=${ids.api}`)).toEqual(['api/c-a', 'api/c-b']);
    expect(await names(`?cluster=${ids['c-c']}`)).toEqual(['web/c-c']);
    expect(await names('?cluster=c-b&application=web')).toEqual(['web/c-b']);
    expect(await names('?application=nope')).toEqual([]);
    // Counts cover the filtered set, not the page.
    const page = await list('?selector=env%3Dprod&limit=1');
    expect(page.items).toHaveLength(1);
    expect(page.counts).toEqual({
      total: 4,
      sync: { Synced: 3, Failed: 1 },
      health: { Current: 2, InProgress: 1, Unknown: 1 },
    });
  });

  it('pages through the set in name order with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...page.items.map((r) => `${r.applicationName}/${r.clusterName}`));
      expect(page.counts.total).toBe(5);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['api/c-a', 'api/c-b', 'web/c-a', 'web/c-b', 'web/c-c']);
    const filtered = await list('?health=Unknown&limit=1');
    const next = await list(`?health=Unknown&limit=1&cursor=${encodeURIComponent(filtered.nextCursor!)}`);
    expect([filtered.items[0].clusterName, next.items[0].clusterName]).toEqual(['c-b', 'c-c']);
    expect(next.nextCursor).toBeNull();
  });

  it('answers a viewer; refuses no token and agent credentials (401) and bad input (400) by name', async () => {
    const viewer = await h.token('viewer');
    expect((await list('', viewer)).counts.total).toBe(5);
    expect((await h.api('GET', '/api/v1/fleet/status', { token: null })).status).toBe(401);
    expect((await h.api('GET', '/api/v1/fleet/status', { token: 'flt_nope' })).status).toBe(401);
    expect((await h.api('GET', '/api/v1/fleet/status', { token: agents['c-a'].credential })).status).toBe(
      401,
    );
    for (const [query, needle] of [
      ['sync=Healthy', 'sync must be a comma-separated list'],
      ['sync=Synced,', 'sync must be'],
      ['health=Degraded', 'health must be'],
      ['selector=env%3D%3D%3D', 'selector'],
      ['limit=0', 'limit'],
      ['limit=5001', 'limit'],
      ['cursor=abc', 'cursor'],
      ['application=', 'application'],
      ['unknown=1', 'unknown'],
    ]) {
      const res = await h.api('GET', `/api/v1/fleet/status?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.text, query).toContain(needle);
    }
    // Reading only: a write method is not a route here.
    expect([404, 405]).toContain((await h.api('POST', '/api/v1/fleet/status', { body: {} })).status);
  });
});

describe('GET /api/v1/fleet/grid', () => {
  const grid = async (query = '') => {
    const res = await h.api('GET', `/api/v1/fleet/grid${query}`);
    expect(res.status, res.text).toBe(200);
    return res.body;
  };
  const shape = (body: any) =>
    body.rows.map((r: any) => [
      r.cluster.name,
      Object.fromEntries(
        r.cells.map((c: any) => [body.applications.find((a: any) => a.id === c.applicationId).name, c.state]),
      ),
    ]);

  it('answers one window of clusters with their cells, the columns and the counts of the whole selection', async () => {
    const first = await grid('?limit=2');
    expect(first.applications.map((a: any) => a.name)).toEqual(['api', 'web']);
    expect(shape(first)).toEqual([
      ['c-a', { api: 'ok', web: 'ok' }],
      ['c-b', { api: 'progressing', web: 'failed' }],
    ]);
    expect(first.total).toBe(3);
    expect(first.counts).toEqual({
      clusters: 3,
      connected: 2,
      disconnected: 0,
      pending: 1,
      applications: 2,
      cells: { failed: 1, outofsync: 0, progressing: 1, ok: 2, unknown: 1 },
    });
    const next = await grid('?limit=2&offset=2');
    expect(shape(next)).toEqual([['c-c', { web: 'unknown' }]]);
    expect(next.counts).toEqual(first.counts);
    expect(await grid('?offset=10')).toMatchObject({ rows: [], total: 3, offset: 10 });
  });

  it('filters clusters by state and selector on the server', async () => {
    expect(shape(await grid('?state=problem'))).toEqual([
      ['c-b', { api: 'progressing', web: 'failed' }],
      ['c-c', { web: 'unknown' }],
    ]);
    expect((await grid('?state=ok')).rows.map((r: any) => r.cluster.name)).toEqual(['c-a']);
    expect((await grid('?state=failed')).rows.map((r: any) => r.cluster.name)).toEqual(['c-b']);
    expect(await grid('?state=disconnected')).toMatchObject({ rows: [], total: 0 });
    const prod = await grid(`?selector=${encodeURIComponent('env=prod')}&state=problem`);
    expect(prod.rows.map((r: any) => r.cluster.name)).toEqual(['c-b']);
    expect(prod.total).toBe(1);
    expect(prod.counts).toMatchObject({
      clusters: 2,
      cells: { ok: 2, failed: 1, progressing: 1, unknown: 0 },
    });
  });

  it('refuses bad input by name', async () => {
    for (const [q, word] of [
      ['?state=broken', 'state'],
      ['?limit=0', 'limit'],
      ['?limit=201', 'limit'],
      ['?offset=-1', 'offset'],
      [`?selector=${encodeURIComponent('env in (')}`, 'selector'],
    ]) {
      const res = await h.api('GET', `/api/v1/fleet/grid${q}`);
      expect(res.status, q).toBe(400);
      expect(res.text).toContain(word);
    }
  });
});

describe('GET /api/v1/fleet/grid?project=', () => {
  it("narrows the columns, rows and counts to one project's applications, within what the caller sees", async () => {
    const teamX = await insertProject((t, p) => h.sql(t, p), 'team-x', {
      namespaces: ['*'],
      allowedKinds: [],
      deniedKinds: [],
      allowSecrets: true,
    });
    await moveToProject((t, p) => h.sql(t, p), 'api', teamX);
    const defaultId = (await h.sql<{ id: string }>(`SELECT id FROM projects WHERE name = 'default'`))[0].id;
    try {
      const grid = async (query: string, token?: string) => {
        const res = await h.api('GET', `/api/v1/fleet/grid${query}`, token ? { token } : {});
        expect(res.status, res.text).toBe(200);
        return res.body;
      };
      const x = await grid('?project=team-x');
      expect(x.applications.map((a: any) => a.name)).toEqual(['api']);
      // api targets env=prod: c-c (dev) is none of team-x's business
      expect(x.rows.map((r: any) => r.cluster.name)).toEqual(['c-a', 'c-b']);
      expect(x.counts).toMatchObject({ clusters: 2, applications: 1, cells: { ok: 1, progressing: 1 } });
      const d = await grid('?project=default');
      expect(d.applications.map((a: any) => a.name)).toEqual(['web']);
      expect(d.total).toBe(3);
      expect(await grid('?project=nobody')).toMatchObject({ applications: [], rows: [], total: 0 });

      const t = await h.api('POST', '/api/v1/tokens', {
        body: { name: 'grid-team-x', projects: { 'team-x': 'viewer' } },
      });
      expect(t.status, t.text).toBe(201);
      // a project-scoped caller asking for a project it holds no role in sees nothing of it
      expect(await grid('?project=default', t.body.token)).toMatchObject({
        applications: [],
        rows: [],
        total: 0,
      });
      expect((await grid('?project=team-x', t.body.token)).applications.map((a: any) => a.name)).toEqual([
        'api',
      ]);
      const bad = await h.api('GET', '/api/v1/fleet/grid?project=Not_A_Name');
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('project');
    } finally {
      await moveToProject((t, p) => h.sql(t, p), 'api', defaultId);
    }
  });
});

describe('connection state', () => {
  it('a silent cluster turns its rows Unknown at once, and back when its agent calls', async () => {
    await h.sql(`UPDATE clusters SET last_seen_at = now() - interval '1 hour' WHERE name = 'c-a'`);
    const swept = await h.hub.app.get(DispatchSweeperService).sweep();
    expect(swept.disconnected).toBe(1);
    const rows = (await list('?cluster=c-a')).items;
    expect(rows.map((r) => [r.sync, r.health, r.connectionState, r.message])).toEqual([
      ['Unknown', 'Unknown', 'Disconnected', 'the agent is disconnected'],
      ['Unknown', 'Unknown', 'Disconnected', 'the agent is disconnected'],
    ]);
    // Filters see the stored state: a disconnected cluster is never counted healthy.
    expect((await list('?health=Current')).items).toEqual([]);
    expect((await list('?sync=Synced')).items.map((r) => `${r.applicationName}/${r.clusterName}`)).toEqual([
      'api/c-b',
    ]);

    expect((await agents['c-a'].call('POST', '/heartbeat', { agentVersion: 'test-0.1' })).status).toBe(204);
    expect((await list('?cluster=c-a')).items.map((r) => [r.sync, r.health])).toEqual([
      ['Synced', 'Current'],
      ['Synced', 'Current'],
    ]);
  });

  it('revoking the credential shows the rows Pending and Unknown; registering again restores them', async () => {
    expect((await h.api('POST', '/api/v1/clusters/c-b/credentials/revoke')).status).toBe(200);
    expect((await list('?cluster=c-b')).items.map((r) => [r.connectionState, r.sync, r.health])).toEqual([
      ['Pending', 'Unknown', 'Unknown'],
      ['Pending', 'Unknown', 'Unknown'],
    ]);
    const token = await h.api('POST', '/api/v1/clusters/c-b/registration-token');
    expect((await agents['c-b'].register(token.body.token)).status).toBe(201);
    expect((await list('?cluster=c-b')).items.map((r) => [r.connectionState, r.sync, r.health])).toEqual([
      ['Connected', 'Synced', 'InProgress'],
      ['Connected', 'Failed', 'Unknown'],
    ]);
  });
});

describe('a failed transaction changes no status row', () => {
  beforeAll(async () => {
    // A real commit-time failure: a deferred constraint trigger raises at COMMIT while a flag
    // row exists, after every statement of the transaction (the status refresh included) ran.
    await h.sql(`CREATE TABLE test_fail_commit (x int)`);
    await h.sql(`
      CREATE FUNCTION test_fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM test_fail_commit) THEN RAISE EXCEPTION 'injected commit failure'; END IF;
        RETURN NULL;
      END $$`);
    for (const table of ['reconcile_jobs', 'resource_status'])
      await h.sql(`
        CREATE CONSTRAINT TRIGGER test_fail_commit AFTER INSERT OR UPDATE ON ${table}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_fail_commit()`);
  });
  const failing = async <T>(work: () => Promise<T>): Promise<T> => {
    await h.sql(`INSERT INTO test_fail_commit VALUES (1)`);
    try {
      return await work();
    } finally {
      await h.sql(`DELETE FROM test_fail_commit`);
    }
  };

  it('reconcile (a manual sync): no job, no row change', async () => {
    const before = await snapshot();
    const res = await failing(() => h.api('POST', '/api/v1/applications/api/sync'));
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await snapshot()).toEqual(before);
    // Without the fault the same sync writes the rows in its transaction.
    expect((await h.api('POST', '/api/v1/applications/api/sync')).status).toBe(202);
    expect((await cell('api', 'c-a')).sync).toBe('Progressing');
  });

  it('job result: the job stays leased and the row unchanged; the retried report is taken', async () => {
    const [job] = await agents['c-a'].poll();
    expect(job.applicationName).toBe('api');
    expect((await cell('api', 'c-a')).lastJob.state).toBe('leased');
    const before = await snapshot();
    const reportId = randomUUID();
    const res = await failing(() => agents['c-a'].succeed(job, reportId));
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await snapshot()).toEqual(before);
    expect((await agents['c-a'].succeed(job, reportId)).status).toBe(200);
    expect(await cell('api', 'c-a')).toMatchObject({ sync: 'Synced', lastJob: { state: 'succeeded' } });
  });

  it('status report: the drift is not recorded and the row unchanged', async () => {
    const before = await snapshot();
    const res = await failing(() =>
      agents['c-a'].status({
        resources: [{ applicationId: ids.web, resource: CM_ID, health: 'Failed', drifted: true }],
        events: [],
      }),
    );
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await snapshot()).toEqual(before);
  });

  it('lease expiry: the job stays leased and the row unchanged until a sweep commits', async () => {
    expect((await h.api('POST', '/api/v1/applications/web/sync')).status).toBe(202);
    const [job] = await agents['c-a'].poll();
    await h.sql(`UPDATE reconcile_jobs SET lease_expires_at = now() - interval '1 minute' WHERE id = $1`, [
      job.id,
    ]);
    const before = await snapshot();
    const sweeper = h.hub.app.get(DispatchSweeperService);
    await expect(failing(() => sweeper.sweep())).rejects.toThrow(/injected commit failure/);
    expect(await snapshot()).toEqual(before);
    expect((await sweeper.sweep()).requeued).toBe(1);
    expect(await cell('web', 'c-a')).toMatchObject({
      sync: 'Progressing',
      lastJob: { id: job.id, state: 'queued', attempts: 1 },
    });
  });
});
