/**
 * Dispatch benchmark (issues 5 and 19): one hub process, one Postgres, N agents speaking the
 * real v1 protocol from a lean simulator in a process of its own (bench/support/lean-agents.ts),
 * each long-polling and sending heartbeats as the real agent does. Per N it prints:
 *
 * - registration: N clusters created and their agents registered through the API (wall time, and
 *   hub and Postgres CPU per cluster from /proc);
 * - idle cost: hub and Postgres CPU (% of one core) with the N long-polls parked and heartbeats
 *   flowing, from /proc utime+stime over a window;
 * - one commit to an application targeting all N: per agent, commit detection (the refresh
 *   call) → its result acknowledged (p50/p99/max), and hub + Postgres CPU seconds per job;
 * - hub peak RSS, Postgres memory (Pss summed over its processes);
 * - from the second size on, the scaling model's prediction (docs/scaling.md) calibrated on the
 *   first size, next to the measurement.
 *
 *   npm run bench:dispatch                          (AGENTS=1000,2000,5000,10000 by default)
 *   AGENTS=1000 IDLE_SECONDS=20 npm run bench:dispatch
 *   HUB_NODE_ARGS="--max-old-space-size=768 --cpu-prof" npm run bench:dispatch
 *                                                   (a .cpuprofile of the hub in the cwd; HUB_NODE_ARGS
 *                                                   replaces the chart's heap limit the hub runs with)
 *   NOTIFY=1 npm run bench:dispatch                 (a notification subscription matching everything)
 *   REGISTER_WIDTH=8 npm run bench:dispatch         (registrations in flight at once; 32 by default)
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmbeddedPostgres } from '../src/hub/database/embedded-postgres.launcher.js';
import { BENCH_ADMIN, startHubProcess, type HubProcess } from './support/hub-process.js';
import { LeanFleet } from './support/lean-fleet.js';
import { MAX_QUIET_INTERVALS } from '../src/agent/heartbeats.js';
import { cpuSeconds, cpuShare, machineLine, processTree, pssMiB, rssMiB } from './support/proc-stats.js';
import { predict, type Calibration } from './support/scaling-model.js';
import { startGitHttpServer } from '../test/support/git-http-server.js';
import { run } from '../test/support/vcs-process.js';

const SIZES = (process.env.AGENTS ?? '1000,2000,5000,10000').split(',').map(Number);
const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 30);
/** Registrations in flight at once (throughput against concurrency shows what serialises them). */
const REGISTER_WIDTH = Number(process.env.REGISTER_WIDTH ?? 32);
/**
 * The real agent's defaults (agent-config.ts): 30 s long-polls, and, while polls are answered, a
 * heartbeat every MAX_QUIET_INTERVALS × 15 s (heartbeats.ts; every 15 s before that change:
 * HEARTBEAT_SECONDS=15 measures the old agent).
 */
