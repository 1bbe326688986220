import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Returns the path of the helm CLI the chart tests run: the cached build of the version pinned
 * in test/helm/go.mod, built first when missing (FLOTILLA_HELM_BIN points at another one). The build
 * script does the pinning, caching and locking; this only runs it, streaming its progress to
 * stderr because a cold build takes minutes.
 */
export function ensureHelm(): Promise<string> {
  return runBinaryScript('helm-binary.sh');
}

/**
 * Runs one of the scripts/*-binary.sh build scripts (they pin, cache and lock; see
 * scripts/go-tool-build.sh) and answers the binary's path, the last line of its stdout.
 */
export function runBinaryScript(script: string): Promise<string> {
  const path = fileURLToPath(new URL(`../../scripts/${script}`, import.meta.url));
  return new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.once('error', reject);
    // 'close', not 'exit': only then has all of stdout been read
    child.once('close', (code, signal) => {
      const lastLine = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && lastLine !== '') resolve(lastLine);
      else reject(new Error(`${path} failed (${signal ?? `exit ${String(code)}`}); see its output above`));
    });
  });
}
