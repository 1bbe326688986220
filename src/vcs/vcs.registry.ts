import { join } from 'node:path';
import { InvalidInputError } from '../domain/errors.js';
import { type Clock } from './clock.js';
import { type EgressGuard } from './egress-guard.js';
import { GitBackend } from './git/git.backend.js';
import { GitCliBackend } from './git/git-cli.backend.js';
import { guardedHttpClient } from './git/guarded-http.js';
import { HelmRepoBackend } from './helm/helm-repo.backend.js';
import { type ProcessRunner } from './process-runner.js';
import { SvnBackend } from './svn/svn.backend.js';
import { type VcsBackend, type VcsLimits, type VcsRepository, type VcsType } from './vcs-backend.js';

/** Construction options of {@link VcsRegistry}. */
export interface VcsRegistryOptions {
  /**
   * The hub's data directory; caches go to `<dataDir>/vcs/git/<repo.id>`, `<dataDir>/vcs/svn` and
   * `<dataDir>/vcs/helm/<repo.id>`.
   */
  dataDir: string;
  /** Size limits (defaults: 5 MiB per file, 64 MiB per snapshot). */
  limits?: Partial<VcsLimits>;
  /** Accept `file://` SVN URLs (tests, single-host setups). Default false. */
  allowFileUrls?: boolean;
  clock?: Clock;
  runner?: ProcessRunner;
  /** Egress policy for every outbound call to a repository, redirects included (the hub sets it). */
  egress?: EgressGuard;
  /**
   * Git implementation, chosen once at start (see chooseGitImplementation): `cli` runs the
   * installed `git` binary, `isomorphic` (the default here) isomorphic-git.
   */
  gitImplementation?: 'cli' | 'isomorphic';
}

/**
 * Picks the backend for a repository by its type, so nothing outside src/vcs knows which one
 * it talks to. One instance per process: backends hold per-repository locks and caches.
 */
export class VcsRegistry {
  private readonly backends: Record<VcsType, VcsBackend>;

  constructor(options: VcsRegistryOptions) {
    this.backends = {
      git:
        options.gitImplementation === 'cli'
          ? new GitCliBackend({
              cacheDir: join(options.dataDir, 'vcs', 'git'),
              limits: options.limits,
              clock: options.clock,
              runner: options.runner,
              egress: options.egress,
            })
          : new GitBackend({
              cacheDir: join(options.dataDir, 'vcs', 'git'),
              limits: options.limits,
              clock: options.clock,
              http: options.egress ? guardedHttpClient(options.egress) : undefined,
            }),
      svn: new SvnBackend({
        workDir: join(options.dataDir, 'vcs', 'svn'),
        limits: options.limits,
        allowFileUrls: options.allowFileUrls,
        runner: options.runner,
        egress: options.egress,
      }),
      helm: new HelmRepoBackend({
        cacheDir: join(options.dataDir, 'vcs', 'helm'),
        limits: options.limits,
        egress: options.egress,
      }),
    };
  }

  /** The backend serving `repo`. */
  for(repo: Pick<VcsRepository, 'type'>): VcsBackend {
    const backend = (this.backends as Partial<Record<string, VcsBackend>>)[repo.type];
    if (!backend)
      throw new InvalidInputError(`type: must be one of ${Object.keys(this.backends).join(', ')}`);
    return backend;
  }
}
