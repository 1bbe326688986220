import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/kustomize-binary.sh', import.meta.url));

/**
 * Returns the path of the kustomize CLI the render tests run: the cached build of the version
 * pinned in test/kustomize/go.mod, built first when missing (FLOTILLA_KUSTOMIZE_BIN points at
 * another one). Like ensureHelm, the script does pinning, caching and locking; a cold build takes
 * minutes, so its progress streams to stderr.
 */
export async function ensureKustomize(): Promise<string> {
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
