/**
 * Agent benchmark (issue 6, "Measure"), against one real kube-apiserver from the test harness:
 * 1. apply 1,000 ConfigMaps to an empty namespace with the applier vs `kubectl apply
 *    --server-side -f <dir>` of the same files into another empty namespace (ratio, target ≤ 0.5);
 * 2. a no-op re-sync of those 1,000 (write requests counted, target 0);
 * 3. time from an outside edit (another field manager) to the self-heal correction (target < 2 s);
 * 4. RSS with 2,000 managed objects under drift watch (in this process: applier + watcher +
 *    desired state, the same code the agent runs; target < 100 MiB), and idle before loading.
 *
 *   npm run bench:agent           (OBJECTS env var to resize)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Applier } from '../src/agent/apply/applier.js';
import { ConfigMapInventoryStore } from '../src/agent/apply/inventory-store.js';
import { KubeClusterClient } from '../src/agent/cluster/cluster-client.js';
import { HttpsKubeTransport, loadKubeConfig } from '../src/agent/cluster/kube-transport.js';
import { DriftWatcher } from '../src/agent/drift-watcher.js';
import { ensureK8sBinaries } from '../test/support/k8s/k8s-binaries.js';
import { K8sTestEnvironment } from '../test/support/k8s/k8s-test-environment.js';
import { bundleOf, CountingTransport } from '../test/k8s/agent/agent-test-kit.js';

const OBJECTS = Number(process.env.OBJECTS ?? 1000);
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

const configMaps = (ns: string, n: number, prefix = 'cm') =>
  Array.from({ length: n }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${prefix}-${i}`, namespace: ns },
    data: { index: String(i), payload: 'x'.repeat(200) },
  }));

async function main(): Promise<void> {
  const binaries = await ensureK8sBinaries();
  const env = await K8sTestEnvironment.start({ clusters: 1, binaries });
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-agent-'));
  try {
    const cluster = env.clusters[0];
    const counter = new CountingTransport(
      new HttpsKubeTransport(loadKubeConfig({ kubeconfig: cluster.kubeconfig }), 16),
    );
    const client = new KubeClusterClient(counter);
    for (const ns of ['flotilla-system', 'bench-agent', 'bench-kubectl', 'bench-big'])
      await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const rssIdle = process.memoryUsage().rss;

    // 1. kubectl first (so the agent does not benefit from a warmer server), then the applier.
    const kubeconfigFile = join(dir, 'kubeconfig');
    await writeFile(kubeconfigFile, cluster.kubeconfig, { mode: 0o600 });
    const files = join(dir, 'manifests');
    await (await import('node:fs/promises')).mkdir(files);
    const kubectlObjects = configMaps('bench-kubectl', OBJECTS);
    await Promise.all(
      kubectlObjects.map((o, i) => writeFile(join(files, `cm-${i}.json`), JSON.stringify(o))),
    );
    let t = performance.now();
    await promisify(execFile)(
      binaries.kubectl,
      ['--kubeconfig', kubeconfigFile, 'apply', '--server-side', '--field-manager', 'bench', '-f', files],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const kubectlMs = performance.now() - t;

    const applier = new Applier(client, new ConfigMapInventoryStore(client, 'flotilla-system'));
    const objects = configMaps('bench-agent', OBJECTS);
    const request = {
      applicationId: 'bench',
      applicationName: 'bench',
      kind: 'sync' as const,
      prune: true,
      force: false,
      fetchBundle: () => Promise.resolve(bundleOf(objects)),
    };
    t = performance.now();
    const first = await applier.reconcile(request);
    const agentMs = performance.now() - t;
    if (first.outcome !== 'succeeded') throw new Error(`apply failed: ${first.message}`);

    // 2. no-op re-sync.
    counter.reset();
    t = performance.now();
    const again = await applier.reconcile(request);
    const noopMs = performance.now() - t;
    const unchanged = again.resources.filter((r) => r.action === 'unchanged').length;
    const noopWrites = counter.writes.length;
    const noopRequests = counter.requests.length;

    // 3. outside edit → correction.
    let corrected: (() => void) | null = null;
    const watcher = new DriftWatcher(client, {
      detected: () => undefined,
      corrected: () => corrected?.(),
      failed: (_n, e) => console.error('self-heal failed', e),
    });
    watcher.setDesired(
      { applicationId: 'bench', revision: 'r1', selfHeal: true, ignoreDifferences: [] },
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

    console.log(`objects: ${OBJECTS} ConfigMaps`);
    console.log(
      `apply, empty namespace: agent ${agentMs.toFixed(0)} ms, kubectl apply --server-side ${kubectlMs.toFixed(0)} ms, ratio ${(agentMs / kubectlMs).toFixed(2)} (target <= 0.5)`,
    );
    console.log(
      `no-op re-sync: ${noopMs.toFixed(0)} ms, ${unchanged}/${OBJECTS} unchanged, ${noopWrites} write requests (target 0), ${noopRequests} requests in all (reads and dry-runs)`,
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
