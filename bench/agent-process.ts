/**
 * Agent process memory (issue 6, "Measure"): the real `dist/src/agent/main.js` joined to a real
 * hub (embedded Postgres) and a real kube-apiserver, idle, then managing 2,000 ConfigMaps of one
 * application under drift watch (5 s after the sync, and 30 s later, once V8 could return the
 * sync's garbage). Prints VmRSS (resident now) and VmHWM (peak) from /proc, with
 * the resident size split into anonymous memory (heaps, malloc) and file pages (mostly the node
 * binary's code and embedded data, shared with other node processes but counted in RSS), and V8's
 * heap from the agent's /metrics.
 *
 *   npm run bench:agent        (runs bench/agent.ts, then this)
 *   OBJECTS=500                managed objects (2,000 by default)
 *   AGENT_NODE_ARGS='--max-semi-space-size=1'   node flags instead of the shipped ones
 *   AGENT_ENV='MALLOC_ARENA_MAX=4'              more environment for the agent
 *   AGENT_SMAPS=1              also list the largest resident mappings (where the memory is)
 *   AGENT_HEAPSNAPSHOT=1       and write a V8 heap snapshot of the loaded agent into the
 *                              current directory (open it in Chrome DevTools' Memory tab)
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedPostgres } from '../src/hub/database/embedded-postgres.launcher.js';
import { AGENT_NODE_FLAGS, AgentProcess } from '../test/e2e/agent-process.js';
import { startHubProcess } from './support/hub-process.js';
import { ensureK8sBinaries } from '../test/support/k8s/k8s-binaries.js';
import { K8sTestEnvironment } from '../test/support/k8s/k8s-test-environment.js';
import { gitFixture } from '../test/support/vcs-fixtures.js';

const OBJECTS = Number(process.env.OBJECTS ?? 2000);
const run = promisify(execFile);

const NODE_ARGS = (
  process.env.AGENT_NODE_ARGS ?? (process.env.AGENT_HEAPSNAPSHOT ? AGENT_NODE_FLAGS.join(' ') : undefined)
)
  ?.split(' ')
  .filter(Boolean)
  .concat(process.env.AGENT_HEAPSNAPSHOT ? ['--heapsnapshot-signal=SIGUSR2'] : []);
const AGENT_ENV = Object.fromEntries(
  (process.env.AGENT_ENV ?? '')
    .split(' ')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

interface Memory {
  rss: number;
  peak: number;
  anon: number;
  file: number;
}

async function memory(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]);
  return {
    rss: kb('VmRSS') / 1024,
    peak: kb('VmHWM') / 1024,
    anon: kb('RssAnon') / 1024,
    file: kb('RssFile') / 1024 + kb('RssShmem') / 1024,
  };
}

/** Resident KiB per mapping (anonymous mappings by size class), largest first. */
async function mappings(pid: number): Promise<string> {
  const smaps = await readFile(`/proc/${pid}/smaps`, 'utf8');
  const rss = new Map<string, number>();
  let name = '';
  for (const line of smaps.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) name = head[1] || '[anon]';
    const kb = /^Rss:\s+(\d+)/.exec(line);
    if (kb) rss.set(name, (rss.get(name) ?? 0) + Number(kb[1]));
  }
  return [...rss]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([n, kb]) => `  ${(kb / 1024).toFixed(1).padStart(6)} MiB  ${n}`)
    .join('\n');
}

