import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeCursor, encodeCursor } from '../../domain/cursor.js';
import { InvalidInputError, NotFoundError } from '../../domain/errors.js';
import { type EgressGuard } from '../egress-guard.js';
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
import { normalizeChanges, normalizeCommitRequest, normalizeHistoryQuery } from '../vcs-input.js';
import { isUnder, joinRepoPath, normalizeRepoPath } from '../vcs-path.js';
import { SvnCli } from './svn-cli.js';
import { AUTHOR_EMAIL_REVPROP, AUTHOR_REVPROP, commitChanges } from './svn-commit.js';
import { readFollowing, svnCat, svnInfo, svnSpecials, type SvnTools } from './svn-read.js';
import { snapshotDir } from './svn-snapshot.js';
import { svnPegUrl, svnPlainUrl, svnRevision } from './svn-urls.js';
import { parseSvnDiffSummary, parseSvnInfo, parseSvnList, parseSvnLog } from './svn-xml.parser.js';

// Re-exported: these names were defined here before the commit path moved to svn-commit.ts.
export { AUTHOR_EMAIL_REVPROP, AUTHOR_REVPROP };

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
  /** Egress policy for every call to a repository (the hub always sets one). */
  egress?: EgressGuard;
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
  /** What the per-verb modules (read, snapshot, commit) get instead of the whole backend. */
  private readonly tools: SvnTools;
  private ready: Promise<void> | null = null;

  constructor(private readonly options: SvnBackendOptions) {
    this.limits = { ...DEFAULT_VCS_LIMITS, ...options.limits };
    this.cli = new SvnCli({
      runner: options.runner ?? new NodeProcessRunner(),
      configDir: join(options.workDir, 'config'),
      svnBinary: options.svnBinary ?? 'svn',
      svnmuccBinary: options.svnmuccBinary ?? 'svnmucc',
      timeoutMs: options.timeoutMs ?? 120_000,
      egress: options.egress,
    });
    this.tools = { cli: this.cli, limits: this.limits, tempDir: () => this.tempDir() };
  }

  async resolve(repo: VcsRepository): Promise<Revision> {
    await this.prepare(repo);
    const [info] = parseSvnInfo(
      (
        await this.cli.svn(repo, ['info', '--xml', '--', svnPegUrl(repo, '', 'HEAD')], {
          path: repo.path ?? '',
        })
      ).stdout.toString('utf8'),
    );
    if (!info) throw new NotFoundError('path', repo.path ?? '/');
    if (info.kind !== 'dir') throw new InvalidInputError('repository path: must be a directory');
    return svnRevision(repo, info.lastChangedRevision);
  }

  async refresh(repo: VcsRepository): Promise<Revision> {
    return this.resolve(repo); // nothing cached locally: every read goes to the server
  }

  async tree(repo: VcsRepository, revision: string, path: string): Promise<TreeEntry[]> {
    const dir = normalizeRepoPath(path, 'path', true);
    const rev = this.checkRevision(revision);
    await this.prepare(repo);
    const ctx = { path: dir, revision: rev };
    const info = await svnInfo(this.tools, repo, dir, rev);
    if (info.kind !== 'dir') throw new InvalidInputError(`${dir}: is not a directory`);
    const list = parseSvnList(
      (await this.cli.svn(repo, ['ls', '--xml', '--', svnPegUrl(repo, dir, rev)], ctx)).stdout.toString(
        'utf8',
      ),
    );
    const specials = await svnSpecials(this.tools, repo, dir, rev, 'immediates');
    const out: TreeEntry[] = [];
    for (const e of list) {
      const path = joinRepoPath(dir, e.name);
      if (specials.has(path)) {
        const raw = await svnCat(this.tools, repo, path, rev);
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
    return readFollowing(this.tools, repo, file, rev, 0);
  }

  async snapshot(repo: VcsRepository, revision: string, path: string): Promise<FileSet> {
    const dir = normalizeRepoPath(path, 'path', true);
    const rev = this.checkRevision(revision);
    await this.prepare(repo);
    return snapshotDir(this.tools, repo, dir, rev);
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
      svnPegUrl(repo, path, start),
    ];
    const entries = parseSvnLog(
      (await this.cli.svn(repo, args, { path, revision: start })).stdout.toString('utf8'),
    );
    const scope = joinRepoPath(prefix, path);
    const items: Commit[] = entries.slice(0, limit).map((e) => ({
      revision: svnRevision(repo, e.revision),
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
    const base = svnPlainUrl(repo);
    const args = [
      'diff',
      '--summarize',
      '--xml',
      '--ignore-properties',
      '--',
      svnPegUrl(repo, '', a),
      svnPegUrl(repo, '', b),
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

  isAncestor(_repo: VcsRepository, ancestor: string, descendant: string): Promise<boolean> {
    // SVN history is linear and numbered: every lower revision is an ancestor of a higher one.
    // (An invalid number throws inside the executor, which rejects.)
    return new Promise((resolve) =>
      resolve(
        Number(this.checkRevision(ancestor, 'ancestor')) <=
          Number(this.checkRevision(descendant, 'descendant')),
      ),
    );
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
    return commitChanges(this.tools, repo, normalized, meta, base);
  }

  /** Path of `repo.path` inside the repository (`trunk`, `''` for the root), from `svn info`. */
  private async repoPrefix(repo: VcsRepository): Promise<string> {
    const [info] = parseSvnInfo(
      (
        await this.cli.svn(repo, ['info', '--xml', '--', svnPegUrl(repo, '', 'HEAD')], {
          path: repo.path ?? '',
        })
      ).stdout.toString('utf8'),
    );
    if (!info) throw new NotFoundError('path', repo.path ?? '/');
    return decodeURIComponent(info.url.slice(info.root.length)).replace(/^\/+|\/+$/g, '');
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
