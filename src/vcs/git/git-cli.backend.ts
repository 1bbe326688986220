import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, NotFoundError, TooLargeError } from '../../domain/errors.js';
import { type EgressGuard } from '../egress-guard.js';
import { NodeProcessRunner, type ProcessRunner } from '../process-runner.js';
import { type FileSet, type VcsRepository } from '../vcs-backend.js';
import { joinRepoPath, normalizeRepoPath } from '../vcs-path.js';
import { scrubUrl } from '../vcs.errors.js';
import { GitCli, gitCliError } from './git-cli.js';
import { GitBackend, type GitBackendOptions } from './git.backend.js';
import { type GitStore, locate } from './git-objects.js';

/** Construction options of {@link GitCliBackend}. */
export interface GitCliBackendOptions extends Omit<GitBackendOptions, 'http'> {
  /** Runs `git` (default: child processes, never a shell). */
  runner?: ProcessRunner;
  /** Egress policy: every connection git makes goes through a proxy that applies it. */
  egress?: EgressGuard;
}

const SYMLINK_MODE = '120000';

/**
 * The Git backend over the `git` binary, for when one is installed (the hub image ships it):
 * fetch, push, snapshots and diffs are done by git itself, which is several times faster than
 * isomorphic-git on large trees. Small reads (tree, read, history, ancestry) and the building
 * of commit objects stay with the shared object code of {@link GitBackend}, which works on the
 * same bare repository, so both implementations give the same answers and the same errors.
 */
export class GitCliBackend extends GitBackend {
  private readonly cli: GitCli;

  constructor(options: GitCliBackendOptions) {
    super(options);
    const home = join(options.cacheDir, '.home');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    this.cli = new GitCli(options.runner ?? new NodeProcessRunner(), home, options.egress);
  }

  /**
   * One `git fetch` of the branch: when nothing changed it is a single ref advertisement and no
   * pack (protocol v0); otherwise only the missing objects come. A null branch first asks the
   * remote which branch its HEAD names.
   */
  protected override async syncHead(
    repo: VcsRepository,
    store: GitStore,
    locked: <T>(work: () => Promise<T>) => Promise<T>,
  ): Promise<{ branch: string; oid: string }> {
    const branch = repo.branch ?? (await this.remoteDefaultBranch(repo));
    return { branch, oid: await locked(() => this.fetch(repo, store, branch)) };
  }

