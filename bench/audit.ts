/**
 * The audit trail at 10 million events (issue 19, goal 3): seeds AUDIT_ROWS events with SQL over
 * the last 12 months (2,000 clusters, 50 repositories, 500 applications, 20 projects; hashes are
 * placeholders, verify is not run over them), starts the compiled hub in its own process, times
 * every documented filter of `GET /api/v1/audit` through HTTP (p50 / p99 of REQUESTS calls each),
 * then streams an export of EXPORT_ROWS events and prints its throughput and the hub's peak RSS.
 *
 *   npm run build && npm run bench:audit      (AUDIT_ROWS=10000000 REQUESTS=100 EXPORT_ROWS=1000000)
 */
import { readFile, chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDataSource, runMigrations } from '../src/hub/database/data-source.js';
import { startEmbeddedPostgres } from '../src/hub/database/embedded-postgres.launcher.js';
import { BENCH_ADMIN, startHubProcess } from './support/hub-process.js';

const ROWS = Number(process.env.AUDIT_ROWS ?? 10_000_000);
const REQUESTS = Number(process.env.REQUESTS ?? 100);
const EXPORT_ROWS = Math.min(ROWS, Number(process.env.EXPORT_ROWS ?? 1_000_000));
const CHUNK = 500_000;
const SPAN_MS = 365 * 86_400_000;

const uuid = (prefix: string, n: number) =>
  `00000000-0000-4000-${prefix}-${n.toString(16).padStart(12, '0')}`;

