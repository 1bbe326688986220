import { runBinaryScript } from './helm-binary.js';

/**
 * Returns the path of the sops CLI the SOPS tests encrypt their fixtures with: the cached build of
 * the version pinned in test/sops/go.mod, built first when missing (FLOTILLA_SOPS_BIN points at
 * another one). The agent never runs it; it only makes files exactly as users do.
 */
export function ensureSops(): Promise<string> {
  return runBinaryScript('sops-binary.sh');
}
