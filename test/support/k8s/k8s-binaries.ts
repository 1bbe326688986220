import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Paths of the binaries the harness runs. */
export interface K8sBinaries {
  readonly dir: string;
  readonly kubeApiServer: string;
  readonly etcd: string;
  /** Present in our own builds; a KUBEBUILDER_ASSETS dir may lack it. */
  readonly kubectl: string;
}

const BUILD_SCRIPT = fileURLToPath(new URL('../../../scripts/k8s-test-binaries.sh', import.meta.url));

/** The binary paths inside a directory laid out like ours or like KUBEBUILDER_ASSETS. */
export function k8sBinariesIn(dir: string): K8sBinaries {
  return {
    dir,
    kubeApiServer: join(dir, 'kube-apiserver'),
    etcd: join(dir, 'etcd'),
    kubectl: join(dir, 'kubectl'),
  };
}

/**
 * Returns the kube-apiserver and etcd to run: `KUBEBUILDER_ASSETS` if set (as
 * in envtest), else the cached build, building it first when it is missing.
 *
 * The build script does the version pinning, caching and locking; this only
 * runs it, streaming its progress to stderr since a cold build takes minutes.
 */
export async function ensureK8sBinaries(): Promise<K8sBinaries> {
  const assets = process.env['KUBEBUILDER_ASSETS'];
  if (assets !== undefined && assets !== '') {
    const binaries = k8sBinariesIn(assets);
    for (const file of [binaries.kubeApiServer, binaries.etcd]) {
      try {
        await access(file, constants.X_OK);
      } catch {
        throw new Error(`KUBEBUILDER_ASSETS=${assets} has no executable ${file}`);
      }
    }
    return binaries;
  }
  const dir = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const lastLine = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && lastLine !== '') {
        resolve(lastLine);
      } else {
        reject(
          new Error(`${BUILD_SCRIPT} failed (${signal ?? `exit ${String(code)}`}); see its output above`),
        );
      }
    });
  });
  return k8sBinariesIn(dir);
}
