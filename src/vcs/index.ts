/** Public surface of the VCS layer: the hub imports from here only. */
export * from './vcs-backend.js';
export { VcsRegistry, type VcsRegistryOptions } from './vcs.registry.js';
export { VcsAuthenticationError, scrubUrl } from './vcs.errors.js';
export { normalizeRepoPath } from './vcs-path.js';
export { GitBackend, type GitBackendOptions } from './git/git.backend.js';
export { SvnBackend, type SvnBackendOptions } from './svn/svn.backend.js';
export {
  type ProcessRunner,
  type ProcessResult,
  type ProcessOptions,
  NodeProcessRunner,
} from './process-runner.js';
export { type Clock, systemClock } from './clock.js';
export {
  EgressGuard,
  EgressRefusedError,
  type HostResolver,
  type CheckedTarget,
  systemResolver,
} from './egress-guard.js';
