/**
 * Fleet grid benchmark (issue 13): what one refresh of the dashboard's fleet grid costs at
 * 1,000 clusters × 50 applications, before and after the fleet status read model, in the same
 * run against the same hub and database.
 *
 *   before: the grid's old requests — every page of clusters and applications, then one
 *           `GET /api/v1/applications/:id` per application (8 at a time, as the dashboard did);
 *   after:  every page of clusters and applications, then the pages of `GET /api/v1/fleet/status`.
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
    const after = async () => {
      const [, , status] = await Promise.all([
        all('/api/v1/clusters', 500),
        all('/api/v1/applications', 500),
        all('/api/v1/fleet/status', 5000),
      ]);
      return status.length;
    };

    // Warm both paths once (connections, plans, JIT), then alternate rounds.
    await measure(before);
    await measure(after);
    const runs: { before: number[]; after: number[] } = { before: [], after: [] };
    let last: { before?: Refresh; after?: Refresh } = {};
    for (let i = 0; i < ROUNDS; i++) {
      const b = await measure(before);
      const a = await measure(after);
      runs.before.push(b.ms);
      runs.after.push(a.ms);
      last = { before: b, after: a };
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    const b = median(runs.before);
    const a = median(runs.after);
    console.log(`\nfleet grid refresh, ${CLUSTERS} clusters × ${APPS} applications (median of ${ROUNDS}):`);
    console.log(
      `  before (one request per application): ${last.before!.requests} requests, ${Math.round(b)} ms, ${mb(last.before!.bytes)} MB, ${last.before!.cells} cells`,
    );
    console.log(
      `  after  (fleet status read model):     ${last.after!.requests} requests, ${Math.round(a)} ms, ${mb(last.after!.bytes)} MB, ${last.after!.cells} cells`,
    );
    console.log(
      `  ratio before/after: ${(last.before!.requests / last.after!.requests).toFixed(1)}× fewer requests, ${(b / a).toFixed(2)}× time`,
    );
  } finally {
    await hub?.stop();
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
