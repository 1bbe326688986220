import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  DependencyFailedError,
} from '../../domain/errors.js';
import { type Revision, type VcsRepository } from '../vcs-backend.js';
import { type NormalizedChange, type NormalizedCommitRequest } from '../vcs-input.js';
import { repoDirname } from '../vcs-path.js';
import { mapSvnError } from './svn-cli.js';
import { type SvnTools } from './svn-read.js';
import { svnPegUrl, svnPlainUrl, svnRevision, svnUrl } from './svn-urls.js';
import { parseSvnInfo, type SvnInfoEntry } from './svn-xml.parser.js';

/** Revision property carrying the API caller, since svn:author is whoever authenticated. */
export const AUTHOR_REVPROP = 'flotilla:author';
/** Revision property carrying the API caller's e-mail, when known. */
export const AUTHOR_EMAIL_REVPROP = 'flotilla:author-email';

/** How often a commit is re-planned after losing a race before giving up with 409. */
const MAX_COMMIT_ATTEMPTS = 5;

/** What {@link svnmuccCommit} commits: the pinned base and the directories to create. */
interface CommitPlan {
  head: string;
  mkdirs: string[];
}

/**
 * Commits already-normalized changes as one svnmucc transaction, re-planning when another
 * writer got in first. `base` is the caller's base revision (null: no conflict check); the
 * repository must already be prepared.
 */
export async function commitChanges(
  tools: SvnTools,
  repo: VcsRepository,
  changes: NormalizedChange[],
  meta: NormalizedCommitRequest,
  base: number | null,
): Promise<Revision> {
  for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
    const head = await planAndCheck(tools, repo, changes, base);
    try {
      return await svnmuccCommit(tools, repo, changes, meta, head);
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
async function planAndCheck(
  tools: SvnTools,
  repo: VcsRepository,
  changes: NormalizedChange[],
  base: number | null,
): Promise<CommitPlan> {
  const [rootInfo] = parseSvnInfo(
    (
      await tools.cli.svn(repo, ['info', '--xml', '--', svnPegUrl(repo, '', 'HEAD')], {
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
  const atHead = await infoMany(tools, repo, [...dirs, ...targets], head);
  for (const d of dirs)
    if (atHead.get(d)?.kind === 'file') throw new InvalidInputError(`${d}: is a file, not a directory`);
  const missing = targets.filter((t) => !atHead.has(t));
  // A path missing now but present at the base was deleted since: that is a conflict too.
  const atBase =
    base !== null && base < rootInfo.revision && missing.length > 0
      ? await infoMany(tools, repo, missing, String(base))
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
    mkdirs: [...dirs].filter((d) => !atHead.has(d)).sort((x, y) => x.split('/').length - y.split('/').length),
  };
}

/** One transaction: mkdir missing parents, put and rm, based on the pinned revision. */
async function svnmuccCommit(
  tools: SvnTools,
  repo: VcsRepository,
  changes: NormalizedChange[],
  meta: NormalizedCommitRequest,
  plan: CommitPlan,
): Promise<Revision> {
  const tmp = await tools.tempDir();
  try {
    const actions: string[] = [];
    for (const d of plan.mkdirs) actions.push('mkdir', svnUrl(repo, d));
    let n = 0;
    for (const c of changes) {
      if (c.content === null) actions.push('rm', svnUrl(repo, c.path));
      else {
        const file = join(tmp, `content-${n++}`);
        await writeFile(file, c.content);
        actions.push('put', file, svnUrl(repo, c.path));
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
    const result = await tools.cli.svnmucc(
      repo,
      args,
      { path: changes.map((c) => c.path).join(', '), revision: plan.head, writing: true },
      meta.author.name,
    );
    const match = /^r(\d+) committed/m.exec(result.stdout.toString('utf8'));
    if (!match) throw new DependencyFailedError('svnmucc did not report the new revision');
    return svnRevision(repo, Number(match[1]));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** `svn info` of many paths at once; paths that do not exist are simply absent from the map. */
async function infoMany(
  tools: SvnTools,
  repo: VcsRepository,
  paths: string[],
  rev: string,
): Promise<Map<string, SvnInfoEntry>> {
  const out = new Map<string, SvnInfoEntry>();
  if (paths.length === 0) return out;
  const result = await tools.cli.svnLenient(
    repo,
    ['info', '--xml', '--', ...paths.map((p) => svnPegUrl(repo, p, rev))],
    { path: paths[0], revision: rev },
  );
  // E200009 is "some targets do not exist": expected here, the rest of the output is still valid.
  if (result.code !== 0 && !/E200009/.test(result.stderr))
    throw mapSvnError(result.stderr, repo, { revision: rev });
  const root = svnPlainUrl(repo);
  for (const e of parseSvnInfo(result.stdout.toString('utf8'))) {
    const url = decodeURIComponent(e.url);
    if (url.startsWith(`${root}/`)) out.set(url.slice(root.length + 1), e);
  }
  return out;
}
