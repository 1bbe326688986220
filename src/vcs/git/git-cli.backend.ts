import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, NotFoundError, TooLargeError } from '../../domain/errors.js';
import { type EgressGuard } from '../egress-guard.js';
import { NodeProcessRunner, type ProcessRunner } from '../process-runner.js';
import { type FileSet, type VcsRepository } from '../vcs-backend.js';
import { joinRepoPath, normalizeRepoPath } from '../vcs-path.js';
import { scrubUrl, VcsAuthenticationError } from '../vcs.errors.js';
import { GitCli, gitCliError } from './git-cli.js';
import { followGitRedirects, GitRedirectedError } from './git-cli-redirect.js';
import { GitBackend, type GitBackendOptions } from './git.backend.js';
import { type GitStore, locate, readBlobBytes } from './git-objects.js';
import { parseGitTar } from './git-tar.js';

/** Construction options of {@link GitCliBackend}. */
export interface GitCliBackendOptions extends Omit<GitBackendOptions, 'http'> {
  /** Runs `git` (default: child processes, never a shell). */
  runner?: ProcessRunner;
  /** Egress policy: every connection git makes goes through a proxy that applies it. */
  egress?: EgressGuard;
}

/**
 * The Git backend over the `git` binary, for when one is installed (the hub image ships it):
 * fetch, push, snapshots and diffs are done by git itself, which is several times faster than
 * isomorphic-git on large trees. Small reads (tree, read, history, ancestry) and the building
 * of commit objects stay with the shared object code of {@link GitBackend}, which works on the
 * same bare repository, so both implementations give the same answers and the same errors.
 */
export class GitCliBackend extends GitBackend {
  private readonly cli: GitCli;
  private readonly egress?: EgressGuard;

  constructor(options: GitCliBackendOptions) {
    super(options);
    const home = join(options.cacheDir, '.home');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    this.egress = options.egress;
    this.cli = new GitCli(options.runner ?? new NodeProcessRunner(), home, options.egress);
  }

  /**
   * One `git fetch` of the branch: when nothing changed it is a single ref advertisement and no
   * pack (protocol v0); otherwise only the missing objects come. A null branch first asks the
   * remote which branch its HEAD names.
   */
  /** `git` runs ssh itself, through the wrapper of git-ssh.ts. */
  protected override get speaksSsh(): boolean {
    return true;
  }

  protected override async syncHead(
    repo: VcsRepository,
    store: GitStore,
    locked: <T>(work: () => Promise<T>) => Promise<T>,
  ): Promise<{ branch: string; oid: string }> {
    const branch = repo.branch ?? (await this.remoteDefaultBranch(repo));
    return { branch, oid: await locked(() => this.fetch(repo, store, branch)) };
  }

