/**
 * Agent benchmark (issue 6, "Measure"), against one real kube-apiserver from the test harness:
 * 1. apply 1,000 ConfigMaps to an empty namespace with the applier vs `kubectl apply
 *    --server-side -f <dir>` of the same files into another empty namespace, alternately, three
 *    rounds each into fresh namespaces; ratio of the medians (target ≤ 0.5);
 * 2. a no-op re-sync of those 1,000 (write requests counted, target 0);
 * 3. time from an outside edit (another field manager) to the self-heal correction (target < 2 s);
 * 4. RSS with 2,000 managed objects under drift watch (in this process: applier + watcher +
 *    desired state, the same code the agent runs; target < 100 MiB), and idle before loading.
 *
 * It prints the core count and load average at start (the machine is shared: compare ratios from
 * one run), and the applier's requests per verb with their span and latency (the profile).
 *
 *   npm run bench:agent   (OBJECTS, ROUNDS; CONCURRENCY=n for the pool, TRANSPORT=h1 for HTTP/1.1)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Applier } from '../src/agent/apply/applier.js';
import { ConfigMapInventoryStore } from '../src/agent/apply/inventory-store.js';
import { KubeClusterClient } from '../src/agent/cluster/cluster-client.js';
import { Http2KubeTransport } from '../src/agent/cluster/kube-h2-transport.js';
import { HttpsKubeTransport, loadKubeConfig } from '../src/agent/cluster/kube-transport.js';
import { DriftWatcher } from '../src/agent/drift-watcher.js';
import { cpuSeconds } from './support/proc-stats.js';
import { ensureK8sBinaries } from '../test/support/k8s/k8s-binaries.js';
import { K8sTestEnvironment } from '../test/support/k8s/k8s-test-environment.js';
import { bundleOf, CountingTransport } from '../test/k8s/agent/agent-test-kit.js';
import type { KubeRequestOptions, KubeResponse } from '../src/agent/cluster/kube-transport.js';

const OBJECTS = Number(process.env.OBJECTS ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
// The applier's bounded pool (requests in flight per wave) and the transport's socket pool.
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 0) || undefined;
// The agent's transport (HTTP/2) by default; TRANSPORT=h1 measures HTTP/1.1.
const TRANSPORT = process.env.TRANSPORT === 'h1' ? 'h1' : 'h2';

const verbOf = (method: string, path: string) =>
  method === 'GET'
    ? /[?&]limit=/.test(path)
      ? 'LIST'
      : 'GET'
    : path.includes('dryRun=All')
      ? `${method}(dry-run)`
      : method;

/**
 * Where the applier's time goes, per verb: the span from the first request's start to the last
 * one's end, and the mean latency of one request (the rest of the wall time is the agent's own
 * work between phases).
 */
