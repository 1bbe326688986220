import { runBinaryScript } from './helm-binary.js';

/**
 * Returns the path of the kustomize CLI the render tests run: the cached build of the version
 * pinned in test/kustomize/go.mod, built first when missing (FLOTILLA_KUSTOMIZE_BIN points at
 * another one). Like ensureHelm, the script does pinning, caching and locking; a cold build takes
 * minutes, so its progress streams to stderr.
 */
export function ensureKustomize(): Promise<string> {
  return runBinaryScript('kustomize-binary.sh');
}
