/**
 * Child process for the teardown test: starts a one-cluster environment,
 * prints its pids and temp dir as one JSON line, then idles until a signal
 * arrives — proving the signal handlers clean up without any teardown call.
 *
 * Usage: node --import tsx test/support/k8s/interrupt-fixture.ts <binary dir>
 */
import { k8sBinariesIn } from './k8s-binaries.js';
import { K8sTestEnvironment } from './k8s-test-environment.js';

const binaryDir = process.argv[2];
if (binaryDir === undefined) {
  throw new Error('usage: interrupt-fixture.ts <binary dir>');
}
const environment = await K8sTestEnvironment.start({ clusters: 1, binaries: k8sBinariesIn(binaryDir) });
process.stdout.write(
  `${JSON.stringify({ rootDir: environment.rootDir, pids: environment.processes.map((p) => p.pid) })}\n`,
);
// Keeps the event loop alive; only a signal ends this process.
setInterval(() => undefined, 60_000);