class TimingTransport extends CountingTransport {
  spans = new Map<string, { first: number; last: number; total: number; n: number }>();
  override reset(): void {
    super.reset();
    this.spans.clear();
  }
  override async request(method: string, path: string, options?: KubeRequestOptions): Promise<KubeResponse> {
    const start = performance.now();
    try {
      return await super.request(method, path, options);
    } finally {
      const end = performance.now();
      const verb = verbOf(method, path);
      const s = this.spans.get(verb) ?? { first: start, last: end, total: 0, n: 0 };
      s.first = Math.min(s.first, start);
      s.last = Math.max(s.last, end);
      s.total += end - start;
      s.n++;
      this.spans.set(verb, s);
    }
  }
  summary(): string {
    return [...this.spans]
      .map(
        ([v, s]) =>
          `${v} ${s.n} (span ${(s.last - s.first).toFixed(0)} ms, ${(s.total / s.n).toFixed(1)} ms each)`,
      )
      .join(', ');
  }
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

const configMaps = (ns: string, n: number, prefix = 'cm') =>
  Array.from({ length: n }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${prefix}-${i}`, namespace: ns },
    data: { index: String(i), payload: 'x'.repeat(200) },
  }));

/** CPU time (user + system, ms) the API server and etcd processes have used so far. */
async function serverCpuMs(env: K8sTestEnvironment): Promise<number> {
  return Math.round((await cpuSeconds(env.processes.map((p) => p.pid))) * 1000);
}

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus().length} cores, load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const binaries = await ensureK8sBinaries();
  const env = await K8sTestEnvironment.start({ clusters: 1, binaries });
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-agent-'));
  try {
    const cluster = env.clusters[0];
    const connection = loadKubeConfig({ kubeconfig: cluster.kubeconfig });
    const transport =
      TRANSPORT === 'h1'
        ? new HttpsKubeTransport(connection, CONCURRENCY ?? 16)
        : new Http2KubeTransport(connection, CONCURRENCY ?? 16);
    const protocol = transport instanceof Http2KubeTransport ? await transport.protocol() : 'http/1.1';
    const counter = new TimingTransport(transport);
    const client = new KubeClusterClient(counter);
    for (const ns of ['flotilla-system', 'bench-agent', 'bench-big'])
      await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const rssIdle = process.memoryUsage().rss;

    // 1. Apply to an empty namespace, kubectl and the applier alternately, ROUNDS times each into
    //    fresh namespaces (kubectl's time varies a lot between runs), and compare medians.
    const kubeconfigFile = join(dir, 'kubeconfig');
    await writeFile(kubeconfigFile, cluster.kubeconfig, { mode: 0o600 });
    const kubectlTimes: number[] = [];
    const agentTimes: number[] = [];
    // The applier's own CPU (user + system of this process) during each apply: on a machine whose
    // cores the API server shares, every millisecond of it is taken from the server.
    const agentCpu: number[] = [];
    // The API server's and etcd's CPU for the same work, kubectl's and the applier's.
    const serverCpu = { agent: [] as number[], kubectl: [] as number[] };
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    let request: Parameters<Applier['reconcile']>[0] | null = null;
    let applier: Applier | null = null;
    let t = 0;
    let firstRequests = '';
    for (let round = 0; round < ROUNDS; round++) {
      const kns = `bench-kubectl-${round}`;
      const ans = round === ROUNDS - 1 ? 'bench-agent' : `bench-agent-${round}`;
      for (const ns of [kns, ans])
        await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      const files = join(dir, `manifests-${round}`);
      await (await import('node:fs/promises')).mkdir(files);
      await Promise.all(
        configMaps(kns, OBJECTS).map((o, i) => writeFile(join(files, `cm-${i}.json`), JSON.stringify(o))),
      );
      let server = await serverCpuMs(env);
      t = performance.now();
      await promisify(execFile)(
        binaries.kubectl,
        ['--kubeconfig', kubeconfigFile, 'apply', '--server-side', '--field-manager', 'bench', '-f', files],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      kubectlTimes.push(performance.now() - t);
      serverCpu.kubectl.push((await serverCpuMs(env)) - server);

      applier = new Applier(client, new ConfigMapInventoryStore(client, 'flotilla-system'), {
        concurrency: CONCURRENCY,
      });
      const objects = configMaps(ans, OBJECTS);
      request = {
        applicationId: round === ROUNDS - 1 ? 'bench' : `bench-${round}`,
        applicationName: 'bench',
        kind: 'sync' as const,
        prune: true,
        force: false,
        fetchBundle: () => Promise.resolve(bundleOf(objects)),
      };
      counter.reset();
      const cpu = process.cpuUsage();
      server = await serverCpuMs(env);
      t = performance.now();
      const first = await applier.reconcile(request);
      agentTimes.push(performance.now() - t);
      serverCpu.agent.push((await serverCpuMs(env)) - server);
      const used = process.cpuUsage(cpu);
      agentCpu.push((used.user + used.system) / 1000);
      firstRequests = counter.summary();
      if (first.outcome !== 'succeeded') throw new Error(`apply failed: ${first.message}`);
    }
    const kubectlMs = median(kubectlTimes);
    const agentMs = median(agentTimes);
    if (!request || !applier) throw new Error('no rounds');

    // 2. no-op re-sync.
    counter.reset();
    const noopCpu = process.cpuUsage();
    t = performance.now();
    const again = await applier.reconcile(request);
    const noopMs = performance.now() - t;
    const noopUsed = process.cpuUsage(noopCpu);
    const noopCpuMs = (noopUsed.user + noopUsed.system) / 1000;
    const unchanged = again.resources.filter((r) => r.action === 'unchanged').length;
    const noopWrites = counter.writes.length;
    const noopRequests = counter.requests.length;
    const noopByVerb = counter.summary();

    // 3. outside edit → correction.
    let corrected: (() => void) | null = null;
    const watcher = new DriftWatcher(
      client,
      {
        detected: () => undefined,
        corrected: () => corrected?.(),
        failed: (_n, e) => console.error('self-heal failed', e),
      },
      () => 'bench-redaction-key',
    );
    watcher.setDesired(
      { applicationId: request.applicationId, revision: 'r1', selfHeal: true, ignoreDifferences: [] },
      again.applied,
    );
    await new Promise((r) => setTimeout(r, 1000)); // the watch's initial list
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const done = new Promise<void>((resolve) => (corrected = resolve));
      t = performance.now();
      await counter.request(
        'PATCH',
        `/api/v1/namespaces/bench-agent/configmaps/cm-${i}?fieldManager=intruder`,
        {
          contentType: 'application/merge-patch+json',
          body: { data: { index: 'edited' } },
        },
      );
      await done;
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);

    // 4. RSS with 2,000 managed objects under watch.
    const big = configMaps('bench-big', 2000, 'big');
    const bigApplier = new Applier(client, new ConfigMapInventoryStore(client, 'flotilla-system'));
    const bigResult = await bigApplier.reconcile({
      ...request,
      applicationId: 'bench-big',
      fetchBundle: () => Promise.resolve(bundleOf(big)),
    });
    watcher.removeApplication('bench');
    watcher.setDesired(
      { applicationId: 'bench-big', revision: 'r1', selfHeal: true, ignoreDifferences: [] },
      bigResult.applied,
    );
    await new Promise((r) => setTimeout(r, 2000));
    global.gc?.();
    const rssLoaded = process.memoryUsage().rss;
    watcher.stop();

    console.log(
      `objects: ${OBJECTS} ConfigMaps; transport ${protocol}, applier concurrency ${CONCURRENCY ?? 'default'}`,
    );
    console.log(
      `apply, empty namespace (median of ${ROUNDS}): agent ${agentMs.toFixed(0)} ms, kubectl apply --server-side ${kubectlMs.toFixed(0)} ms, ratio ${(agentMs / kubectlMs).toFixed(2)} (target <= 0.5); runs agent ${agentTimes.map((x) => x.toFixed(0)).join('/')} ms, kubectl ${kubectlTimes.map((x) => x.toFixed(0)).join('/')} ms`,
    );
    console.log(`applier requests, first apply of ${OBJECTS}: ${firstRequests}`);
    const cpuMs = median(agentCpu);
    console.log(
      `agent CPU, first apply (median): ${cpuMs.toFixed(0)} ms, ${((cpuMs / OBJECTS) * 1000).toFixed(0)} µs per object; no-op re-sync ${noopCpuMs.toFixed(0)} ms`,
    );
    console.log(
      `API server + etcd CPU, first apply (median): applier ${median(serverCpu.agent)} ms, kubectl ${median(serverCpu.kubectl)} ms`,
    );
    console.log(
      `no-op re-sync: ${noopMs.toFixed(0)} ms, ${unchanged}/${OBJECTS} unchanged, ${noopWrites} write requests (target 0), ${noopRequests} requests in all (${noopByVerb})`,
    );
    console.log(
      `outside edit -> corrected: median ${samples[2].toFixed(0)} ms, max ${samples[4].toFixed(0)} ms (target < 2000 ms)`,
    );
    console.log(
      `RSS: idle ${mib(rssIdle)} MiB, with 2,000 managed objects under watch ${mib(rssLoaded)} MiB, i.e. +${mib(rssLoaded - rssIdle)} MiB for the objects (this bench process includes tsx and the harness; target < 100 MiB for the agent)`,
    );
    client.close();
  } finally {
    await env.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
