/**
 * Staged rollout benchmark (issue 16): one hub process, one Postgres, N agents speaking the real
 * v1 protocol over HTTP (long-polling, fetching bundles, reporting every object applied and
 * Current). An application whose strategy moves the fleet in 10 batches with zero bake time gets
 * one commit; for each batch after the first we time the control overhead: from the moment the
 * last result of the batch before was acknowledged (the batch became Synced and Healthy) to the
 * moment an agent of the next batch was handed its job (its lease granted).
 *
 * The baseline, in the same process and on the same hub: the same commit reaching the same
 * fleet all at once (no strategy), from refresh to the last acknowledgement.
 *
 *   npm run bench:rollout                  (AGENTS=1000 by default)
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmbeddedPostgres } from '../src/hub/database/embedded-postgres.launcher.js';
import type { JobV1 } from '../src/protocol/v1/agent-protocol.js';
import { AgentFleet, registerAgents } from '../test/support/agent-fleet.js';
import { startGitHttpServer } from '../test/support/git-http-server.js';
import { run } from '../test/support/vcs-process.js';
import { BENCH_ADMIN, startHubProcess } from './support/hub-process.js';

const N = Number(process.env.AGENTS ?? 1000);
const BATCHES = 10;
const cm = (app: string, v: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${app}\ndata:\n  v: "${v}"\n`;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-rollout-'));
await chmod(dir, 0o711);
const pg = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
const git = await startGitHttpServer();
const hub = await startHubProcess(pg.url, join(dir, 'hub'));
try {
  const bare = await git.createRepo('bench');
  const wt = join(dir, 'wt');
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@x',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@x',
  };
  await run('git', ['init', '--quiet', '--initial-branch=main', wt]);
  await run('git', ['-C', wt, 'remote', 'add', 'origin', bare]);
  const commit = async (v: number, apps = ['staged', 'direct']) => {
    for (const app of apps) {
      await mkdir(join(wt, app), { recursive: true });
      await writeFile(join(wt, app, 'cm.yaml'), cm(app, v));
    }
    await run('git', ['-C', wt, 'add', '-A'], { env });
    await run('git', ['-C', wt, 'commit', '--quiet', '-m', `v${v}`], { env });
    await run('git', ['-C', wt, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main'], { env });
  };
  await commit(1);
  await hub.api('POST', '/api/v1/repositories', { name: 'bench', type: 'git', url: git.url('bench') });
  await hub.api('POST', '/api/v1/repositories/bench/refresh');
  const agents = await registerAgents(hub.url, BENCH_ADMIN, N, { fleet: 'bench' });

  let wanted = '';
  const delivered = new Map<string, number[]>();
  const acked = new Map<string, number[]>();
  const note = (m: Map<string, number[]>, job: JobV1, at: number) => {
    if (job.revision !== wanted) return;
    const list = m.get(job.applicationName) ?? [];
    list.push(at);
    m.set(job.applicationName, list);
  };
  const fleet = new AgentFleet(agents, {
    waitSeconds: 20,
    onDeliver: (_a, job, at) => note(delivered, job, at),
    onAck: (_a, job, at) => note(acked, job, at),
  });
  fleet.start();
  const waitAcked = async (app: string) => {
    const start = performance.now();
    while ((acked.get(app)?.length ?? 0) < N) {
      if (performance.now() - start > 900_000)
        throw new Error(`${app}: only ${acked.get(app)?.length ?? 0}/${N} acknowledged`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const create = (name: string, rollout: unknown) =>
    hub.api('POST', '/api/v1/applications', {
      name,
      repositoryId: 'bench',
      path: name,
      targets: [{ clusterSelector: 'fleet=bench', namespace: 'web' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
      rollout,
    });

  // warm-up: both applications' first deployment (the staged one through its own rollout)
  wanted = (await hub.api('GET', '/api/v1/repositories/bench')).lastRevision as string;
  await create('direct', null);
  await waitAcked('direct');
  await create('staged', {
    stages: [{ name: 'fleet', clusterSelector: null, batchSize: `${100 / BATCHES}%`, minHealthySeconds: 0 }],
  });
  await waitAcked('staged');

  // the measured commits: the baseline first, then the same change through the rollout
  const measure = async (app: string, v: number) => {
    delivered.clear();
    acked.clear();
    await commit(v, [app]);
    const t0 = performance.now();
    await hub.api('POST', '/api/v1/repositories/bench/refresh');
    wanted = (await hub.api('GET', '/api/v1/repositories/bench')).lastRevision as string;
    await waitAcked(app);
    return Math.max(...acked.get(app)!) - t0;
  };
  const directMs = await measure('direct', 2);
  const stagedMs = await measure('staged', 3);

  // batches follow each other: the k-th hundred deliveries are batch k, their acks end it
  const deliveries = [...delivered.get('staged')!].sort((a, b) => a - b);
  const acks = [...acked.get('staged')!].sort((a, b) => a - b);
  const size = Math.ceil(N / BATCHES);
  const overhead: number[] = [];
  for (let k = 1; k < BATCHES; k++) overhead.push(deliveries[k * size] - acks[k * size - 1]);
  overhead.sort((a, b) => a - b);
  console.log(
    `rollout: ${N} protocol agents, ${BATCHES} batches, zero bake time (one hub process, embedded Postgres)\n` +
      `  batch healthy → next batch's first job leased: p50 ${pct(overhead, 50).toFixed(0)} ms  ` +
      `p99 ${pct(overhead, 99).toFixed(0)} ms  max ${overhead.at(-1)!.toFixed(0)} ms  (${overhead.length} transitions)\n` +
      `  whole staged rollout ${(stagedMs / 1000).toFixed(1)} s  vs  all at once ${(directMs / 1000).toFixed(1)} s ` +
      `(ratio ${(stagedMs / directMs).toFixed(2)}×, same commit, same hub)`,
  );
  let r = await hub.api('GET', '/api/v1/applications/staged/rollout');
  // the last result's look completes it just after the acknowledgement
  for (let i = 0; i < 100 && r.state === 'progressing'; i++) {
    await new Promise((res) => setTimeout(res, 100));
    r = await hub.api('GET', '/api/v1/applications/staged/rollout');
  }
  if (r.state !== 'completed') throw new Error(`the staged rollout ended ${r.state}: ${r.reason}`);
  await fleet.stop();
} finally {
  await hub.stop();
  await git.close();
  await pg.stop();
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