function seedSql(from: number, to: number, start: Date): string {
  const stepMs = SPAN_MS / ROWS;
  return `
    INSERT INTO audit_events (seq, occurred_at, actor_type, actor_id, actor_name, action, cluster_id, repository_id,
                              application_id, project_id, revision, resource, details, prev_hash, hash)
    SELECT g, '${start.toISOString()}'::timestamptz + (g::float8 * ${stepMs}) * interval '1 millisecond',
           'agent', 'a', 'agent:c' || (g % 2000),
           (ARRAY['resource.applied','resource.pruned','drift.detected','job.dispatched','cluster.updated'])[1 + g % 5],
           ('00000000-0000-4000-8000-' || lpad(to_hex(g % 2000), 12, '0'))::uuid,
           ('00000000-0000-4000-9000-' || lpad(to_hex(g % 50), 12, '0'))::uuid,
           ('00000000-0000-4000-a000-' || lpad(to_hex(g % 500), 12, '0'))::uuid,
           ('00000000-0000-4000-b000-' || lpad(to_hex(g % 20), 12, '0'))::uuid,
           'main@sha1:' || md5((g % 3000)::text),
           'apps/Deployment/ns' || (g % 100) || '/app' || (g % 700),
           '{}'::jsonb, md5((g - 1)::text), md5(g::text)
    FROM generate_series(${from}, ${to}) g`;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function main(): Promise<void> {
  const load = loadavg().map((l) => l.toFixed(2));
  console.log(`machine: ${cpus().length} cores, load average ${load.join(' / ')} (1 / 5 / 15 min) at start`);
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-audit-'));
  await chmod(dir, 0o711);
  const db = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
  const ds = createDataSource(db.url, { poolSize: 2 });
  let hub: Awaited<ReturnType<typeof startHubProcess>> | undefined;
  try {
    await ds.initialize();
    await runMigrations(ds);
    const start = new Date(Date.now() - SPAN_MS - 60_000);
    await ds.query(`SELECT audit_events_ensure_partitions($1, now())`, [start]);
    const t0 = performance.now();
    for (let from = 1; from <= ROWS; from += CHUNK) {
      await ds.query(seedSql(from, Math.min(ROWS, from + CHUNK - 1), start));
      process.stdout.write(`\rseeded ${Math.min(ROWS, from + CHUNK - 1).toLocaleString('en')} events`);
    }
    await ds.query('ANALYZE audit_events');
    const parts: { n: number }[] = await ds.query(
      `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'audit_events'::regclass`,
    );
    console.log(
      `\nseeded ${ROWS.toLocaleString('en')} events over 12 months (${parts[0].n} monthly partitions) in ${Math.round((performance.now() - t0) / 1000)} s`,
    );
    // Checkpoints would walk the placeholder chain: off for the bench.
    hub = await startHubProcess(db.url, join(dir, 'hub'), {
      FLOTILLA_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
    });
    const get = async (path: string) => {
      const res = await fetch(hub!.url + path, { headers: { authorization: `Bearer ${BENCH_ADMIN}` } });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { items: unknown[]; nextCursor: string | null };
    };
    const since = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const monthAgo = new Date(Date.now() - 45 * 86_400_000).toISOString();
    const firstPage = await get(`/api/v1/audit?cluster=${uuid('8000', 7)}`);
    const filters: [string, string][] = [
      ['newest, no filter', ''],
      ['cluster', `cluster=${uuid('8000', 7)}`],
      ['cluster, since 3 days', `cluster=${uuid('8000', 7)}&since=${since}`],
      ['cluster, next page', `cluster=${uuid('8000', 7)}&cursor=${firstPage.nextCursor}`],
      ['repository', `repository=${uuid('9000', 3)}`],
      ['application', `application=${uuid('a000', 42)}`],
      ['project (id)', `project=${uuid('b000', 5)}`],
      ['resource', 'resource=apps/Deployment/ns7/app7'],
      ['actor', 'actor=agent:c7'],
      ['exact action', 'action=drift.detected'],
      ['action prefix', 'action=resource.*'],
      ['revision', 'revision=main@sha1:8f14e45fceea167a5a36dedd4bea2543'],
      [
        'time range (a day, 45 days ago)',
        `since=${monthAgo}&until=${new Date(Date.parse(monthAgo) + 86_400_000).toISOString()}`,
      ],
      ['rare: unknown cluster', `cluster=${uuid('8000', 99_999)}`],
    ];
    console.log(`\nGET /api/v1/audit (limit 100), ${REQUESTS} requests each, ms:`);
    console.log('filter'.padEnd(36) + 'p50'.padStart(8) + 'p99'.padStart(8) + '  rows');
    for (const [name, q] of filters) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const t = performance.now();
        rows = (await get(`/api/v1/audit?${q}`)).items.length;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      console.log(
        name.padEnd(36) +
          quantile(times, 0.5).toFixed(1).padStart(8) +
          quantile(times, 0.99).toFixed(1).padStart(8) +
          `  ${rows}`,
      );
    }

    // The newest EXPORT_ROWS events, by time range (the seed spreads events evenly).
    const exportSince = new Date(Date.now() - 60_000 - (SPAN_MS * EXPORT_ROWS) / ROWS).toISOString();
    const rss0 = await rssMiB(hub.child.pid!);
    let peak = rss0;
    const sampler = setInterval(() => {
      void rssMiB(hub!.child.pid!).then((r) => (peak = Math.max(peak, r)));
    }, 100);
    const t1 = performance.now();
    const res = await fetch(`${hub.url}/api/v1/audit/export?since=${exportSince}`, {
      headers: { authorization: `Bearer ${BENCH_ADMIN}` },
    });
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) lines++;
    }
    const secs = (performance.now() - t1) / 1000;
    clearInterval(sampler);
    console.log(
      `\nexport of ${lines.toLocaleString('en')} events (${(bytes / 2 ** 20).toFixed(0)} MiB JSON Lines) in ${secs.toFixed(1)} s: ` +
        `${Math.round(lines / secs).toLocaleString('en')} events/s, ${(bytes / 2 ** 20 / secs).toFixed(1)} MiB/s; ` +
        `hub RSS ${rss0.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB during`,
    );
  } finally {
    await hub?.stop();
    await ds.destroy();
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
