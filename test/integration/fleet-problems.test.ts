import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { noProblems, PROBLEM_KINDS, problemOf, type ProblemKind } from '../../src/domain/fleet-problems.js';
import { fleetSeedSql } from '../support/fleet-seed.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { OPEN_POLICY } from '../../src/domain/object-policy.js';
import { insertProject, moveToProject } from '../support/projects.js';

/**
 * The landing view's API against a real hub: its grouped counts must agree with the pure rule
 * applied to every status row (read straight from the tables), and each group's drill-down must
 * list exactly the clusters it counts.
 */
let h: TestHub;
type Row = {
  app: string;
  cluster: string;
  labels: Record<string, string>;
  conn: string;
  sync: string;
  health: string;
};
type Group = {
  id: string | null;
  name: string | null;
  clusters: number;
  counts: Record<ProblemKind, number>;
};
let rows: Row[];
let lonelyConn: string;

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
  for (const sql of fleetSeedSql(300, 6)) await h.sql(sql);
  // a disconnected cluster no application targets, without the region label
  await h.sql(`INSERT INTO clusters (id, name, labels, connection_state) VALUES
    (gen_random_uuid(), 'lonely', '{"env": "edge"}', 'Disconnected')`);
  lonelyConn = 'Disconnected';
  rows = await h.sql<Row>(
    `SELECT f.application_name AS app, c.name AS cluster, c.labels, c.connection_state AS conn, f.sync, f.health
       FROM fleet_status f JOIN clusters c ON c.id = f.cluster_id`,
  );
}, 180_000);
afterAll(async () => {
  await h?.close();
});

const get = async (path: string, token?: string) => {
  const res = await h.api('GET', path, token ? { token } : {});
  expect(res.status, res.text).toBe(200);
  return res.body;
};

/** What the groups must say, computed in the test from the rows and the pure rule. */
function expected(groupOf: (r: Row) => string | null, lonelyGroup: string | null) {
  const kinds = new Map<string | null, Map<ProblemKind, Set<string>>>();
  const add = (g: string | null, k: ProblemKind, cluster: string) => {
    const m = kinds.get(g) ?? new Map<ProblemKind, Set<string>>();
    m.set(k, (m.get(k) ?? new Set()).add(cluster));
    kinds.set(g, m);
  };
  for (const r of rows) {
    const k = problemOf(r.conn, r.sync, r.health);
    if (k) add(groupOf(r), k, r.cluster);
  }
  add(lonelyGroup, 'disconnected', 'lonely');
  const out: Record<string, { clusters: number; counts: Record<ProblemKind, number> }> = {};
  for (const [g, m] of kinds) {
    const counts = noProblems();
    const all = new Set<string>();
    for (const [k, s] of m) {
      counts[k] = s.size;
      s.forEach((c) => all.add(c));
    }
    out[String(g)] = { clusters: all.size, counts };
  }
  return out;
}

describe('GET /api/v1/fleet/problems', () => {
  it('counts affected clusters by application and by label value, as the pure rule says', async () => {
    const s = await get('/api/v1/fleet/problems?label=region');
    expect(s.label).toBe('region');
    expect(s.clusters).toBe(301);
    const byApp = expected((r) => r.app, '—');
    delete byApp['—'];
    expect(
      Object.fromEntries(
        s.applications.map((g: Group) => [g.name, { clusters: g.clusters, counts: g.counts }]),
      ),
    ).toEqual(byApp);
    const byRegion = expected((r) => r.labels.region ?? null, null);
    expect(
      Object.fromEntries(
        s.labels.map((g: Group) => [String(g.name), { clusters: g.clusters, counts: g.counts }]),
      ),
    ).toEqual(byRegion);
    const all = expected(() => 'all', 'all').all;
    expect({ clusters: s.affected, counts: s.counts }).toEqual(all);
    // the seed has every kind, and the most urgent group comes first
    for (const k of PROBLEM_KINDS) expect(s.counts[k], k).toBeGreaterThan(0);
    const [first, second] = s.applications as Group[];
    const differs = PROBLEM_KINDS.find((k) => first.counts[k] !== second.counts[k]);
    if (differs) expect(first.counts[differs]).toBeGreaterThan(second.counts[differs]);
    expect(lonelyConn).toBe('Disconnected');
  });

  it('groups by the label most clusters carry unless told, and lists the keys to choose from', async () => {
    const s = await get('/api/v1/fleet/problems');
    // env, region and shard are on the 300 seeded clusters; env also on the lonely one
    expect(s.label).toBe('env');
    expect(s.labelKeys.slice(0, 3)).toEqual([
      { key: 'env', clusters: 301 },
      { key: 'region', clusters: 300 },
      { key: 'shard', clusters: 300 },
    ]);
    expect(s.labels.map((g: Group) => g.name).sort()).toEqual(['dev', 'edge', 'prod', 'staging']);
  });

  it('narrows to a label selector', async () => {
    const s = await get(`/api/v1/fleet/problems?label=region&selector=${encodeURIComponent('env=prod')}`);
    expect(s.clusters).toBe(100);
    const prod = rows.filter((r) => r.labels.env === 'prod');
    const clusters = new Set(prod.filter((r) => problemOf(r.conn, r.sync, r.health)).map((r) => r.cluster));
    expect(s.affected).toBe(clusters.size);
  });

  it('refuses a label that is no label key, naming it', async () => {
    const res = await h.api('GET', '/api/v1/fleet/problems?label=' + encodeURIComponent('bad key!'));
    expect(res.status).toBe(400);
    expect(res.text).toContain('label');
  });
});

