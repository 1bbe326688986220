import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/helm-binary.sh', import.meta.url));

/**
 * Returns the path of the helm CLI the chart tests run: the cached build of the version pinned
 * in test/helm/go.mod, built first when missing (FLOTILLA_HELM points at another one). The build
 * script does the pinning, caching and locking; this only runs it, streaming its progress to
 * stderr because a cold build takes minutes.
 */
export async function ensureHelm(): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const lastLine = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && lastLine !== '') resolve(lastLine);
      else
        reject(
          new Error(`${BUILD_SCRIPT} failed (${signal ?? `exit ${String(code)}`}); see its output above`),
        );
    });
  });
}
