import * as nodeFs from 'node:fs';
import git, { type CommitObject, type TreeEntry as GitTreeEntry } from 'isomorphic-git';
import { InvalidInputError, NotFoundError, TooLargeError } from '../../domain/errors.js';
import { joinRepoPath, resolveSymlinkTarget } from '../vcs-path.js';
import { type VcsLimits } from '../vcs-backend.js';
import { type NormalizedChange } from '../vcs-input.js';

/**
 * Reads and writes objects of a local bare repository directly (no working copy, no index):
 * trees are walked entry by entry and unchanged subtrees are skipped by object id, which is
 * what keeps diffs and commits on a 5,000-file tree cheap.
 */
export interface GitStore {
  gitdir: string;
  /** isomorphic-git's object cache (pack indexes); one per repository, dropped after fetches. */
  cache: object;
}

const fs = nodeFs;
const SYMLINK_MODE = '120000';
const MAX_SYMLINK_HOPS = 8;

/** What a path names in a tree. */
export interface Located {
  /** Path after following symlinks. */
  path: string;
  kind: 'tree' | 'blob' | 'symlink' | 'commit';
  oid: string;
  mode: string;
}

/** Entries of a tree object. */
export async function readTreeEntries(store: GitStore, oid: string): Promise<GitTreeEntry[]> {
  const { tree } = await git.readTree({ fs, gitdir: store.gitdir, oid, cache: store.cache });
  return tree;
}

/** Raw bytes of a blob. */
export async function readBlobBytes(store: GitStore, oid: string): Promise<Buffer> {
  const { blob } = await git.readBlob({ fs, gitdir: store.gitdir, oid, cache: store.cache });
  return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
}

/** The parsed commit object, or NotFoundError when the store does not have it. */
export async function readCommitObject(store: GitStore, oid: string): Promise<CommitObject> {
  try {
    const { commit } = await git.readCommit({ fs, gitdir: store.gitdir, oid, cache: store.cache });
    return commit;
  } catch (e) {
    if (
      (e as { code?: string }).code === 'NotFoundError' ||
      (e as { code?: string }).code === 'ObjectTypeError'
    )
      throw new NotFoundError('revision', oid);
    throw e;
  }
}

/**
 * Finds what `path` names under the tree `root`, following symlinks that stay inside the
 * repository (including symlinked directories in the middle of the path). A symlink leaving
 * the repository is an InvalidInputError: repository content is untrusted.
 */
export async function locate(
  store: GitStore,
  root: string,
  path: string,
  followFinal: boolean,
  hops = 0,
): Promise<Located> {
  if (path === '') return { path: '', kind: 'tree', oid: root, mode: '040000' };
  const segments = path.split('/');
  let tree = root;
  for (let i = 0; i < segments.length; i++) {
    const here = segments.slice(0, i + 1).join('/');
    const entry = (await readTreeEntries(store, tree)).find((e) => e.path === segments[i]);
    if (!entry) throw new NotFoundError('path', path);
    const last = i === segments.length - 1;
    if (entry.mode === SYMLINK_MODE) {
      if (last && !followFinal) return { path: here, kind: 'symlink', oid: entry.oid, mode: entry.mode };
      const target = (await readBlobBytes(store, entry.oid)).toString('utf8');
      const resolved = resolveSymlinkTarget(here, target);
      if (resolved === null) throw new InvalidInputError(`${here}: symlink points outside the repository`);
      if (hops >= MAX_SYMLINK_HOPS) throw new InvalidInputError(`${path}: too many levels of symlinks`);
      const next = [resolved, ...segments.slice(i + 1)].filter((s) => s !== '').join('/');
      return locate(store, root, next, followFinal, hops + 1);
    }
    if (last)
      return {
        path: here,
        kind: entry.type === 'tree' ? 'tree' : entry.type === 'commit' ? 'commit' : 'blob',
        oid: entry.oid,
        mode: entry.mode,
      };
    if (entry.type !== 'tree') throw new NotFoundError('path', path);
    tree = entry.oid;
  }
  throw new NotFoundError('path', path); // unreachable: the loop returns on its last segment
}

/** `mode:oid` of the entry at `path` without following anything, or null when absent. */
export async function entryIdAt(store: GitStore, root: string | null, path: string): Promise<string | null> {
  if (root === null) return null;
  let tree = root;
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const entry = (await readTreeEntries(store, tree)).find((e) => e.path === segments[i]);
    if (!entry) return null;
    if (i === segments.length - 1) return `${entry.mode}:${entry.oid}`;
    if (entry.type !== 'tree') return null;
    tree = entry.oid;
  }
  return null;
}

/**
 * Appends to `out` every file path that differs between trees `a` and `b` (either may be null
 * for "nothing"), recursing only into subtrees whose ids differ.
 */
export async function diffTrees(
  store: GitStore,
  a: string | null,
  b: string | null,
  prefix: string,
  out: string[],
): Promise<void> {
  if (a === b) return;
  const left = new Map((a ? await readTreeEntries(store, a) : []).map((e) => [e.path, e]));
  const right = new Map((b ? await readTreeEntries(store, b) : []).map((e) => [e.path, e]));
  for (const name of new Set([...left.keys(), ...right.keys()])) {
    const x = left.get(name);
    const y = right.get(name);
    if (x && y && x.oid === y.oid && x.mode === y.mode) continue;
    const path = joinRepoPath(prefix, name);
    const xTree = x?.type === 'tree';
    const yTree = y?.type === 'tree';
    if (xTree || yTree) {
      await diffTrees(store, xTree ? x.oid : null, yTree ? y.oid : null, path, out);
      if ((x && !xTree) || (y && !yTree)) out.push(path);
    } else out.push(path);
  }
}

