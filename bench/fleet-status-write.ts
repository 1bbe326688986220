/**
 * What a job result costs the fleet status read model (issue 13): the full recompute of one
 * (application, cluster) row from the source tables, against moving the row in place
 * (`updateAfterResult`), on the same database in the same process — a ratio, so a busy machine
 * shifts both alike. The fleet is seeded straight into the tables: CLUSTERS × APPS pairs, each
 * with desired state, a finished sync job and RESOURCES objects.
 *
 *   npm run bench:fleet-status-write      (CLUSTERS=1000 APPS=50 RESOURCES=5 CALLS=2000 to choose)
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDataSource, runMigrations, type Tx } from '../src/hub/database/data-source.js';
import { startEmbeddedPostgres } from '../src/hub/database/embedded-postgres.launcher.js';
import { FleetStatusRepository } from '../src/hub/fleet-status/fleet-status.repository.js';
import { fleetSeedSql } from '../test/support/fleet-seed.js';

const CLUSTERS = Number(process.env.CLUSTERS ?? 1000);
const APPS = Number(process.env.APPS ?? 50);
const RESOURCES = Number(process.env.RESOURCES ?? 5);
const CALLS = Number(process.env.CALLS ?? 2000);

const SEED_DISPATCH = [
  `INSERT INTO bundles (digest, content, object_count, size_bytes) VALUES ('sha256:seed', '', 0, 0)`,
  `INSERT INTO desired_states (application_id, cluster_id, revision, revision_display, bundle_digest,
                               applied_revision, applied_digest, inventory)
   SELECT a.id, c.id, 'rev', 'main@sha1:1a2b3c4', 'sha256:seed', 'rev', 'sha256:seed', '[]'
   FROM applications a CROSS JOIN clusters c`,
  `INSERT INTO reconcile_jobs (id, cluster_id, application_id, kind, revision, revision_display, bundle_digest,
                               prune, state, attempts, self_heal, ignore_differences)
   SELECT gen_random_uuid(), c.id, a.id, 'sync', 'rev', 'main@sha1:1a2b3c4', 'sha256:seed', true, 'succeeded', 1, false, '[]'
   FROM applications a CROSS JOIN clusters c`,
  `UPDATE fleet_status f SET last_job_id = j.id, last_job_kind = 'sync', last_job_state = 'succeeded'
   FROM reconcile_jobs j WHERE j.application_id = f.application_id AND j.cluster_id = f.cluster_id`,
  `INSERT INTO resource_status (application_id, cluster_id, resource, health)
   SELECT a.id, c.id, 'apps/Deployment/web/d' || r, 'Current'
   FROM applications a CROSS JOIN clusters c CROSS JOIN generate_series(1, ${RESOURCES}) r`,
  `ANALYZE`,
];

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-status-write-'));
  await chmod(dir, 0o711);
  const db = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
  const ds = createDataSource(db.url, { poolSize: 2 });
  try {
    await ds.initialize();
    await runMigrations(ds);
    const t0 = performance.now();
    for (const sql of [...fleetSeedSql(CLUSTERS, APPS), ...SEED_DISPATCH]) await ds.query(sql);
    console.log(
      `seeded ${CLUSTERS} clusters × ${APPS} applications in ${Math.round(performance.now() - t0)} ms`,
    );
    const jobs: { id: string; applicationId: string; clusterId: string }[] = await ds.query(
      `SELECT id, application_id AS "applicationId", cluster_id AS "clusterId" FROM reconcile_jobs
       ORDER BY md5(id::text) LIMIT ${CALLS}`,
    );
    const repo = new FleetStatusRepository(ds);
    const ways = {
      recompute: (tx: Tx, j: (typeof jobs)[number]) => repo.refresh(tx, j.applicationId, [j.clusterId]),
      'in place': async (tx: Tx, j: (typeof jobs)[number]) => {
        if (!(await repo.updateAfterResults(tx, [j])).has(j.id))
          throw new Error('the row was not moved in place');
      },
      // the transaction alone (BEGIN, one trivial statement, COMMIT): what neither way can save
      'empty transaction': async (tx: Tx) => {
        await (tx as unknown as { query(sql: string): Promise<unknown> }).query('SELECT 1');
      },
    };
    const totals: Record<string, number> = { recompute: 0, 'in place': 0, 'empty transaction': 0 };
    // alternate the two per call, so load on the machine falls on both alike
    for (const [i, j] of jobs.entries()) {
      for (const [name, way] of i % 2 ? Object.entries(ways).reverse() : Object.entries(ways)) {
        const t = performance.now();
        await ds.transaction((m) => way(m as unknown as Tx, j));
        totals[name] += performance.now() - t;
      }
    }
    const per = (name: string) => totals[name] / jobs.length;
    console.log(`\nper job result, ${jobs.length} results, each in its own transaction:`);
    console.log(`  recompute the row:  ${per('recompute').toFixed(3)} ms`);
    console.log(`  move it in place:   ${per('in place').toFixed(3)} ms`);
    console.log(`  an empty transaction: ${per('empty transaction').toFixed(3)} ms`);
    const own = (name: string) => per(name) - per('empty transaction');
    console.log(
      `  ratio in place / recompute: ${(per('in place') / per('recompute')).toFixed(2)} (statement alone: ${(own('in place') / own('recompute')).toFixed(2)})`,
    );
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