const WAIT_SECONDS = 30;
const HEARTBEAT_SECONDS = Number(process.env.HEARTBEAT_SECONDS ?? 15 * MAX_QUIET_INTERVALS);
const deploy = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${image}\n`;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const s1 = (ms: number) => (ms / 1000).toFixed(1);
const pc = (share: number) => `${(share * 100).toFixed(1)}%`;
let calibration: Calibration | null = null;

async function benchOne(n: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-dispatch-'));
  await chmod(dir, 0o711);
  const pg = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
  const git = await startGitHttpServer();
  let hubProc: HubProcess | null = null;
  const fleet = new LeanFleet();
  try {
    const bare = await git.createRepo('bench');
    const wt = join(dir, 'wt');
    await run('git', ['init', '--quiet', '--initial-branch=main', wt]);
    await run('git', ['-C', wt, 'remote', 'add', 'origin', bare]);
    await mkdir(join(wt, 'apps/web'), { recursive: true });
    await writeFile(join(wt, 'apps/web/deploy.yaml'), deploy('api:1'));
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 'b',
      GIT_AUTHOR_EMAIL: 'b@x',
      GIT_COMMITTER_NAME: 'b',
      GIT_COMMITTER_EMAIL: 'b@x',
    };
    await run('git', ['-C', wt, 'add', '-A'], { env });
    await run('git', ['-C', wt, 'commit', '--quiet', '-m', 'init'], { env });
    await run('git', ['-C', wt, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main'], { env });

    hubProc = await startHubProcess(pg.url, join(dir, 'hub'));
    const hub = hubProc.url;
    const api = hubProc.api.bind(hubProc);
    const hubPid = [hubProc.child.pid!];
    const pgPids = () => processTree(pg.pid);
    const hubBase = await rssMiB(hubPid);
    await api('POST', '/api/v1/repositories', { name: 'bench', type: 'git', url: git.url('bench') });
    await api('POST', '/api/v1/repositories/bench/refresh');
    if (process.env.NOTIFY === '1')
      await api('POST', '/api/v1/notifications/subscriptions', {
        name: 'bench',
        channel: { type: 'webhook', url: 'http://127.0.0.1:9/bench' },
      });

    // The hub's and Postgres' own background work (timers, sweeper) with no agent: the model's fixed part.
    const base = await cpuShare({ hub: () => Promise.resolve(hubPid), pg: pgPids }, 5);

    // N clusters created and registered through the API, REGISTER_WIDTH at a time; CPU per
    // registration is less sensitive than wall time to other work on the machine.
    const regCpu0 = { hub: await cpuSeconds(hubPid), pg: await cpuSeconds(await pgPids()) };
    const reg = await fleet.register(hub, BENCH_ADMIN, n, 'bench', REGISTER_WIDTH);
    const perReg = {
      hub: ((await cpuSeconds(hubPid)) - regCpu0.hub) / n,
      pg: ((await cpuSeconds(await pgPids())) - regCpu0.pg) / n,
    };
    const rssRegistered = await rssMiB(hubPid);
    fleet.start(WAIT_SECONDS, HEARTBEAT_SECONDS);

    // Warm-up: the application's first deployment to all N clusters.
    const first = (await api('GET', '/api/v1/repositories/bench')).lastRevision as string;
    const warm = fleet.waitAcked(first, 15 * 60_000);
    await api('POST', '/api/v1/applications', {
      name: 'web',
      repositoryId: 'bench',
      path: 'apps/web',
      targets: [{ clusterSelector: 'fleet=bench', namespace: 'web' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    });
    await warm;
    const rssDeployed = await rssMiB(hubPid);

    // Idle: every long-poll parked, heartbeats flowing. A long-poll's full cycle first, so
    // the window sees the steady state and not the warm-up's tail.
    await new Promise((r) => setTimeout(r, WAIT_SECONDS * 1000));
    const callsBefore = fleet.progress.calls;
    const idle = await cpuShare({ hub: () => Promise.resolve(hubPid), pg: pgPids }, IDLE_SECONDS);
    const idleCalls = (fleet.progress.calls - callsBefore) / IDLE_SECONDS;
    const rssIdle = await rssMiB(hubPid);

    // The measured commit.
    const put = await api('PUT', '/api/v1/repositories/bench/files/apps/web/deploy.yaml', {
      content: deploy('api:2'),
      message: 'bump',
    });
    // failed calls so far (the progress report is at most a second old): what went wrong before the commit
    const failedBefore = fleet.progress.failed;
    const acked = fleet.waitAcked(put.revision.id as string, 15 * 60_000);
    const cpu0 = { hub: await cpuSeconds(hubPid), pg: await cpuSeconds(await pgPids()) };
    const detected = Date.now();
    const t0 = performance.now();
    await api('POST', '/api/v1/repositories/bench/refresh');
    const refreshMs = performance.now() - t0;
    const done = await acked;
    const wallS = (Date.now() - detected) / 1000;
    const cpu1 = { hub: await cpuSeconds(hubPid), pg: await cpuSeconds(await pgPids()) };
    const times = done.ackedAt.map((t) => t - detected).sort((x, y) => x - y);
    // CPU per job: the commit window's CPU less what the idle fleet would have used meanwhile.
    const perJob = {
      hub: Math.max(0, cpu1.hub - cpu0.hub - idle.hub * wallS) / n,
      pg: Math.max(0, cpu1.pg - cpu0.pg - idle.pg * wallS) / n,
    };
    const hubPeak = await rssMiB(hubPid, 'VmHWM');
    const pgMem = await pssMiB(await pgPids());
    const measured = {
      n,
      registrationS: reg.ms / 1000,
      idleHub: idle.hub,
      idlePg: idle.pg,
      p99S: pct(times, 99) / 1000,
      idleHubBase: base.hub,
      idlePgBase: base.pg,
      hubBaseMiB: hubBase,
      hubRssMiB: hubPeak,
    };
    console.log(
      `N=${String(n).padStart(5)}  registration ${s1(reg.ms)} s (${((n / reg.ms) * 1000).toFixed(0)}/s, ` +
        `per cluster: hub ${(perReg.hub * 1000).toFixed(2)} ms Postgres ${(perReg.pg * 1000).toFixed(2)} ms CPU)  ` +
        `idle: hub ${pc(idle.hub)} Postgres ${pc(idle.pg)} of a core (${idleCalls.toFixed(0)} agent calls/s; no agents: ${pc(base.hub)} / ${pc(base.pg)})\n` +
        `         commit: refresh+render+queue ${refreshMs.toFixed(0)} ms  ack p50 ${s1(pct(times, 50))} s  ` +
        `p99 ${s1(pct(times, 99))} s  max ${s1(times[times.length - 1])} s  ` +
        `per job: hub ${(perJob.hub * 1000).toFixed(2)} ms Postgres ${(perJob.pg * 1000).toFixed(2)} ms CPU\n` +
        `         hub peak RSS ${hubPeak.toFixed(0)} MiB (registered ${rssRegistered.toFixed(0)}, first deploy ` +
        `${rssDeployed.toFixed(0)}, idle ${rssIdle.toFixed(0)})  Postgres ${pgMem.toFixed(0)} MiB (Pss)  ` +
        `failed agent calls ${done.failed} (${failedBefore} before the commit)` +
        (done.failed
          ? ` (${Object.entries(done.failures)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')})`
          : ''),
    );
    if (calibration) {
      const p = predict(calibration, n);
      console.log(
        `         model (calibrated at N=${calibration.n}): registration ${p.registrationS.toFixed(1)} s, ` +
          `idle hub ${pc(p.idleHub)} Postgres ${pc(p.idlePg)}, ack p99 ${p.p99S.toFixed(1)} s, ` +
          `hub RSS ${p.hubRssMiB.toFixed(0)} MiB`,
      );
    } else calibration = { ...measured, perJobHubS: perJob.hub, perJobPgS: perJob.pg };
  } finally {
    await fleet.stop();
    await hubProc?.stop();
    await git.close();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
console.log(`dispatch: ${machineLine()}; lean agents in a child process, one hub process, embedded Postgres`);
for (const n of SIZES) await benchOne(n);
process.exit(0);
