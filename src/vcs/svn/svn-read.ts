import { InvalidInputError, NotFoundError } from '../../domain/errors.js';
import { type VcsLimits, type VcsRepository } from '../vcs-backend.js';
import { resolveSymlinkTarget } from '../vcs-path.js';
import { type SvnCli } from './svn-cli.js';
import { svnPegUrl, svnPlainUrl } from './svn-urls.js';
import { parseSvnInfo, parseSvnPropgetTargets, type SvnInfoEntry } from './svn-xml.parser.js';

const MAX_SYMLINK_HOPS = 8;

/**
 * What the read, snapshot and commit functions need from the SVN backend: passed in rather
 * than reached through the class, so each verb lives in its own file.
 */
export interface SvnTools {
  cli: SvnCli;
  limits: VcsLimits;
  /** A fresh private temporary directory; the caller removes it. */
  tempDir(): Promise<string>;
}

/** `svn info` of one path at `rev`; a missing path is a 404. */
export async function svnInfo(
  tools: SvnTools,
  repo: VcsRepository,
  path: string,
  rev: string,
): Promise<SvnInfoEntry> {
  const [info] = parseSvnInfo(
    (
      await tools.cli.svn(repo, ['info', '--xml', '--', svnPegUrl(repo, path, rev)], {
        path,
        revision: rev,
      })
    ).stdout.toString('utf8'),
  );
  if (!info) throw new NotFoundError('path', path || '/');
  return info;
}

/** Raw content of a file at `rev`, capped at the file-size limit while it streams in. */
export async function svnCat(
  tools: SvnTools,
  repo: VcsRepository,
  file: string,
  rev: string,
): Promise<Buffer> {
  const result = await tools.cli.svn(
    repo,
    ['cat', '--ignore-keywords', '--', svnPegUrl(repo, file, rev)],
    { path: file, revision: rev },
    tools.limits.maxFileBytes,
  );
  return result.stdout;
}

/** Repository paths under `path` (to `depth`) that carry svn:special. */
export async function svnSpecials(
  tools: SvnTools,
  repo: VcsRepository,
  path: string,
  rev: string,
  depth: 'empty' | 'immediates' | 'infinity',
): Promise<Set<string>> {
  const result = await tools.cli.svn(
    repo,
    ['propget', 'svn:special', '--xml', '--depth', depth, '--', svnPegUrl(repo, path, rev)],
    { path, revision: rev },
  );
  const root = svnPlainUrl(repo);
  return new Set(
    parseSvnPropgetTargets(result.stdout.toString('utf8'))
      .map((u) => decodeURIComponent(u))
      .filter((u) => u.startsWith(`${root}/`))
      .map((u) => u.slice(root.length + 1)),
  );
}

/** Reads a file, following an svn:special symlink when its target stays in the repository. */
export async function readFollowing(
  tools: SvnTools,
  repo: VcsRepository,
  file: string,
  rev: string,
  hops: number,
): Promise<Buffer> {
  const content = await svnCat(tools, repo, file, rev);
  // svn stores a symlink as a file `link <target>` with svn:special set: only then check the property.
  if (content.length < 4096 && content.subarray(0, 5).toString('latin1') === 'link ') {
    const specials = await svnSpecials(tools, repo, file, rev, 'empty');
    if (specials.has(file)) {
      const target = resolveSymlinkTarget(file, content.subarray(5).toString('utf8'));
      if (target === null) throw new InvalidInputError(`${file}: symlink points outside the repository`);
      if (hops >= MAX_SYMLINK_HOPS) throw new InvalidInputError(`${file}: too many levels of symlinks`);
      if (target === '') throw new InvalidInputError(`${file}: is not a file`);
      return readFollowing(tools, repo, target, rev, hops + 1);
    }
  }
  return content;
}
