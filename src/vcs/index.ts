/** Public surface of the VCS layer: the hub imports from here only. */
export * from './vcs-backend.js';
export { VcsRegistry, type VcsRegistryOptions } from './vcs.registry.js';
export { VcsAuthenticationError, scrubUrl } from './vcs.errors.js';
export { normalizeRepoPath } from './vcs-path.js';
export { GitBackend, type GitBackendOptions } from './git/git.backend.js';
export { GitCliBackend, type GitCliBackendOptions } from './git/git-cli.backend.js';
export { SshHostKeyError } from './git/git-ssh.js';
export {
  chooseGitImplementation,
  type GitImplementationChoice,
  type GitImplementationSetting,
} from './git/git-implementation.js';
export { SvnBackend, type SvnBackendOptions } from './svn/svn.backend.js';
export { HelmRepoBackend, type HelmRepoBackendOptions } from './helm/helm-repo.backend.js';
export { vendorChartDependencies, type VendorChartDependenciesOptions } from './helm/chart-dependencies.js';
export { GuardedChartDownloader, type ChartDownloader, type ChartGetOptions } from './helm/chart-http.js';
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
