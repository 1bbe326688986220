import { lstat, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, TooLargeError } from '../../domain/errors.js';
import { type FileSet, type VcsRepository } from '../vcs-backend.js';
import { isUnder, joinRepoPath, resolveSymlinkTarget } from '../vcs-path.js';
import { readFollowing, svnInfo, type SvnTools } from './svn-read.js';
import { svnPegUrl, svnRevision } from './svn-urls.js';
import { parseSvnList } from './svn-xml.parser.js';

/**
 * Every file under directory `dir` at `rev`, symlinks replaced by their target's content.
 * `dir` and `rev` must already be validated and the repository prepared.
 */
export async function snapshotDir(
  tools: SvnTools,
  repo: VcsRepository,
  dir: string,
  rev: string,
): Promise<FileSet> {
  const { cli, limits } = tools;
  const info = await svnInfo(tools, repo, dir, rev);
  if (info.kind !== 'dir') throw new InvalidInputError(`${dir}: is not a directory`);
  // List first (sizes come with it) so an oversized tree is refused before any download.
  const list = parseSvnList(
    (
      await cli.svn(repo, ['ls', '-R', '--xml', '--', svnPegUrl(repo, dir, rev)], {
        path: dir,
        revision: rev,
      })
    ).stdout.toString('utf8'),
  );
  const fileEntries = list.filter((e) => e.kind === 'file');
  if (fileEntries.length > limits.maxSnapshotFiles)
    throw new TooLargeError(`${dir || '/'}: snapshot over the ${limits.maxSnapshotFiles}-file limit`);
  const listed = fileEntries.reduce((n, e) => n + (e.size ?? 0), 0);
  if (listed > limits.maxSnapshotBytes)
    throw new TooLargeError(`${dir || '/'}: snapshot over the ${limits.maxSnapshotBytes}-byte limit`);
  const big = fileEntries.find((e) => (e.size ?? 0) > limits.maxFileBytes);
  if (big)
    throw new TooLargeError(
      `${joinRepoPath(dir, big.name)}: over the ${limits.maxFileBytes}-byte file limit`,
    );

  const tmp = await tools.tempDir();
  try {
    const out = join(tmp, 'export');
    // --ignore-externals: an svn:externals property must not make us fetch other repositories.
    await cli.svn(
      repo,
      [
        'export',
        '--quiet',
        '--ignore-externals',
        '--ignore-keywords',
        '--native-eol',
        'LF',
        '--',
        svnPegUrl(repo, dir, rev),
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
      if (target === null) throw new InvalidInputError(`${link.path}: symlink points outside the repository`);
      let content = files.get(target);
      if (!content) {
        try {
          content =
            isUnder(target, dir) && list.some((e) => e.kind === 'dir' && joinRepoPath(dir, e.name) === target)
              ? undefined
              : await readFollowing(tools, repo, target, rev, 1);
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
    if (totalBytes > limits.maxSnapshotBytes)
      throw new TooLargeError(`${dir || '/'}: snapshot over the ${limits.maxSnapshotBytes}-byte limit`);
    return {
      revision: svnRevision(repo, Number(rev)),
      files: new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
      totalBytes,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
