/**
 * Fleet grid benchmark (issue 13): what one refresh of the dashboard's fleet grid costs at
 * 1,000 clusters × 50 applications, three ways, in the same run against the same hub and database.
 *
 *   one request per application: the grid's first requests — every page of clusters and
 *           applications, then `GET /api/v1/applications/:id` per application (8 at a time);
 *   pages of the read model: every page of clusters and applications, then the pages of
 *           `GET /api/v1/fleet/status` (the whole fleet, 5,000 cells a page);
 *   one grid window: what the dashboard asks now — `GET /api/v1/fleet/grid`, the 75 clusters
 *           around the rows in view with their cells, the columns and the counts.
 *
 * And the landing view's two requests (issue 21): `GET /api/v1/fleet/problems` (counts grouped
 * by application and by region; its last column is the clusters needing attention) and
 * `GET /api/v1/fleet/problems/clusters` for one application (its last column: the group's rows).
 *
 * Rows are seeded straight into the tables (test/support/fleet-seed.ts). Note that "before"
 * is measured on today's hub, whose application view also reads the read model: the old
 * view's four-repository join was slower still, so the ratio printed understates the change.
 *
 *   npm run build && npm run bench:fleet-grid        (CLUSTERS=1000 APPS=50 ROUNDS=5 to choose)
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/hub/database/embedded-postgres.launcher.js';
import { fleetSeedSql } from '../test/support/fleet-seed.js';
import { BENCH_ADMIN, startHubProcess, type HubProcess } from './support/hub-process.js';

const CLUSTERS = Number(process.env.CLUSTERS ?? 1000);
const APPS = Number(process.env.APPS ?? 50);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

interface Refresh {
  requests: number;
  bytes: number;
  cells: number;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-grid-'));
  await chmod(dir, 0o711);
  const db = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
  let hub: HubProcess | null = null;
  try {
    // Start the hub first: it runs the migrations, then the fleet is seeded under it.
    hub = await startHubProcess(db.url, join(dir, 'hub'), { FLOTILLA_SWEEP_INTERVAL_MS: '0' });
    const client = new pg.Client(db.url);
    await client.connect();
    const t0 = performance.now();
    for (const sql of fleetSeedSql(CLUSTERS, APPS)) await client.query(sql);
    await client.end();
    console.log(
      `seeded ${CLUSTERS} clusters × ${APPS} applications (${CLUSTERS * APPS} status rows) in ${Math.round(performance.now() - t0)} ms`,
    );
    const url = hub.url;
    let requests = 0;
    let bytes = 0;
    const get = async (path: string): Promise<any> => {
      requests++;
      const res = await fetch(url + path, { headers: { authorization: `Bearer ${BENCH_ADMIN}` } });
      const text = await res.text();
      bytes += text.length;
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 200)}`);
      return JSON.parse(text);
    };
    const all = async (path: string, limit: number): Promise<any[]> => {
      const out: any[] = [];
      let cursor: string | null = null;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const page = await get(
          `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        out.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    };
    const measure = async (refresh: () => Promise<number>): Promise<Refresh & { ms: number }> => {
      requests = 0;
      bytes = 0;
      const start = performance.now();
      const cells = await refresh();
      return { ms: performance.now() - start, requests, bytes, cells };
    };

    const before = async () => {
      const [, apps] = await Promise.all([all('/api/v1/clusters', 500), all('/api/v1/applications', 500)]);
      let cells = 0;
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < apps.length) {
            const a = apps[next++];
            const detail = await get(`/api/v1/applications/${a.id}`);
            cells += detail.clusters.length;
          }
        }),
      );
      return cells;
    };
    const pages = async () => {
      const [, , status] = await Promise.all([
        all('/api/v1/clusters', 500),
        all('/api/v1/applications', 500),
        all('/api/v1/fleet/status', 5000),
      ]);
      return status.length;
    };
    // the dashboard today: one window of 75 clusters around the rows in view (here the middle
    // of the fleet), the columns and the counts, in one request
    const windowed = async () => {
      const g = await get(`/api/v1/fleet/grid?offset=${Math.floor(CLUSTERS / 2)}&limit=75`);
      return g.rows.reduce((n: number, r: { cells: unknown[] }) => n + r.cells.length, 0);
    };

    // the landing view: the problem counts grouped by application and by region, and the
    // list of one group (an application's affected clusters), each one request
    const problems = async () => {
      const p = await get('/api/v1/fleet/problems?label=region');
      return p.affected as number;
    };
    const problemGroup = async () => {
      const l = await get('/api/v1/fleet/problems/clusters?application=app-0001&limit=200');
      return l.total as number;
    };

    const ways = {
      'one request per application': before,
      'pages of the read model': pages,
      'one grid window': windowed,
      'problems by app and label': problems,
      'one problem group': problemGroup,
    };
    // Warm every path once (connections, plans, JIT), then alternate rounds.
    for (const way of Object.values(ways)) await measure(way);
    const runs: Record<string, number[]> = {};
    const last: Record<string, Refresh> = {};
    for (let i = 0; i < ROUNDS; i++) {
      for (const [name, way] of Object.entries(ways)) {
        const r = await measure(way);
        (runs[name] ??= []).push(r.ms);
        last[name] = r;
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const mb = (n: number) => (n / 1024 / 1024).toFixed(2);
    const base = median(runs['one request per application']);
    console.log(`\nfleet grid refresh, ${CLUSTERS} clusters × ${APPS} applications (median of ${ROUNDS}):`);
    for (const name of Object.keys(ways)) {
      const ms = median(runs[name]);
      console.log(
        `  ${name.padEnd(28)} ${String(last[name].requests).padStart(3)} requests, ${String(Math.round(ms)).padStart(5)} ms (${(ms / base).toFixed(2)} of the first), ${mb(last[name].bytes)} MB, ${last[name].cells} ${name.startsWith('one problem') || name.startsWith('problems') ? 'affected' : 'cells'}`,
      );
    }
  } finally {
    await hub?.stop();
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
