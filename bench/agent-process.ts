/**
 * Agent process memory (issue 6, "Measure"): the real `dist/src/agent/main.js` joined to a real
 * hub (embedded Postgres) and a real kube-apiserver, idle, then managing 2,000 ConfigMaps of one
 * application under drift watch. Prints VmRSS (resident now) and VmHWM (peak) from /proc.
 *
 *   npm run bench:agent        (runs bench/agent.ts, then this)
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedPostgres } from '../src/hub/database/embedded-postgres.launcher.js';
import { AgentProcess } from '../test/e2e/agent-process.js';
import { startHubProcess } from './support/hub-process.js';
import { ensureK8sBinaries } from '../test/support/k8s/k8s-binaries.js';
import { K8sTestEnvironment } from '../test/support/k8s/k8s-test-environment.js';
import { gitFixture } from '../test/support/vcs-fixtures.js';

const OBJECTS = Number(process.env.OBJECTS ?? 2000);
const run = promisify(execFile);

async function memory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

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
    });
    await until(
      'registration',
      async () => (await hub.api('GET', '/api/v1/clusters/bench')).connectionState === 'Connected',
    );
    await new Promise((r) => setTimeout(r, 5000));
    const idle = await memory(agent.pid!);

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
    await new Promise((r) => setTimeout(r, 5000));
    const loaded = await memory(agent.pid!);
    const metrics = await fetch(`http://127.0.0.1:${agent.metricsPort()}/metrics`).then((r) => r.text());
    const heap = /_heap_size_used_bytes (\d+)/.exec(metrics)?.[1];
    console.log(
      `agent process: ${OBJECTS} ConfigMaps synced in ${(syncMs / 1000).toFixed(1)} s (hub dispatch + agent apply + report)`,
    );
    console.log(
      `agent RSS idle ${idle.rss.toFixed(0)} MiB; with ${OBJECTS} managed objects under watch ${loaded.rss.toFixed(0)} MiB, peak ${loaded.peak.toFixed(0)} MiB (target < 100 MiB); V8 heap in use ${heap ? (Number(heap) / 1048576).toFixed(0) : '?'} MiB`,
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