  protected override async fetch(repo: VcsRepository, store: GitStore, branch: string): Promise<string> {
    await this.remote(repo, 'git-upload-pack', (at) =>
      this.cli.ok(
        [
          'fetch',
          '--quiet',
          '--no-tags',
          '--no-recurse-submodules',
          '--',
          at.url,
          `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
        ],
        { gitdir: store.gitdir, remote: at },
      ),
    );
    // New packs may have appeared: the object code must re-read the pack list.
    store.cache = {};
    this.caches.set(repo.id, store.cache);
    const head = (await readFile(join(store.gitdir, 'FETCH_HEAD'), 'utf8')).slice(0, 40);
    if (!/^[0-9a-f]{40}$/.test(head)) throw new NotFoundError('branch', branch);
    if (repo.branch === null)
      await this.cli.ok(['config', 'flotilla.defaultbranch', branch], { gitdir: store.gitdir });
    return head;
  }

  protected override async push(
    repo: VcsRepository,
    store: GitStore,
    oid: string,
    branch: string,
  ): Promise<boolean> {
    return this.remote(repo, 'git-receive-pack', async (at) => {
      const result = await this.cli.run(
        ['push', '--porcelain', '--no-verify', '--', at.url, `${oid}:refs/heads/${branch}`],
        { gitdir: store.gitdir, remote: at },
      );
      if (result.code === 0) return true;
      const out = `${result.stdout.toString('utf8')}\n${result.stderr}`;
      if (
        /\[rejected\]|non-fast-forward|fetch first|stale info|failed to update ref|cannot lock ref/i.test(out)
      )
        return false;
      throw gitCliError('push', result, at);
    });
  }

  /**
   * Runs a network command against the repository; git follows no redirect itself (its
   * Authorization header would follow to any origin), so when the server redirects, the
   * redirect is followed here under the egress policy and the command runs again at the final
   * URL, with the credentials only if that is still the repository's origin.
   */
  private async remote<T>(
    repo: VcsRepository,
    service: 'git-upload-pack' | 'git-receive-pack',
    work: (at: VcsRepository) => Promise<T>,
  ): Promise<T> {
    try {
      return await work(repo);
    } catch (e) {
      if (!(e instanceof GitRedirectedError)) throw e;
    }
    const moved = await followGitRedirects(repo, service, this.egress);
    try {
      return await work(moved);
    } catch (e) {
      // Messages name the repository as registered, not wherever it redirected to.
      if (e instanceof VcsAuthenticationError) throw new VcsAuthenticationError(repo.url);
      throw e;
    }
  }

  override async changedPaths(repo: VcsRepository, from: string, to: string): Promise<string[]> {
    return this.guard(repo, async () => {
      const a = await this.open(repo, from, 'from');
      await this.open(repo, to, 'to');
      if (from === to) return [];
      const out = await this.cli.ok(
        ['diff-tree', '-r', '-z', '--name-only', '--no-renames', '--no-commit-id', from, to],
        { gitdir: a.store.gitdir },
      );
      return splitZ(out).sort();
    });
  }

  /**
   * One `git archive` of the directory (a tar stream: git writes it in large blocks, unlike
   * `cat-file --batch`), limits checked member by member. `--worktree-attributes` in a bare
   * repository means no attributes at all, so `export-ignore` / `export-subst` in the
   * repository's own .gitattributes cannot hide or rewrite files. Symlinks go through the
   * shared `locate`, which refuses links leaving the repository.
   */
  override async snapshot(repo: VcsRepository, revision: string, path: string): Promise<FileSet> {
    const dir = normalizeRepoPath(path, 'path', true);
    return this.guard(repo, async () => {
      const { store, tree, branch, oid } = await this.open(repo, revision);
      const { base, archive } = await this.archiveDir(store, tree, dir);
      const files = new Map<string, Buffer>();
      let totalBytes = 0;
      const add = (p: string, content: Buffer) => {
        if (content.length > this.limits.maxFileBytes)
          throw new TooLargeError(`${p}: over the ${this.limits.maxFileBytes}-byte file limit`);
        totalBytes += content.length;
        if (totalBytes > this.limits.maxSnapshotBytes)
          throw new TooLargeError(
            `${dir || '/'}: snapshot over the ${this.limits.maxSnapshotBytes}-byte limit`,
          );
        if (files.size >= this.limits.maxSnapshotFiles)
          throw new TooLargeError(
            `${dir || '/'}: snapshot over the ${this.limits.maxSnapshotFiles}-file limit`,
          );
        files.set(p, content);
      };
      for (const member of parseGitTar(archive)) {
        const p = joinRepoPath(base, member.path);
        if (member.type === 'file') add(p, member.content);
        else if (member.type === 'symlink') {
          const target = await locate(store, tree, p, true);
          if (target.kind === 'blob') add(p, await readBlobBytes(store, target.oid));
        }
        // Directories (and submodules, which git archives as empty directories) hold no content.
      }
      return { revision: this.revision(branch, oid), files, totalBytes };
    });
  }

  /**
   * The tar of a directory, addressed as `<tree>:<dir>` so the common case is one process; when
   * that fails (missing, not a directory, a symlink on the way) the shared `locate` gives the
   * same answer, or the same error, as the other implementation.
   */
  private async archiveDir(
    store: GitStore,
    tree: string,
    dir: string,
  ): Promise<{ base: string; archive: Buffer }> {
    // Room for the largest allowed snapshot plus tar headers; past it the snapshot is too large anyway.
    const cap = this.limits.maxSnapshotBytes + this.limits.maxSnapshotFiles * 2048 + 1024 * 1024;
    const archive = async (treeish: string) => {
      const r = await this.cli.run(['archive', '--worktree-attributes', '--format=tar', treeish], {
        gitdir: store.gitdir,
        maxStdoutBytes: cap,
      });
      if (r.truncated)
        throw new TooLargeError(
          `${dir || '/'}: snapshot over the ${this.limits.maxSnapshotBytes}-byte limit`,
        );
      return r;
    };
    const direct = await archive(dir === '' ? tree : `${tree}:${dir}`);
    if (direct.code === 0) return { base: dir, archive: direct.stdout };
    const at = await locate(store, tree, dir, true);
    if (at.kind !== 'tree') throw new InvalidInputError(`${dir}: is not a directory`);
    const r = await archive(at.oid);
    if (r.code !== 0) throw gitCliError('archive', r);
    return { base: at.path, archive: r.stdout };
  }

  /** Name of the branch the remote's HEAD points to (`git ls-remote --symref`). */
  private async remoteDefaultBranch(repo: VcsRepository): Promise<string> {
    const out = (
      await this.remote(repo, 'git-upload-pack', (at) =>
        this.cli.ok(['ls-remote', '--symref', '--', at.url, 'HEAD'], { remote: at }),
      )
    ).toString('utf8');
    const m = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out);
    if (!m) throw new NotFoundError('default branch of repository', scrubUrl(repo.url));
    return m[1];
  }
}

function splitZ(out: Buffer): string[] {
  return out
    .toString('utf8')
    .split('\0')
    .filter((s) => s !== '');
}