describe('GET /api/v1/fleet/problems/clusters', () => {
  it('lists exactly the clusters an application group counts, with messages, most urgent first', async () => {
    const s = await get('/api/v1/fleet/problems?label=region');
    const app: Group = s.applications[0];
    const list = await get(`/api/v1/fleet/problems/clusters?application=${app.name}&limit=500`);
    expect(list.total).toBe(app.clusters);
    expect(list.items).toHaveLength(app.clusters);
    const kinds = list.items.map((i: { kind: ProblemKind }) => PROBLEM_KINDS.indexOf(i.kind));
    expect(kinds).toEqual([...kinds].sort((a, b) => a - b));
    for (const i of list.items) {
      expect(i.applicationName).toBe(app.name);
      expect(i.kind).toBe(problemOf(i.connectionState, i.sync, i.health));
      if (i.kind === 'disconnected') expect(i.message).toBe('the agent is disconnected');
    }
    const failed = await get(`/api/v1/fleet/problems/clusters?application=${app.id}&kind=failed`);
    expect(failed.total).toBe(app.counts.failed);
  });

  it('a label group is a selector: its disconnected clusters include one no application targets', async () => {
    const s = await get('/api/v1/fleet/problems?label=env');
    const edge = s.labels.find((g: Group) => g.name === 'edge');
    expect(edge).toMatchObject({ clusters: 1, counts: { disconnected: 1 } });
    const list = await get(`/api/v1/fleet/problems/clusters?selector=${encodeURIComponent('env=edge')}`);
    expect(list).toMatchObject({
      total: 1,
      items: [{ clusterName: 'lonely', applicationName: null, kind: 'disconnected' }],
    });
    // clusters without the label: the `!key` selector
    const none = await get(`/api/v1/fleet/problems/clusters?selector=${encodeURIComponent('!region')}`);
    expect(none.items.map((i: { clusterName: string }) => i.clusterName)).toEqual(['lonely']);
    const limited = await get('/api/v1/fleet/problems/clusters?limit=3');
    expect(limited.items).toHaveLength(3);
    expect(limited.total).toBeGreaterThan(3);
  });

  it("a project-scoped caller sees its projects' applications and the clusters they target only", async () => {
    const id = await insertProject((t, p) => h.sql(t, p), 'team-x', OPEN_POLICY);
    await moveToProject((t, p) => h.sql(t, p), 'app-0001', id);
    const res = await h.api('POST', '/api/v1/tokens', {
      body: { name: 'team-x-viewer', projects: { 'team-x': 'viewer' } },
    });
    expect(res.status, res.text).toBe(201);
    const token = res.body.token as string;
    const s = await get('/api/v1/fleet/problems?label=region', token);
    expect(s.applications.map((g: Group) => g.name)).toEqual(['app-0001']);
    expect(s.clusters).toBe(300); // the lonely cluster is targeted by nothing of theirs
    const list = await get('/api/v1/fleet/problems/clusters?limit=500', token);
    expect(new Set(list.items.map((i: { applicationName: string }) => i.applicationName))).toEqual(
      new Set(['app-0001']),
    );
    const other = await get('/api/v1/fleet/problems?project=default', token);
    expect(other).toMatchObject({ clusters: 0, affected: 0, applications: [], labels: [] });
  });
});
