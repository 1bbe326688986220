/**
 * Measures the Kubernetes test harness: start time of 1 and of 3 clusters and
 * the resident memory of etcd and of each kube-apiserver.
 *
 * Run: npx tsx bench/k8s-harness.ts [--sequential] [-- <extra kube-apiserver flags>]
 */
import { readFileSync } from 'node:fs';
import { ensureK8sBinaries } from '../test/support/k8s/k8s-binaries.js';
import { K8sTestEnvironment } from '../test/support/k8s/k8s-test-environment.js';

/** VmRSS of a live process in MiB, from /proc (Linux only). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match?.[1] === undefined) {
    throw new Error(`no VmRSS for pid ${pid}`);
  }
  return Number(match[1]) / 1024;
}

async function measure(
  clusters: number,
  sequential: boolean,
  apiServerArgs: readonly string[],
): Promise<void> {
  const binaries = await ensureK8sBinaries();
  const started = performance.now();
  const environment = await K8sTestEnvironment.start({ clusters, binaries, sequential, apiServerArgs });
  const seconds = (performance.now() - started) / 1000;
  try {
    console.log(
      `${clusters} cluster(s)${sequential ? ' (sequential)' : ''}: ready in ${seconds.toFixed(1)} s`,
    );
    // RSS right after /readyz understates a server that has done work; let
    // the post-start controllers settle first.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    let total = 0;
    for (const { name, pid } of environment.processes) {
      const rss = rssMiB(pid);
      total += rss;
      console.log(`  ${name.padEnd(26)} pid ${String(pid).padEnd(8)} RSS ${rss.toFixed(0)} MiB`);
    }
    console.log(`  total RSS ${total.toFixed(0)} MiB`);
  } finally {
    await environment.stop();
  }
}

const separator = process.argv.indexOf('--');
const ownArgs = separator === -1 ? process.argv.slice(2) : process.argv.slice(2, separator);
const apiServerArgs = separator === -1 ? [] : process.argv.slice(separator + 1);
const sequential = ownArgs.includes('--sequential');

await measure(1, sequential, apiServerArgs);
await measure(3, sequential, apiServerArgs);
