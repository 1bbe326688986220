import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeCursor, encodeCursor } from '../../domain/cursor.js';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  TooLargeError,
  UnavailableError,
} from '../../domain/errors.js';
import { NodeProcessRunner, type ProcessRunner } from '../process-runner.js';
import {
  type Commit,
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
import {
  type NormalizedChange,
  type NormalizedCommitRequest,
  normalizeChanges,
  normalizeCommitRequest,
  normalizeHistoryQuery,
} from '../vcs-input.js';
import { isUnder, joinRepoPath, normalizeRepoPath, repoDirname, resolveSymlinkTarget } from '../vcs-path.js';
import { mapSvnError, SvnCli } from './svn-cli.js';
import {
  parseSvnDiffSummary,
  parseSvnInfo,
  parseSvnList,
  parseSvnLog,
  parseSvnPropgetTargets,
  type SvnInfoEntry,
} from './svn-xml.parser.js';

/** Revision property carrying the API caller, since svn:author is whoever authenticated. */
export const AUTHOR_REVPROP = 'flotilla:author';
/** Revision property carrying the API caller's e-mail, when known. */
export const AUTHOR_EMAIL_REVPROP = 'flotilla:author-email';
const MAX_SYMLINK_HOPS = 8;

/** How often a commit is re-planned after losing a race before giving up with 409. */
const MAX_COMMIT_ATTEMPTS = 5;

/** What {@link SvnBackend} commits: the pinned base and the directories to create. */
interface CommitPlan {
  head: string;
  mkdirs: string[];
}

/** Construction options of {@link SvnBackend}. */
export interface SvnBackendOptions {
  /** Private directory (`<dataDir>/vcs/svn`): svn config dir and temporary files. */
  workDir: string;
  limits?: Partial<VcsLimits>;
  /** Accept `file://` URLs. Off by default: on a shared hub they read the hub's own disk. */
  allowFileUrls?: boolean;
  runner?: ProcessRunner;
  svnBinary?: string;
  svnmuccBinary?: string;
  /** Per-command timeout. Default 120 s. */
  timeoutMs?: number;
}

/**
 * Subversion through the `svn` and `svnmucc` command-line clients. Reads go to the repository
 * URL at a peg revision (no working copy); commits are one `svnmucc` transaction against the
 * base revision, so the server itself refuses (409) a change to a path modified after it.
 */
export class SvnBackend implements VcsBackend {
  readonly type = 'svn' as const;
  private readonly limits: VcsLimits;
  private readonly cli: SvnCli;
  private ready: Promise<void> | null = null;

  constructor(private readonly options: SvnBackendOptions) {
    this.limits = { ...DEFAULT_VCS_LIMITS, ...options.limits };
    this.cli = new SvnCli({
      runner: options.runner ?? new NodeProcessRunner(),
      configDir: join(options.workDir, 'config'),
      svnBinary: options.svnBinary ?? 'svn',
      svnmuccBinary: options.svnmuccBinary ?? 'svnmucc',
      timeoutMs: options.timeoutMs ?? 120_000,
    });
  }

  async resolve(repo: VcsRepository): Promise<Revision> {
    await this.prepare(repo);
    const [info] = parseSvnInfo(
      (
        await this.cli.svn(repo, ['info', '--xml', '--', this.pegUrl(repo, '', 'HEAD')], {
          path: repo.path ?? '',
        })
      ).stdout.toString('utf8'),
    );
    if (!info) throw new NotFoundError('path', repo.path ?? '/');
    if (info.kind !== 'dir') throw new InvalidInputError('repository path: must be a directory');
    return this.revision(repo, info.lastChangedRevision);
  }

  async refresh(repo: VcsRepository): Promise<Revision> {
    return this.resolve(repo); // nothing cached locally: every read goes to the server
  }

  async tree(repo: VcsRepository, revision: string, path: string): Promise<TreeEntry[]> {
    const dir = normalizeRepoPath(path, 'path', true);
    const rev = this.checkRevision(revision);
    await this.prepare(repo);
    const ctx = { path: dir, revision: rev };
    const info = await this.info(repo, dir, rev);
    if (info.kind !== 'dir') throw new InvalidInputError(`${dir}: is not a directory`);
    const list = parseSvnList(
      (await this.cli.svn(repo, ['ls', '--xml', '--', this.pegUrl(repo, dir, rev)], ctx)).stdout.toString(
        'utf8',
      ),
    );
    const specials = await this.specials(repo, dir, rev, 'immediates');
    const out: TreeEntry[] = [];
    for (const e of list) {
      const path = joinRepoPath(dir, e.name);
      if (specials.has(path)) {
        const raw = await this.cat(repo, path, rev);
        out.push({
          name: e.name,
          path,
          type: 'symlink',
          size: null,
          target: raw.toString('utf8').replace(/^link /, ''),
        });
      } else
        out.push({
          name: e.name,
          path,
          type: e.kind === 'dir' ? 'dir' : 'file',
          size: e.kind === 'dir' ? null : e.size,
        });
    }
    return out;
  }

  async read(repo: VcsRepository, revision: string, path: string): Promise<Buffer> {
    const file = normalizeRepoPath(path);
    const rev = this.checkRevision(revision);
    await this.prepare(repo);
    return this.readFollowing(repo, file, rev, 0);
  }

  async snapshot(repo: VcsRepository, revision: string, path: string): Promise<FileSet> {
    const dir = normalizeRepoPath(path, 'path', true);
    const rev = this.checkRevision(revision);
    await this.prepare(repo);
    const info = await this.info(repo, dir, rev);
    if (info.kind !== 'dir') throw new InvalidInputError(`${dir}: is not a directory`);
    // List first (sizes come with it) so an oversized tree is refused before any download.
    const list = parseSvnList(
      (
        await this.cli.svn(repo, ['ls', '-R', '--xml', '--', this.pegUrl(repo, dir, rev)], {
          path: dir,
          revision: rev,
        })
      ).stdout.toString('utf8'),
    );
    const fileEntries = list.filter((e) => e.kind === 'file');
    if (fileEntries.length > this.limits.maxSnapshotFiles)
      throw new TooLargeError(`${dir || '/'}: snapshot over the ${this.limits.maxSnapshotFiles}-file limit`);
    const listed = fileEntries.reduce((n, e) => n + (e.size ?? 0), 0);
    if (listed > this.limits.maxSnapshotBytes)
      throw new TooLargeError(`${dir || '/'}: snapshot over the ${this.limits.maxSnapshotBytes}-byte limit`);
    const big = fileEntries.find((e) => (e.size ?? 0) > this.limits.maxFileBytes);
    if (big)
      throw new TooLargeError(
        `${joinRepoPath(dir, big.name)}: over the ${this.limits.maxFileBytes}-byte file limit`,
      );

    const tmp = await this.tempDir();
    try {
      const out = join(tmp, 'export');
      // --ignore-externals: an svn:externals property must not make us fetch other repositories.
      await this.cli.svn(
        repo,
        [
          'export',
          '--quiet',
          '--ignore-externals',
          '--ignore-keywords',
          '--native-eol',
          'LF',
          '--',
          this.pegUrl(repo, dir, rev),
          out,
        ],
        { path: dir, revision: rev },
      );
      const files = new Map<string, Buffer>();
      const links: { path: string; target: string }[] = [];
      let totalBytes = 0;
      const walkDir = async (abs: string, rel: string): Promise<void> => {
        for (const name of await readdir(abs)) {
          const a = join(abs, name);
          const r = joinRepoPath(rel, name);
          const st = await lstat(a);
          if (st.isSymbolicLink()) links.push({ path: r, target: await readlink(a) });
          else if (st.isDirectory()) await walkDir(a, r);
          else if (st.isFile()) {
            const content = await readFile(a);
            totalBytes += content.length;
            files.set(r, content);
          }
        }
      };
      await walkDir(out, dir);
      // Symlinks (svn:special) become their target's content, only when it stays in the repository.
      for (const link of links) {
        const target = resolveSymlinkTarget(link.path, link.target);
        if (target === null)
          throw new InvalidInputError(`${link.path}: symlink points outside the repository`);
        let content = files.get(target);
        if (!content) {
          try {
            content =
              isUnder(target, dir) &&
              list.some((e) => e.kind === 'dir' && joinRepoPath(dir, e.name) === target)
                ? undefined
                : await this.readFollowing(repo, target, rev, 1);
          } catch (e) {
            if (e instanceof InvalidInputError)
              content = undefined; // a link to a directory: skipped, like Git
            else throw e;
          }
        }
        if (!content) continue;
        totalBytes += content.length;
        files.set(link.path, content);
      }
      if (totalBytes > this.limits.maxSnapshotBytes)
        throw new TooLargeError(
          `${dir || '/'}: snapshot over the ${this.limits.maxSnapshotBytes}-byte limit`,
        );
      return {
        revision: this.revision(repo, Number(rev)),
        files: new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
        totalBytes,
      };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  async history(repo: VcsRepository, query: HistoryQuery): Promise<HistoryPage> {
    const { path, limit, cursor } = normalizeHistoryQuery(query);
    await this.prepare(repo);
    const start = cursor === null ? 'HEAD' : String(decodeCursor(cursor, ['number'] as const)[0]);
    if (!/^(HEAD|\d{1,10})$/.test(start))
      throw new InvalidInputError('cursor: not a cursor returned by this API');
    const prefix = await this.repoPrefix(repo);
    const args = [
      'log',
      '--xml',
      '-v',
      '--with-all-revprops',
      '-l',
      String(limit + 1),
      '-r',
      `${start}:0`,
      '--',
      this.pegUrl(repo, path, start),
    ];
    const entries = parseSvnLog(
      (await this.cli.svn(repo, args, { path, revision: start })).stdout.toString('utf8'),
    );
    const scope = joinRepoPath(prefix, path);
    const items: Commit[] = entries.slice(0, limit).map((e) => ({
      revision: this.revision(repo, e.revision),
      author: {
        name: e.revprops[AUTHOR_REVPROP] || e.author,
        email: e.revprops[AUTHOR_EMAIL_REVPROP] || null,
      },
      message: e.message,
      time: new Date(e.date),
      changedPaths: e.paths
        .map((p) => p.path.replace(/^\//, ''))
        .filter((p) => isUnder(p, scope) && p !== prefix)
        .map((p) => (prefix === '' ? p : p.slice(prefix.length + 1)))
        .sort(),
    }));
    return { items, nextCursor: entries.length > limit ? encodeCursor([entries[limit].revision]) : null };
  }

  async changedPaths(repo: VcsRepository, from: string, to: string): Promise<string[]> {
    const a = this.checkRevision(from, 'from');
    const b = this.checkRevision(to, 'to');
    await this.prepare(repo);
    const base = this.plainUrl(repo);
    const args = [
      'diff',
      '--summarize',
      '--xml',
      '--ignore-properties',
      '--',
      this.pegUrl(repo, '', a),
      this.pegUrl(repo, '', b),
    ];
    const summary = parseSvnDiffSummary(
      (await this.cli.svn(repo, args, { path: '', revision: `${a}:${b}` })).stdout.toString('utf8'),
    );
    const out = new Set<string>();
    for (const s of summary) {
      const url = decodeURIComponent(s.url);
      if (!url.startsWith(`${base}/`)) continue;
      if (s.kind === 'dir' && s.item === 'modified') continue; // property-only change of a directory
      out.add(url.slice(base.length + 1));
    }
    return [...out].sort();
  }

  async commit(
    repo: VcsRepository,
    changes: readonly FileChange[],
    request: CommitRequest,
  ): Promise<Revision> {
    const normalized = normalizeChanges(changes, this.limits);
    const meta = normalizeCommitRequest(request);
    const base =
      meta.baseRevision === null ? null : Number(this.checkRevision(meta.baseRevision, 'baseRevision'));
    await this.prepare(repo);
    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
      const head = await this.planAndCheck(repo, normalized, base);
      try {
        return await this.svnmuccCommit(repo, normalized, meta, head);
      } catch (e) {
        // svnmucc refused because something changed after `head` (a race with another writer,
        // possibly on an unrelated path that created the same directory): check again against
        // the caller's base on the new head; a real conflict becomes a 409 there.
        if (e instanceof ConflictError) continue;
        throw e;
      }
    }
    throw new ConflictError('the repository kept changing while committing; retry', {
      attempts: MAX_COMMIT_ATTEMPTS,
    });
  }

  /**
   * Pins the youngest revision, refuses (409) when a changed path was modified after `base`,
   * validates targets against that revision, and returns the plan for svnmucc.
   */
  private async planAndCheck(
    repo: VcsRepository,
    changes: NormalizedChange[],
    base: number | null,
  ): Promise<CommitPlan> {
    const [rootInfo] = parseSvnInfo(
      (
        await this.cli.svn(repo, ['info', '--xml', '--', this.pegUrl(repo, '', 'HEAD')], {
          path: repo.path ?? '',
        })
      ).stdout.toString('utf8'),
    );
    if (!rootInfo) throw new NotFoundError('path', repo.path ?? '/');
    const head = String(rootInfo.revision);
    if (base !== null && base > rootInfo.revision) throw new NotFoundError('revision', String(base));
    const dirs = new Set<string>();
    for (const c of changes) for (let d = repoDirname(c.path); d !== ''; d = repoDirname(d)) dirs.add(d);
    const targets = changes.map((c) => c.path);
    const atHead = await this.infoMany(repo, [...dirs, ...targets], head);
    for (const d of dirs)
      if (atHead.get(d)?.kind === 'file') throw new InvalidInputError(`${d}: is a file, not a directory`);
    const missing = targets.filter((t) => !atHead.has(t));
    // A path missing now but present at the base was deleted since: that is a conflict too.
    const atBase =
      base !== null && base < rootInfo.revision && missing.length > 0
        ? await this.infoMany(repo, missing, String(base))
        : new Map<string, SvnInfoEntry>();
    const conflicting: string[] = [];
    for (const c of changes) {
      const now = atHead.get(c.path);
      if (now?.kind === 'dir') throw new InvalidInputError(`${c.path}: is a directory`);
      if (base !== null && ((now && now.lastChangedRevision > base) || (!now && atBase.has(c.path))))
        conflicting.push(c.path);
      else if (!now && c.content === null) throw new NotFoundError('file', c.path);
    }
    if (conflicting.length > 0)
      throw new ConflictError(`changed since base revision r${base}: ${conflicting.join(', ')}`, {
        baseRevision: String(base),
        headRevision: head,
        paths: conflicting,
      });
    return {
      head,
      mkdirs: [...dirs]
        .filter((d) => !atHead.has(d))
        .sort((x, y) => x.split('/').length - y.split('/').length),
    };
  }

  /** One transaction: mkdir missing parents, put and rm, based on the pinned revision. */
  private async svnmuccCommit(
    repo: VcsRepository,
    changes: NormalizedChange[],
    meta: NormalizedCommitRequest,
    plan: CommitPlan,
  ): Promise<Revision> {
    const tmp = await this.tempDir();
    try {
      const actions: string[] = [];
      for (const d of plan.mkdirs) actions.push('mkdir', this.url(repo, d));
      let n = 0;
      for (const c of changes) {
        if (c.content === null) actions.push('rm', this.url(repo, c.path));
        else {
          const file = join(tmp, `content-${n++}`);
          await writeFile(file, c.content);
          actions.push('put', file, this.url(repo, c.path));
        }
      }
      // Message and actions go through files: free text never becomes an argument, and a large
      // change set never hits the argv length limit.
      const messageFile = join(tmp, 'message');
      const actionsFile = join(tmp, 'actions');
      await writeFile(messageFile, meta.message);
      await writeFile(actionsFile, `${actions.join('\n')}\n`);
      const args = ['-F', messageFile, '--with-revprop', `${AUTHOR_REVPROP}=${meta.author.name}`];
      if (meta.author.email) args.push('--with-revprop', `${AUTHOR_EMAIL_REVPROP}=${meta.author.email}`);
      // -r: svnmucc (the server, in fact) refuses any changed path modified after this revision.
      args.push('-r', plan.head, '-X', actionsFile);
      const result = await this.cli.svnmucc(
        repo,
        args,
        { path: changes.map((c) => c.path).join(', '), revision: plan.head, writing: true },
        meta.author.name,
      );
      const match = /^r(\d+) committed/m.exec(result.stdout.toString('utf8'));
      if (!match) throw new UnavailableError('svnmucc did not report the new revision');
      return this.revision(repo, Number(match[1]));
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** `svn info` of many paths at once; paths that do not exist are simply absent from the map. */
  private async infoMany(
    repo: VcsRepository,
    paths: string[],
    rev: string,
  ): Promise<Map<string, SvnInfoEntry>> {
    const out = new Map<string, SvnInfoEntry>();
    if (paths.length === 0) return out;
    const result = await this.cli.svnLenient(
      repo,
      ['info', '--xml', '--', ...paths.map((p) => this.pegUrl(repo, p, rev))],
      { path: paths[0], revision: rev },
    );
    if (result.code !== 0 && !/E200009/.test(result.stderr))
      throw mapSvnError(result.stderr, repo, { revision: rev });
    const root = this.plainUrl(repo);
    for (const e of parseSvnInfo(result.stdout.toString('utf8'))) {
      const url = decodeURIComponent(e.url);
      if (url.startsWith(`${root}/`)) out.set(url.slice(root.length + 1), e);
    }
    return out;
  }

  /** Reads a file, following an svn:special symlink when its target stays in the repository. */
  private async readFollowing(repo: VcsRepository, file: string, rev: string, hops: number): Promise<Buffer> {
    const content = await this.cat(repo, file, rev);
    // svn stores a symlink as a file `link <target>` with svn:special set: only then check the property.
    if (content.length < 4096 && content.subarray(0, 5).toString('latin1') === 'link ') {
      const specials = await this.specials(repo, file, rev, 'empty');
      if (specials.has(file)) {
        const target = resolveSymlinkTarget(file, content.subarray(5).toString('utf8'));
        if (target === null) throw new InvalidInputError(`${file}: symlink points outside the repository`);
        if (hops >= MAX_SYMLINK_HOPS) throw new InvalidInputError(`${file}: too many levels of symlinks`);
        if (target === '') throw new InvalidInputError(`${file}: is not a file`);
        return this.readFollowing(repo, target, rev, hops + 1);
      }
    }
    return content;
  }

  private async cat(repo: VcsRepository, file: string, rev: string): Promise<Buffer> {
    const result = await this.cli.svn(
      repo,
      ['cat', '--ignore-keywords', '--', this.pegUrl(repo, file, rev)],
      { path: file, revision: rev },
      this.limits.maxFileBytes,
    );
    return result.stdout;
  }

  /** Repository paths under `path` (to `depth`) that carry svn:special. */
  private async specials(
    repo: VcsRepository,
    path: string,
    rev: string,
    depth: 'empty' | 'immediates' | 'infinity',
  ): Promise<Set<string>> {
    const result = await this.cli.svn(
      repo,
      ['propget', 'svn:special', '--xml', '--depth', depth, '--', this.pegUrl(repo, path, rev)],
      { path, revision: rev },
    );
    const root = this.plainUrl(repo);
    return new Set(
      parseSvnPropgetTargets(result.stdout.toString('utf8'))
        .map((u) => decodeURIComponent(u))
        .filter((u) => u.startsWith(`${root}/`))
        .map((u) => u.slice(root.length + 1)),
    );
  }

  private async info(repo: VcsRepository, path: string, rev: string) {
    const [info] = parseSvnInfo(
      (
        await this.cli.svn(repo, ['info', '--xml', '--', this.pegUrl(repo, path, rev)], {
          path,
          revision: rev,
        })
      ).stdout.toString('utf8'),
    );
    if (!info) throw new NotFoundError('path', path || '/');
    return info;
  }

  /** Path of `repo.path` inside the repository (`trunk`, `''` for the root), from `svn info`. */
  private async repoPrefix(repo: VcsRepository): Promise<string> {
    const [info] = parseSvnInfo(
      (
        await this.cli.svn(repo, ['info', '--xml', '--', this.pegUrl(repo, '', 'HEAD')], {
          path: repo.path ?? '',
        })
      ).stdout.toString('utf8'),
    );
    if (!info) throw new NotFoundError('path', repo.path ?? '/');
    return decodeURIComponent(info.url.slice(info.root.length)).replace(/^\/+|\/+$/g, '');
  }

  /** URL of a repository path, each segment percent-encoded (so `@`, spaces, `#` are data). */
  private url(repo: VcsRepository, path: string): string {
    const base = repo.url.replace(/\/+$/, '');
    const root = repo.path ? normalizeRepoPath(repo.path, 'repository path') : '';
    const segments = [...(root ? root.split('/') : []), ...(path ? path.split('/') : [])];
    return [base, ...segments.map((s) => encodeURIComponent(s))].join('/');
  }

  /** URL of the repository root path, decoded: the prefix svn's output URLs are compared with. */
  private plainUrl(repo: VcsRepository): string {
    return decodeURIComponent(this.url(repo, ''));
  }

  /** URL with an explicit peg revision: a path can never be mistaken for `name@rev`. */
  private pegUrl(repo: VcsRepository, path: string, rev: string): string {
    return `${this.url(repo, path)}@${rev}`;
  }

  private revision(repo: VcsRepository, rev: number): Revision {
    const root = repo.path ? normalizeRepoPath(repo.path, 'repository path') : '';
    return { id: String(rev), display: root ? `${root}@r${rev}` : `r${rev}` };
  }

  private checkRevision(revision: string, field = 'revision'): string {
    if (typeof revision !== 'string' || !/^\d{1,10}$/.test(revision))
      throw new InvalidInputError(`${field}: not an SVN revision number`);
    return String(Number(revision));
  }

  /** Validates the repository and creates the private config dir once. */
  private async prepare(repo: VcsRepository): Promise<void> {
    if (repo.type !== 'svn') throw new InvalidInputError('repository is not an SVN repository');
    let parsed: URL;
    try {
      parsed = new URL(repo.url);
    } catch {
      throw new InvalidInputError('url: not a valid URL');
    }
    const allowed = ['svn:', 'http:', 'https:', ...(this.options.allowFileUrls ? ['file:'] : [])];
    if (!allowed.includes(parsed.protocol))
      throw new InvalidInputError(
        `url: SVN repositories must use ${allowed.map((p) => `${p}//`).join(', ')}`,
      );
    if (parsed.username || parsed.password)
      throw new InvalidInputError('url: put credentials in the credentials field, not in the URL');
    if (parsed.search || parsed.hash)
      throw new InvalidInputError('url: must not contain a query or fragment');
    if (repo.path !== null) normalizeRepoPath(repo.path, 'repository path');
    this.ready ??= mkdir(join(this.options.workDir, 'config'), { recursive: true, mode: 0o700 })
      .then(() => mkdir(join(this.options.workDir, 'tmp'), { recursive: true, mode: 0o700 }))
      .then(() => undefined);
    await this.ready;
  }

  private tempDir(): Promise<string> {
    return mkdtemp(join(this.options.workDir, 'tmp', 'op-'));
  }
}