/** CPU seconds the process has used (user + system), from /proc/<pid>/stat. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const mib = (n: number) => n.toFixed(0);
const split = (m: Memory) => `(anon ${mib(m.anon)} + file ${mib(m.file)})`;

async function until(what: string, check: () => Promise<boolean>, ms = 300_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-agent-process-'));
  await chmod(dir, 0o711);
  const pg = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
  const env = await K8sTestEnvironment.start({ clusters: 1, binaries: await ensureK8sBinaries() });
  const fx = await gitFixture(false);
  const hub = await startHubProcess(pg.url, join(dir, 'hub'));
  let agent: AgentProcess | null = null;
  try {
    const repo = await fx.createRepo();
    const files: Record<string, string> = {};
    for (let f = 0; f < OBJECTS / 500; f++)
      files[`app/cm-${f}.yaml`] = Array.from(
        { length: 500 },
        (_, i) =>
          `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${f}-${i}\ndata:\n  payload: "${'x'.repeat(200)}"\n`,
      ).join('---\n');
    files['app/ns.yaml'] = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bench\n';
    await fx.externalCommit(repo, files, 'objects');
    await hub.api('POST', '/api/v1/repositories', { name: 'bench', type: 'git', url: repo.url });
    await hub.api('POST', '/api/v1/repositories/bench/refresh');
    const cluster = await hub.api('POST', '/api/v1/clusters', { name: 'bench', labels: { bench: 'yes' } });
    agent = await AgentProcess.start({
      name: 'bench',
      hubUrl: hub.url,
      kubeconfig: env.clusters[0].kubeconfig,
      registrationToken: cluster.registration.token,
      nodeArgs: NODE_ARGS,
      env: AGENT_ENV,
    });
    await until(
      'registration',
      async () => (await hub.api('GET', '/api/v1/clusters/bench')).connectionState === 'Connected',
    );
    await new Promise((r) => setTimeout(r, 5000));
    const idle = await memory(agent.pid!);

    const cpuBefore = await cpuSeconds(agent.pid!);
    const started = Date.now();
    await hub.api('POST', '/api/v1/applications', {
      name: 'bench',
      repositoryId: 'bench',
      path: 'app',
      targets: [{ clusterSelector: 'bench=yes', namespace: 'bench' }],
      syncPolicy: { automated: true, prune: true, selfHeal: true },
    });
    await until(
      'sync',
      async () => (await hub.api('GET', '/api/v1/applications/bench')).clusters?.[0]?.sync === 'Synced',
    );
    const syncMs = Date.now() - started;
    const syncCpu = (await cpuSeconds(agent.pid!)) - cpuBefore;
    await new Promise((r) => setTimeout(r, 5000));
    const loaded = await memory(agent.pid!);
    const where = process.env.AGENT_SMAPS ? await mappings(agent.pid!) : '';
    if (process.env.AGENT_HEAPSNAPSHOT) {
      process.kill(agent.pid!, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, 15_000));
    }
    const metrics = await fetch(`http://127.0.0.1:${agent.metricsPort()}/metrics`).then((r) => r.text());
    const gauge = (name: string) => {
      const bytes = new RegExp(`^flotilla_agent_${name} (\\d+)`, 'm').exec(metrics)?.[1];
      return bytes ? mib(Number(bytes) / 1048576) : '?';
    };
    console.log(
      `node ${process.version}, agent flags ${JSON.stringify(NODE_ARGS ?? 'shipped')}${Object.keys(AGENT_ENV).length ? ` env ${JSON.stringify(AGENT_ENV)}` : ''}`,
    );
    console.log(
      `agent process: ${OBJECTS} ConfigMaps synced in ${(syncMs / 1000).toFixed(1)} s (hub dispatch + agent apply + report); agent CPU ${syncCpu.toFixed(1)} s`,
    );
    console.log(
      `agent RSS idle ${mib(idle.rss)} MiB ${split(idle)}; with ${OBJECTS} managed objects under watch ${mib(loaded.rss)} MiB ${split(loaded)}, peak ${mib(loaded.peak)} MiB (target < 100 MiB)`,
    );
    console.log(
      `V8 heap in use ${gauge('nodejs_heap_size_used_bytes')} MiB of ${gauge('nodejs_heap_size_total_bytes')} MiB; external ${gauge('nodejs_external_memory_bytes')} MiB`,
    );
    if (where) console.log(`largest resident mappings:\n${where}`);
    // V8 returns memory lazily (its memory reducer starts several seconds after the last
    // allocation burst): the reading above still holds the sync's garbage. This one is the
    // steady state of an agent that only watches.
    await new Promise((r) => setTimeout(r, 30_000));
    const settled = await memory(agent.pid!);
    console.log(
      `30 s later, only watching: ${mib(settled.rss)} MiB ${split(settled)}, peak ${mib(settled.peak)} MiB`,
    );
  } finally {
    await agent?.stop();
    await hub.stop();
    await fx.close();
    await env.stop();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
