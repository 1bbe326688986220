import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { k8sBinariesIn } from '../support/k8s/k8s-binaries.js';
import { K8sTestEnvironment } from '../support/k8s/k8s-test-environment.js';

const binaries = k8sBinariesIn(inject('k8sBinaryDir'));
const FIXTURE = fileURLToPath(new URL('../support/k8s/interrupt-fixture.ts', import.meta.url));

/**
 * Whether a pid still names a process. Our harness reaps its children, so a
 * stopped process must be gone from /proc entirely — not even a zombie.
 */
function processExists(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

describe('Kubernetes test environment teardown', () => {
  it('stop() ends every process and deletes the temp dir', async () => {
    const environment = await K8sTestEnvironment.start({ clusters: 1, binaries });
    const pids = environment.processes.map((p) => p.pid);
    expect(pids).toHaveLength(2);
    expect(existsSync(environment.rootDir)).toBe(true);

    const kc = new KubeConfig();
    kc.loadFromString(environment.clusters[0].kubeconfig);
    expect((await kc.makeApiClient(VersionApi).getCode()).major).toBe('1');

    await environment.stop();
    expect(pids.filter(processExists)).toEqual([]);
    expect(existsSync(environment.rootDir)).toBe(false);
  });

  it('an interrupted runner (SIGTERM) leaves no process and no temp dir', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, binaries.dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ?? code));
    });
    try {
      const started = await new Promise<{ rootDir: string; pids: number[] }>((resolve, reject) => {
        let output = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          const newline = output.indexOf('\n');
          if (newline >= 0) {
            resolve(JSON.parse(output.slice(0, newline)) as { rootDir: string; pids: number[] });
          }
        });
        void exited.then((how) => reject(new Error(`fixture exited early (${String(how)})`)));
      });
      expect(started.pids.every(processExists)).toBe(true);

      child.kill('SIGTERM');
      // Re-raised by the harness after cleanup, so the runner still dies of SIGTERM.
      expect(await exited).toBe('SIGTERM');
      expect(started.pids.filter(processExists)).toEqual([]);
      expect(existsSync(started.rootDir)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