  protected override async fetch(repo: VcsRepository, store: GitStore, branch: string): Promise<string> {
    await this.cli.ok(
      [
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-recurse-submodules',
        '--',
        repo.url,
        `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
      ],
      { gitdir: store.gitdir, remote: repo },
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
    const result = await this.cli.run(
      ['push', '--porcelain', '--no-verify', '--', repo.url, `${oid}:refs/heads/${branch}`],
      { gitdir: store.gitdir, remote: repo },
    );
    if (result.code === 0) return true;
    const out = `${result.stdout.toString('utf8')}\n${result.stderr}`;
    if (
      /\[rejected\]|non-fast-forward|fetch first|stale info|failed to update ref|cannot lock ref/i.test(out)
    )
      return false;
    throw gitCliError('push', result, repo);
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
   * `git ls-tree -r -l` lists the directory with sizes, so every limit is checked before any
   * content is read; then one `git cat-file --batch` reads every blob. Symlinks go through the
   * shared `locate`, which refuses links leaving the repository.
   */
  override async snapshot(repo: VcsRepository, revision: string, path: string): Promise<FileSet> {
    const dir = normalizeRepoPath(path, 'path', true);
    return this.guard(repo, async () => {
      const { store, tree, branch, oid } = await this.open(repo, revision);
      const start = await this.locateDir(store, tree, dir);
      const listing = await this.cli.ok(['ls-tree', '-r', '-z', '-l', '--', start.oid], {
        gitdir: store.gitdir,
      });
      const wanted: { path: string; oid: string; size: number | null }[] = [];
      let count = 0;
      let total = 0;
      const account = (p: string, size: number) => {
        if (size > this.limits.maxFileBytes)
          throw new TooLargeError(`${p}: over the ${this.limits.maxFileBytes}-byte file limit`);
        total += size;
        if (total > this.limits.maxSnapshotBytes)
          throw new TooLargeError(
            `${dir || '/'}: snapshot over the ${this.limits.maxSnapshotBytes}-byte limit`,
          );
        if (count++ >= this.limits.maxSnapshotFiles)
          throw new TooLargeError(
            `${dir || '/'}: snapshot over the ${this.limits.maxSnapshotFiles}-file limit`,
          );
      };
      for (const line of splitZ(listing)) {
        const m = /^(\d{6}) (\w+) ([0-9a-f]{40}) +(\S+)\t(.*)$/s.exec(line);
        if (!m) continue;
        const [, mode, type, objectId, size, name] = m;
        const p = joinRepoPath(start.path, name);
        if (type === 'commit') continue; // submodule: content lives in another repository
        if (mode === SYMLINK_MODE) {
          const target = await locate(store, tree, p, true);
          if (target.kind === 'blob') wanted.push({ path: p, oid: target.oid, size: null });
          continue;
        }
        account(p, Number(size));
        wanted.push({ path: p, oid: objectId, size: Number(size) });
      }
      const contents = await this.readBlobs(store, [...new Set(wanted.map((w) => w.oid))], total);
      const files = new Map<string, Buffer>();
      let totalBytes = 0;
      for (const w of wanted) {
        const content = contents.get(w.oid);
        if (!content) throw new NotFoundError('object', w.oid);
        if (w.size === null) account(w.path, content.length);
        totalBytes += content.length;
        files.set(w.path, content);
      }
      return { revision: this.revision(branch, oid), files, totalBytes };
    });
  }

  /** The directory's tree: one `cat-file` lookup, or the shared `locate` when symlinks are on the way. */
  private async locateDir(
    store: GitStore,
    tree: string,
    dir: string,
  ): Promise<{ oid: string; path: string }> {
    if (dir === '') return { oid: tree, path: '' };
    const r = await this.cli.run(['cat-file', '--batch-check'], {
      gitdir: store.gitdir,
      stdin: `${tree}:${dir}\n`,
    });
    const m = /^([0-9a-f]{40}) tree \d+\n$/.exec(r.stdout.toString('utf8'));
    if (r.code === 0 && m) return { oid: m[1], path: dir };
    const at = await locate(store, tree, dir, true);
    if (at.kind !== 'tree') throw new InvalidInputError(`${dir}: is not a directory`);
    return { oid: at.oid, path: at.path };
  }

  /** Contents of blobs by id, with one `git cat-file --batch`. */
  private async readBlobs(
    store: GitStore,
    oids: string[],
    expectedBytes: number,
  ): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    if (oids.length === 0) return out;
    const raw = await this.cli.ok(['cat-file', '--batch'], {
      gitdir: store.gitdir,
      stdin: `${oids.join('\n')}\n`,
      maxStdoutBytes: expectedBytes + oids.length * 128 + this.limits.maxSnapshotBytes + 1024,
    });
    let at = 0;
    while (at < raw.length) {
      const nl = raw.indexOf(10, at);
      if (nl < 0) break;
      const header = raw.subarray(at, nl).toString('latin1');
      const m = /^([0-9a-f]{40}) (\w+) (\d+)$/.exec(header);
      if (!m) {
        at = nl + 1; // `<oid> missing`
        continue;
      }
      const size = Number(m[3]);
      out.set(m[1], Buffer.from(raw.subarray(nl + 1, nl + 1 + size)));
      at = nl + 1 + size + 1;
    }
    return out;
  }

  /** Name of the branch the remote's HEAD points to (`git ls-remote --symref`). */
  private async remoteDefaultBranch(repo: VcsRepository): Promise<string> {
    const out = (
      await this.cli.ok(['ls-remote', '--symref', '--', repo.url, 'HEAD'], { remote: repo })
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
