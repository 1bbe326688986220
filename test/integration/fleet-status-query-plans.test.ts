import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseLabelSelector } from '../../src/domain/label-selector.js';
import {
  FleetStatusRepository,
  type FleetStatusFilter,
} from '../../src/hub/fleet-status/fleet-status.repository.js';
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
});
