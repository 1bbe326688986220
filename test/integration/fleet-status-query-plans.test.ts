import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseLabelSelector } from '../../src/domain/label-selector.js';
import {
  FleetStatusRepository,
  type FleetStatusFilter,
} from '../../src/hub/fleet-status/fleet-status.repository.js';
import { UnitOfWork } from '../../src/hub/database/unit-of-work.js';
import { fleetSeedSql } from '../support/fleet-seed.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

let h: TestHub;
const CLUSTERS = 1000;
const APPS = 50;

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
  for (const sql of fleetSeedSql(CLUSTERS, APPS)) await h.sql(sql);
}, 180_000);
afterAll(async () => {
  await h?.close();
});

const queries: [string, FleetStatusFilter, [string, string] | null][] = [
  ['first page, no filter', {}, null],
  ['next page, no filter', {}, ['app-0025', 'c-00500']],
  ['by application name', { application: 'app-0007' }, null],
  ['by application id', { application: '00000000-0000-4000-8000-000000000000' }, null],
  ['by cluster name', { cluster: 'c-00042' }, null],
  ['failed', { sync: ['Failed'] }, null],
  ['failed or out of sync', { sync: ['Failed', 'OutOfSync'] }, null],
  ['next page of failed', { sync: ['Failed'] }, ['app-0025', 'c-00500']],
  ['degraded health', { health: ['Failed', 'InProgress'] }, null],
  ['label selector', { selector: parseLabelSelector('env=prod,region in (eu,us)') }, null],
  ['selector and sync', { selector: parseLabelSelector('env=prod'), sync: ['OutOfSync'] }, null],
];

describe(`fleet status query plans (${CLUSTERS.toLocaleString('en')} clusters × ${APPS} applications)`, () => {
  it('every page query is an index scan', async () => {
    const repo = h.hub.app.get(FleetStatusRepository);
    const doc = [
      '# Fleet status query plans',
      '',
      `EXPLAIN of the page queries behind \`GET /api/v1/fleet/status\` over ${(CLUSTERS * APPS).toLocaleString('en')}`,
      `rows (${CLUSTERS.toLocaleString('en')} clusters × ${APPS} applications), as produced by`,
      '`test/integration/fleet-status-query-plans.test.ts`, which fails if any of them stops using an index.',
      '',
    ];
    for (const [name, filter, after] of queries) {
      const plan = await repo.explain(filter, after, 101);
      doc.push(`## ${name}`, '', '```', plan, '```', '');
      expect(plan, name).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
      expect(plan, `${name}\n${plan}`).not.toMatch(/Seq Scan on fleet_status/);
    }
    if (process.env.FLOTILLA_WRITE_DOCS === '1')
      await writeFile('docs/fleet-status-query-plans.md', doc.join('\n'));
  });

  it('counts cover the filtered set and agree with the rows', async () => {
    const repo = h.hub.app.get(FleetStatusRepository);
    const all = await repo.counts({});
    expect(all.total).toBe(CLUSTERS * APPS);
    const failed = await repo.counts({ sync: ['Failed'] });
    expect(failed.total).toBe(all.sync.Failed);
    const [{ n }] = await h.sql<{ n: string }>(
      `SELECT count(*) AS n FROM fleet_status WHERE sync = 'Failed'`,
    );
    expect(failed.total).toBe(Number(n));
  });

  it('the application view reads one application’s rows from the model', async () => {
    const res = await h.api('GET', '/api/v1/applications/app-0003');
    expect(res.status).toBe(200);
    expect(res.body.counts.total).toBe(CLUSTERS);
    expect(res.body.clusters).toHaveLength(CLUSTERS);
  });

  it('refreshing the pairs of jobs queued in the same transaction reads each pair a bounded number of times', async () => {
    // A deployment queues a job per cluster and refreshes their rows in the transaction that
    // inserted them, so the planner's statistics still describe the table before it (the previous
    // deployment's jobs, all finished). A plan that scans every pair once per job (10,000 pairs:
    // seconds of CPU, the jobs invisible to agents until it ends) shows as a node producing
    // pairs × pairs rows.
    const repo = h.hub.app.get(FleetStatusRepository);
    const pairsOf = `SELECT a.id AS application_id, c.id AS cluster_id FROM applications a CROSS JOIN clusters c
                     WHERE a.name <= 'app-0010'`;
    const jobsSql = (state: string) =>
      `INSERT INTO reconcile_jobs (id, cluster_id, application_id, kind, revision, revision_display, prune,
                                   self_heal, ignore_differences, state)
       SELECT gen_random_uuid(), cluster_id, application_id, 'sync', 'rev', 'main@sha1:1a2b3c4', true, false,
              '[]', '${state}'
       FROM (${pairsOf}) p`;
    await h.sql(jobsSql('succeeded'));
    await h.sql(`ANALYZE reconcile_jobs`);
    const rolledBack = new Error('roll back');
    let plan: unknown;
    let pairs = 0;
    await expect(
      h.hub.app.get(UnitOfWork).run(async (tx) => {
        const query = (text: string) => (tx as unknown as { query(t: string): Promise<unknown> }).query(text);
        await query(
          `INSERT INTO desired_states (application_id, cluster_id, revision, revision_display, inventory)
           SELECT application_id, cluster_id, 'rev', 'main@sha1:1a2b3c4', '[]' FROM (${pairsOf}) p`,
        );
        await query(jobsSql('queued'));
        const rows = (await query(pairsOf)) as { application_id: string; cluster_id: string }[];
        pairs = rows.length;
        plan = await repo.explainRefreshPairs(
          tx,
          rows.map((r) => ({ applicationId: r.application_id, clusterId: r.cluster_id })),
        );
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    const rowsOut = (node: Record<string, unknown>): number[] => [
      // a node never executed has no actual figures
      Number(node['Actual Rows'] ?? 0) * Number(node['Actual Loops'] ?? 0),
      ...((node.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(rowsOut),
    ];
    const root = (plan as { Plan: Record<string, unknown> }[])[0].Plan;
    const largest = Math.max(...rowsOut(root));
    expect(pairs).toBe(10 * CLUSTERS);
    expect(largest, JSON.stringify(root)).toBeGreaterThanOrEqual(pairs);
    // Linear in the tables read (fleet_status, the largest, has CLUSTERS × APPS rows); the
    // pair-by-pair scan produced about pairs² / 2 (50,000,000).
    expect(largest, JSON.stringify(root)).toBeLessThanOrEqual(2 * CLUSTERS * APPS);
  });
});
