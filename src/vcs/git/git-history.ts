import { type CommitObject } from 'isomorphic-git';
import { InvalidInputError } from '../../domain/errors.js';
import { changedUnder, type GitStore, readCommitObject } from './git-objects.js';

/** A commit found by {@link walkHistory}, with the files it changed under the queried path. */
export interface HistoryItem {
  oid: string;
  commit: CommitObject;
  changed: string[];
}

const OID = /^[0-9a-f]{40}$/;
const MAX_FRONTIER = 64;

/**
 * The cursor is the walk's frontier — the commits still to visit — not just one commit id,
 * so paging through merges neither repeats nor skips a side of the merge.
 */
export function encodeHistoryCursor(frontier: readonly string[]): string {
  return Buffer.from(JSON.stringify({ f: frontier.slice(0, MAX_FRONTIER) }), 'utf8').toString('base64url');
}

/** Decodes and validates a cursor made by {@link encodeHistoryCursor}. */
export function decodeHistoryCursor(cursor: string): string[] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { f?: unknown };
    if (
      Array.isArray(parsed.f) &&
      parsed.f.length > 0 &&
      parsed.f.length <= MAX_FRONTIER &&
      parsed.f.every((o) => typeof o === 'string' && OID.test(o))
    )
      return parsed.f as string[];
  } catch {
    // fall through: any undecodable cursor is the same client error
  }
  throw new InvalidInputError('cursor: not a cursor returned by this API');
}

/**
 * Walks commits newest first (by committer time, like `git log`) from `starts`, keeping those
 * that change something under `path` compared with their first parent (all of them when
 * `path` is the root). Stops once it has
 * `limit` commits and has found the next matching one, so a non-null frontier always leads to
 * a non-empty page.
 */
export async function walkHistory(
  store: GitStore,
  starts: readonly string[],
  path: string,
  limit: number,
): Promise<{ items: HistoryItem[]; frontier: string[] | null }> {
  const queue: { oid: string; commit: CommitObject }[] = [];
  const seen = new Set<string>();
  const enqueue = async (oid: string) => {
    if (seen.has(oid)) return;
    seen.add(oid);
    const commit = await readCommitObject(store, oid);
    const time = commit.committer.timestamp;
    let i = queue.findIndex((q) => q.commit.committer.timestamp < time);
    if (i < 0) i = queue.length;
    queue.splice(i, 0, { oid, commit });
  };
  for (const oid of starts) await enqueue(oid);
  const items: HistoryItem[] = [];
  while (queue.length > 0) {
    const next = queue.shift()!;
    const parent = next.commit.parent[0];
    const parentTree = parent ? (await readCommitObject(store, parent)).tree : null;
    const changed = await changedUnder(store, parentTree, next.commit.tree, path);
    // Like `git log`: without a path every commit counts, even one that changes no file.
    if (path === '' || changed.length > 0) {
      if (items.length === limit) return { items, frontier: [next.oid, ...queue.map((q) => q.oid)] };
      items.push({ oid: next.oid, commit: next.commit, changed });
    }
    for (const p of next.commit.parent) await enqueue(p);
  }
  return { items, frontier: null };
}