/** Files changed under `path` between two root trees. */
export async function changedUnder(
  store: GitStore,
  fromRoot: string | null,
  toRoot: string,
  path: string,
): Promise<string[]> {
  const out: string[] = [];
  if (path === '') {
    await diffTrees(store, fromRoot, toRoot, '', out);
  } else {
    const [x, y] = await Promise.all([entryIdAt(store, fromRoot, path), entryIdAt(store, toRoot, path)]);
    if (x === y) return [];
    const treeOf = (id: string | null) => (id?.startsWith('040000:') ? id.slice(7) : null);
    await diffTrees(store, treeOf(x), treeOf(y), path, out);
    if ((x && !treeOf(x)) || (y && !treeOf(y))) out.push(path);
  }
  return out.sort();
}

/**
 * Every file under the directory `dirPath`, symlinks replaced by their target's content when
 * the target is a file inside the repository (links to directories are skipped so cycles are
 * impossible; links leaving the repository fail the snapshot). Limits are checked as it goes,
 * so an oversized tree is refused before it is all in memory.
 */
export async function snapshotTree(
  store: GitStore,
  root: string,
  dirPath: string,
  limits: VcsLimits,
): Promise<{ files: Map<string, Buffer>; totalBytes: number }> {
  const start = await locate(store, root, dirPath, true);
  if (start.kind !== 'tree') throw new InvalidInputError(`${dirPath}: is not a directory`);
  const files = new Map<string, Buffer>();
  let totalBytes = 0;
  const add = (path: string, content: Buffer) => {
    if (content.length > limits.maxFileBytes)
      throw new TooLargeError(`${path}: over the ${limits.maxFileBytes}-byte file limit`);
    totalBytes += content.length;
    if (totalBytes > limits.maxSnapshotBytes)
      throw new TooLargeError(`${dirPath || '/'}: snapshot over the ${limits.maxSnapshotBytes}-byte limit`);
    if (files.size >= limits.maxSnapshotFiles)
      throw new TooLargeError(`${dirPath || '/'}: snapshot over the ${limits.maxSnapshotFiles}-file limit`);
    files.set(path, content);
  };
  const walkTree = async (oid: string, prefix: string): Promise<void> => {
    for (const entry of await readTreeEntries(store, oid)) {
      const path = joinRepoPath(prefix, entry.path);
      if (entry.type === 'tree') await walkTree(entry.oid, path);
      else if (entry.type === 'commit')
        continue; // submodule: content lives in another repository
      else if (entry.mode === SYMLINK_MODE) {
        const target = await locate(store, root, path, true);
        if (target.kind === 'blob') add(path, await readBlobBytes(store, target.oid));
      } else add(path, await readBlobBytes(store, entry.oid));
    }
  };
  await walkTree(start.oid, start.path === dirPath ? dirPath : start.path);
  return { files, totalBytes };
}

/** A change with its path split, consumed one directory level at a time. */
interface PendingChange {
  rest: string[];
  change: NormalizedChange;
}

/**
 * Writes the tree that results from applying `changes` to tree `oid` (null = empty) and
 * returns its id, or null when nothing is left in it. Only the trees on the changed paths
 * are rewritten; every other subtree is reused by id.
 */
export async function applyChanges(
  store: GitStore,
  oid: string | null,
  changes: readonly NormalizedChange[],
): Promise<string> {
  const result = await applyLevel(
    store,
    oid,
    '',
    changes.map((change) => ({ rest: change.path.split('/'), change })),
  );
  return result ?? (await git.writeTree({ fs, gitdir: store.gitdir, tree: [] }));
}

async function applyLevel(
  store: GitStore,
  oid: string | null,
  prefix: string,
  pending: PendingChange[],
): Promise<string | null> {
  const entries = new Map((oid ? await readTreeEntries(store, oid) : []).map((e) => [e.path, e]));
  const byName = new Map<string, PendingChange[]>();
  for (const p of pending) byName.set(p.rest[0], [...(byName.get(p.rest[0]) ?? []), p]);
  for (const [name, group] of byName) {
    const existing = entries.get(name);
    const path = joinRepoPath(prefix, name);
    const direct = group.find((p) => p.rest.length === 1);
    if (direct) {
      if (direct.change.content === null) {
        if (!existing || existing.type === 'tree') throw new NotFoundError('file', direct.change.path);
        entries.delete(name);
      } else {
        if (existing?.type === 'tree') throw new InvalidInputError(`${path}: is a directory`);
        if (existing?.type === 'commit') throw new InvalidInputError(`${path}: is a submodule`);
        const blobOid = await git.writeBlob({ fs, gitdir: store.gitdir, blob: direct.change.content });
        entries.set(name, {
          mode: existing?.mode === '100755' ? '100755' : '100644',
          path: name,
          oid: blobOid,
          type: 'blob',
        });
      }
      continue;
    }
    if (existing && existing.type !== 'tree') {
      const missing = group.find((p) => p.change.content === null);
      if (missing) throw new NotFoundError('file', missing.change.path);
      throw new InvalidInputError(`${path}: is a file, not a directory`);
    }
    const sub = await applyLevel(
      store,
      existing?.oid ?? null,
      path,
      group.map((p) => ({ rest: p.rest.slice(1), change: p.change })),
    );
    if (sub === null) entries.delete(name);
    else entries.set(name, { mode: '040000', path: name, oid: sub, type: 'tree' });
  }
  if (entries.size === 0) return null;
  return git.writeTree({ fs, gitdir: store.gitdir, tree: [...entries.values()] });
}
