import * as nodeFs from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import git, { type HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { ConflictError, InvalidInputError, NotFoundError, TooLargeError } from '../../domain/errors.js';
import { type Clock, systemClock } from '../clock.js';
import { KeyedMutex } from '../keyed-mutex.js';
import {
  type CommitRequest,
  DEFAULT_VCS_LIMITS,
  type FileChange,
  type FileSet,
  type HistoryPage,
  type HistoryQuery,
  type Revision,
  type TreeEntry,
  type VcsBackend,
  type VcsLimits,
  type VcsRepository,
} from '../vcs-backend.js';
import { normalizeChanges, normalizeCommitRequest, normalizeHistoryQuery } from '../vcs-input.js';
import { joinRepoPath, normalizeRepoPath } from '../vcs-path.js';
import {
  applyChanges,
  changedUnder,
  entryIdAt,
  type GitStore,
  locate,
  readBlobBytes,
  readCommitObject,
  readTreeEntries,
  snapshotTree,
} from './git-objects.js';
import { decodeHistoryCursor, encodeHistoryCursor, walkHistory } from './git-history.js';
import { authHeaders } from '../http-connect.js';
import { lsRemoteHead, mapGitError, pushWithoutForce, validateBranch, validateGitUrl } from './git-remote.js';

const fs = nodeFs;
const OID = /^[0-9a-f]{40}$/;
/** Local ref the outgoing commit is pushed from; never a branch anyone checks out. */
const OUTGOING_REF = 'refs/flotilla/outgoing';
/** How often a commit is rebuilt on a moved head (unrelated pushes) before giving up with 409. */
const MAX_PUSH_ATTEMPTS = 5;

/** Construction options of {@link GitBackend}. */
export interface GitBackendOptions {
  /** Directory holding one bare clone per repository (`<dataDir>/vcs/git`). */
  cacheDir: string;
  limits?: Partial<VcsLimits>;
  clock?: Clock;
  /** Committer of commits made through the API; the author is always the caller. */
  committer?: { name: string; email: string };
  /** HTTP client for isomorphic-git (default: isomorphic-git/http/node). */
  http?: HttpClient;
}

/**
 * Git over smart HTTP(S) with isomorphic-git. Each repository has a bare clone in
 * `<cacheDir>/<repo.id>` (single branch, no checkout); reads come straight from its object
 * store, `resolve` costs one ref advertisement when nothing changed, and commits are built as
 * objects on top of the branch head and pushed without force.
 */
export class GitBackend implements VcsBackend {
  readonly type = 'git' as const;
  protected readonly limits: VcsLimits;
  private readonly clock: Clock;
  private readonly http: HttpClient;
  private readonly committer: { name: string; email: string };
  protected readonly mutex = new KeyedMutex();
  protected readonly caches = new Map<string, object>();

  constructor(protected readonly options: GitBackendOptions) {
    this.limits = { ...DEFAULT_VCS_LIMITS, ...options.limits };
    this.clock = options.clock ?? systemClock;
    this.http = options.http ?? nodeHttp;
    this.committer = options.committer ?? { name: 'Flotilla', email: 'flotilla@localhost' };
  }

  async resolve(repo: VcsRepository): Promise<Revision> {
    this.check(repo);
    return this.guard(repo, async () => {
      const store = await this.store(repo);
      const { branch, oid } = await this.syncHead(repo, store, (work) => this.mutex.run(repo.id, work));
      return this.revision(branch, oid);
    });
  }

  /**
   * Brings the branch head of the store up to date with the remote and returns it; `locked`
   * wraps the part that writes to the store (callers already holding the lock pass work through).
   * One ref advertisement when nothing changed.
   */
  protected async syncHead(
    repo: VcsRepository,
    store: GitStore,
    locked: <T>(work: () => Promise<T>) => Promise<T>,
  ): Promise<{ branch: string; oid: string }> {
    const remote = await lsRemoteHead(this.http, repo);
    if ((await this.localHead(store, remote.branch)) === remote.oid) return remote;
    return { branch: remote.branch, oid: await locked(() => this.fetch(repo, store, remote.branch)) };
  }

  /** Pushes `oid` to the branch without force; false when the branch moved (rebuild and retry). */
  protected async push(repo: VcsRepository, store: GitStore, oid: string, branch: string): Promise<boolean> {
    await git.writeRef({ fs, gitdir: store.gitdir, ref: OUTGOING_REF, value: oid, force: true });
    return pushWithoutForce(this.http, repo, store, OUTGOING_REF, branch);
  }

  async refresh(repo: VcsRepository): Promise<Revision> {
    return this.resolve(repo);
  }

  async tree(repo: VcsRepository, revision: string, path: string): Promise<TreeEntry[]> {
    const dir = normalizeRepoPath(path, 'path', true);
    return this.guard(repo, async () => {
      const { store, tree } = await this.open(repo, revision);
      const at = await locate(store, tree, dir, true);
      if (at.kind !== 'tree') throw new InvalidInputError(`${dir}: is not a directory`);
      const out: TreeEntry[] = [];
      for (const e of await readTreeEntries(store, at.oid)) {
        const entryPath = joinRepoPath(at.path, e.path);
        if (e.mode === '120000') {
          out.push({
            name: e.path,
            path: entryPath,
            type: 'symlink',
            size: null,
            target: (await readBlobBytes(store, e.oid)).toString('utf8'),
          });
        } else
          out.push({
            name: e.path,
            path: entryPath,
            type: e.type === 'tree' ? 'dir' : e.type === 'commit' ? 'submodule' : 'file',
            size: null,
          });
      }
      return out;
    });
  }

  async read(repo: VcsRepository, revision: string, path: string): Promise<Buffer> {
    const file = normalizeRepoPath(path);
    return this.guard(repo, async () => {
      const { store, tree } = await this.open(repo, revision);
      const at = await locate(store, tree, file, true);
      if (at.kind !== 'blob') throw new InvalidInputError(`${file}: is not a file`);
      const content = await readBlobBytes(store, at.oid);
      if (content.length > this.limits.maxFileBytes)
        throw new TooLargeError(`${file}: over the ${this.limits.maxFileBytes}-byte file limit`);
      return content;
    });
  }

  async snapshot(repo: VcsRepository, revision: string, path: string): Promise<FileSet> {
    const dir = normalizeRepoPath(path, 'path', true);
    return this.guard(repo, async () => {
      const { store, tree, branch, oid } = await this.open(repo, revision);
      const { files, totalBytes } = await snapshotTree(store, tree, dir, this.limits);
      return { revision: this.revision(branch, oid), files, totalBytes };
    });
  }

  async history(repo: VcsRepository, query: HistoryQuery): Promise<HistoryPage> {
    const { path, limit, cursor } = normalizeHistoryQuery(query);
    return this.guard(repo, async () => {
      const { store, branch, head } = await this.current(repo);
      const starts = cursor ? decodeHistoryCursor(cursor) : [head];
      const { items, frontier } = await walkHistory(store, starts, path, limit);
      return {
        items: items.map((i) => ({
          revision: this.revision(branch, i.oid),
          author: { name: i.commit.author.name, email: i.commit.author.email || null },
          message: i.commit.message.replace(/\n$/, ''),
          time: new Date(i.commit.author.timestamp * 1000),
          changedPaths: i.changed,
        })),
        nextCursor: frontier ? encodeHistoryCursor(frontier) : null,
      };
    });
  }

  async changedPaths(repo: VcsRepository, from: string, to: string): Promise<string[]> {
    return this.guard(repo, async () => {
      const a = await this.open(repo, from, 'from');
      const b = await this.open(repo, to, 'to');
      return changedUnder(a.store, a.tree, b.tree, '');
    });
  }

  async isAncestor(repo: VcsRepository, ancestor: string, descendant: string): Promise<boolean> {
    this.checkOid(ancestor, 'ancestor');
    return this.guard(repo, async () => {
      const { store } = await this.open(repo, descendant, 'descendant');
      if (ancestor === descendant) return true;
      // A commit the branch no longer reaches may be gone from the cache: then it is not an ancestor.
      const known = await readCommitObject(store, ancestor).then(
        () => true,
        (e: unknown) => {
          if (e instanceof NotFoundError) return false;
          throw e;
        },
      );
      if (!known) return false;
      return git.isDescendent({
        fs,
        gitdir: store.gitdir,
        oid: descendant,
        ancestor,
        depth: -1,
        cache: store.cache,
      });
    });
  }

  async commit(
    repo: VcsRepository,
    changes: readonly FileChange[],
    request: CommitRequest,
  ): Promise<Revision> {
    this.check(repo);
    const normalized = normalizeChanges(changes, this.limits);
    for (const c of normalized)
      if (c.path.split('/').some((s) => s.toLowerCase() === '.git'))
        throw new InvalidInputError(`${c.path}: '.git' is not allowed in a path`);
    const meta = normalizeCommitRequest(request);
    if (meta.baseRevision !== null) this.checkOid(meta.baseRevision, 'baseRevision');
    return this.guard(repo, async () => {
      // Outside the lock: creating the store takes the same per-repository lock.
      const store = await this.store(repo);
      return this.mutex.run(repo.id, async () => {
        for (let attempt = 0; attempt < MAX_PUSH_ATTEMPTS; attempt++) {
          const { branch, oid: head } = await this.syncHead(repo, store, (work) => work());
          const headTree = (await readCommitObject(store, head)).tree;
          if (meta.baseRevision !== null && meta.baseRevision !== head)
            await this.checkBase(
              store,
              meta.baseRevision,
              head,
              headTree,
              normalized.map((c) => c.path),
            );
          const tree = await applyChanges(store, headTree, normalized);
          const now = Math.floor(this.clock.now().getTime() / 1000);
          const oid = await git.writeCommit({
            fs,
            gitdir: store.gitdir,
            commit: {
              message: meta.message.endsWith('\n') ? meta.message : `${meta.message}\n`,
              tree,
              parent: [head],
              author: { name: meta.author.name, email: meta.author.email, timestamp: now, timezoneOffset: 0 },
              committer: { ...this.committer, timestamp: now, timezoneOffset: 0 },
            },
          });
          // Someone pushed between our ref advertisement and our push: rebuild on the new head
          // (re-checking the base), never force.
          if (!(await this.push(repo, store, oid, branch))) continue;
          await git.writeRef({
            fs,
            gitdir: store.gitdir,
            ref: `refs/remotes/origin/${branch}`,
            value: oid,
            force: true,
          });
          return this.revision(branch, oid);
        }
        throw new ConflictError('the branch kept moving while committing; retry', {
          attempts: MAX_PUSH_ATTEMPTS,
        });
      });
    });
  }

  /** 409 unless `base` is an ancestor of `head` and no changed path differs between them. */
  private async checkBase(
    store: GitStore,
    base: string,
    head: string,
    headTree: string,
    paths: string[],
  ): Promise<void> {
    let baseTree: string;
    try {
      baseTree = (await readCommitObject(store, base)).tree;
    } catch {
      throw new ConflictError(`base revision ${base.slice(0, 7)} is not on the branch`, {
        baseRevision: base,
      });
    }
    const ancestor = await git.isDescendent({
      fs,
      gitdir: store.gitdir,
      oid: head,
      ancestor: base,
      depth: -1,
      cache: store.cache,
    });
    if (!ancestor)
      throw new ConflictError(`base revision ${base.slice(0, 7)} is not on the branch`, {
        baseRevision: base,
      });
    const conflicting: string[] = [];
    for (const p of paths)
      if ((await entryIdAt(store, baseTree, p)) !== (await entryIdAt(store, headTree, p)))
        conflicting.push(p);
    if (conflicting.length > 0)
      throw new ConflictError(`changed since base revision ${base.slice(0, 7)}: ${conflicting.join(', ')}`, {
        baseRevision: base,
        headRevision: head,
        paths: conflicting,
      });
  }

  /** Opens the store at a revision, fetching once if the commit is not there yet. */
  protected async open(
    repo: VcsRepository,
    revision: string,
    field = 'revision',
  ): Promise<{ store: GitStore; tree: string; branch: string; oid: string }> {
    this.checkOid(revision, field);
    const { store, branch } = await this.current(repo);
    try {
      return { store, tree: (await readCommitObject(store, revision)).tree, branch, oid: revision };
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
    await this.mutex.run(repo.id, () => this.fetch(repo, store, branch));
    return { store, tree: (await readCommitObject(store, revision)).tree, branch, oid: revision };
  }

  /** The store with its branch head, cloning on first use. */
  protected async current(repo: VcsRepository): Promise<{ store: GitStore; branch: string; head: string }> {
    const store = await this.store(repo);
    const branch = repo.branch ?? (await this.defaultBranch(store));
    const head = branch ? await this.localHead(store, branch) : null;
    if (!branch || !head) {
      const rev = await this.resolve(repo);
      return { store, branch: rev.display.split('@')[0], head: rev.id };
    }
    return { store, branch, head };
  }

  private async defaultBranch(store: GitStore): Promise<string | null> {
    const value: unknown = await git.getConfig({ fs, gitdir: store.gitdir, path: 'flotilla.defaultbranch' });
    return typeof value === 'string' ? value : null;
  }

  /** Fetches the branch (incrementally: only objects the cache lacks) and returns its head. */
  protected async fetch(repo: VcsRepository, store: GitStore, branch: string): Promise<string> {
    const result = await git.fetch({
      fs,
      http: this.http,
      gitdir: store.gitdir,
      remote: 'origin',
      ref: branch,
      singleBranch: true,
      tags: false,
      headers: authHeaders(repo.credentials),
      cache: store.cache,
    });
    // New packs appeared: start a fresh object cache so their indexes are read.
    store.cache = {};
    this.caches.set(repo.id, store.cache);
    if (!result.fetchHead) throw new NotFoundError('branch', branch);
    await git.writeRef({
      fs,
      gitdir: store.gitdir,
      ref: `refs/remotes/origin/${branch}`,
      value: result.fetchHead,
      force: true,
    });
    if (repo.branch === null)
      await git.setConfig({ fs, gitdir: store.gitdir, path: 'flotilla.defaultbranch', value: branch });
    return result.fetchHead;
  }

  protected async localHead(store: GitStore, branch: string): Promise<string | null> {
    try {
      return await git.resolveRef({ fs, gitdir: store.gitdir, ref: `refs/remotes/origin/${branch}` });
    } catch {
      return null;
    }
  }

  /** The bare repository of `repo`, created on first use and recreated if the URL changed. */
  protected async store(repo: VcsRepository): Promise<GitStore> {
    const gitdir = join(this.options.cacheDir, repo.id);
    const configured: unknown = await git
      .getConfig({ fs, gitdir, path: 'remote.origin.url' })
      .catch(() => undefined);
    if (configured !== repo.url) {
      await this.mutex.run(repo.id, async () => {
        const again: unknown = await git
          .getConfig({ fs, gitdir, path: 'remote.origin.url' })
          .catch(() => undefined);
        if (again === repo.url) return;
        await rm(gitdir, { recursive: true, force: true });
        await mkdir(gitdir, { recursive: true });
        await git.init({ fs, gitdir, bare: true });
        await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: repo.url });
        await git.setConfig({
          fs,
          gitdir,
          path: 'remote.origin.fetch',
          value: '+refs/heads/*:refs/remotes/origin/*',
        });
        this.caches.set(repo.id, {});
      });
    }
    let cache = this.caches.get(repo.id);
    if (!cache) this.caches.set(repo.id, (cache = {}));
    return { gitdir, cache };
  }

  protected revision(branch: string, oid: string): Revision {
    return { id: oid, display: `${branch}@sha1:${oid.slice(0, 7)}` };
  }

  protected check(repo: VcsRepository): void {
    if (repo.type !== 'git') throw new InvalidInputError('repository is not a Git repository');
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(repo.id) || repo.id.startsWith('.'))
      throw new InvalidInputError('repository id: not a safe identifier');
    validateGitUrl(repo.url, this.speaksSsh);
    if (repo.branch !== null) validateBranch(repo.branch);
  }

  /** Whether this implementation reaches `ssh://` repositories (isomorphic-git speaks HTTP only). */
  protected get speaksSsh(): boolean {
    return false;
  }

  protected checkOid(value: string, field: string): void {
    if (typeof value !== 'string' || !OID.test(value))
      throw new InvalidInputError(`${field}: not a Git commit id (40 hex digits)`);
  }

  /** Validates the repository, then runs `work`, mapping every failure to a typed error. */
  protected async guard<T>(repo: VcsRepository, work: () => Promise<T>): Promise<T> {
    this.check(repo);
    try {
      return await work();
    } catch (e) {
      throw mapGitError(e, repo);
    }
  }
}
