/**
 * Dispatch benchmark (issue 5): one hub process, one Postgres, N simulated agents speaking the
 * real v1 protocol over HTTP and long-polling for work. One commit touches an application that
 * targets all of them; we time, per agent, from commit detection (the refresh call returning)
 * to the agent's result being acknowledged, and read the hub's peak RSS from /proc.
 *
 *   npm run bench:dispatch                 (N=100,1000,5000 by default; AGENTS=100,1000 to choose)
 *   NOTIFY=1 npm run bench:dispatch        (with a notification subscription matching every event)
 */
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmbeddedPostgres } from '../src/hub/database/embedded-postgres.launcher.js';
import { BENCH_ADMIN, startHubProcess, type HubProcess } from './support/hub-process.js';
import { AgentFleet, registerAgents } from '../test/support/agent-fleet.js';
import { startGitHttpServer } from '../test/support/git-http-server.js';
import type { ProtocolAgent } from '../test/support/protocol-agent.js';
import { run } from '../test/support/vcs-process.js';

const SIZES = (process.env.AGENTS ?? '100,1000,5000').split(',').map(Number);
const deploy = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${image}\n`;

const api = (hub: string, method: string, path: string, body?: unknown): Promise<any> =>
  fetch(hub + path, {
    method,
    headers: { authorization: `Bearer ${BENCH_ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (res) => {
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  });

const rssOf = async (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function benchOne(n: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-dispatch-'));
  await chmod(dir, 0o711);
  const pg = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
  const git = await startGitHttpServer();
  let hubProc: HubProcess | null = null;
  try {
    // A Git repository with one application.
    const bare = await git.createRepo('bench');
    const wt = join(dir, 'wt');
    await run('git', ['init', '--quiet', '--initial-branch=main', wt]);
    await run('git', ['-C', wt, 'remote', 'add', 'origin', bare]);
    const { writeFile, mkdir } = await import('node:fs/promises');
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
    await api(hub, 'POST', '/api/v1/repositories', { name: 'bench', type: 'git', url: git.url('bench') });
    await api(hub, 'POST', '/api/v1/repositories/bench/refresh');
    if (process.env.NOTIFY === '1')
      // Every event goes through the outbox; the receiver is refused by the egress policy, so
      // sending costs little and what is measured is the write path and the grouping.
      await api(hub, 'POST', '/api/v1/notifications/subscriptions', {
        name: 'bench',
        channel: { type: 'webhook', url: 'http://127.0.0.1:9/bench' },
      });

    // N clusters, each joined by a protocol agent.
    const t0 = performance.now();
    const agents = await registerAgents(hub, BENCH_ADMIN, n, { fleet: 'bench' });
    const setupMs = performance.now() - t0;

    // Every agent long-polls; on a job it fetches the bundle and reports success.
    const acked = new Map<ProtocolAgent, number>();
    let wanted: string | null = null;
    const fleet = new AgentFleet(agents, {
      waitSeconds: 20,
      onAck: (a, job, at) => {
        if (wanted && job.revision === wanted) acked.set(a, at);
      },
    });
    fleet.start();
    const waitAll = async (label: string) => {
      const start = performance.now();
      while (acked.size < n) {
        if (performance.now() - start > 600_000)
          throw new Error(`${label}: only ${acked.size}/${n} acknowledged`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    // Warm-up: the application's first deployment to all N clusters.
    const app = await api(hub, 'POST', '/api/v1/applications', {
      name: 'web',
      repositoryId: 'bench',
      path: 'apps/web',
      targets: [{ clusterSelector: 'fleet=bench', namespace: 'web' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    });
    void app;
    wanted = (await api(hub, 'GET', '/api/v1/repositories/bench')).lastRevision as string;
    await waitAll('initial deployment');

    // The measured commit.
    acked.clear();
    const put = await api(hub, 'PUT', '/api/v1/repositories/bench/files/apps/web/deploy.yaml', {
      content: deploy('api:2'),
      message: 'bump',
    });
    wanted = put.revision.id as string;
    const detected = performance.now();
    await api(hub, 'POST', '/api/v1/repositories/bench/refresh');
    const refreshed = performance.now();
    const failedBefore = fleet.counters.failedCalls;
    await waitAll('commit');
    const failed = fleet.counters.failedCalls - failedBefore;
    const times = [...acked.values()].map((t) => t - detected).sort((x, y) => x - y);
    const peak = await rssOf(hubProc.child.pid!, 'VmHWM');
    console.log(
      `N=${String(n).padStart(5)}  setup ${(setupMs / 1000).toFixed(1)} s  refresh+render+queue ${(refreshed - detected).toFixed(0)} ms  ` +
        `ack p50 ${pct(times, 50).toFixed(0)} ms  p99 ${pct(times, 99).toFixed(0)} ms  max ${times[times.length - 1].toFixed(0)} ms  ` +
        `hub peak RSS ${peak.toFixed(0)} MiB  failed agent calls ${failed}` +
        (failed ? ` (${[...fleet.failures].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''),
    );
    await hubProc.stop();
    await fleet.stop();
  } finally {
    await hubProc?.stop();
    await git.close();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
console.log(
  'dispatch: commit detection → every agent acknowledged its job (long-poll, one hub process, embedded Postgres)',
);
for (const n of SIZES) await benchOne(n);
process.exit(0);
