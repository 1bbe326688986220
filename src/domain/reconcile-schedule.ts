/**
 * The rules of the level-triggered loop (ARCHITECTURE.md §10): which applications a reconcile
 * sweep must look at, when a failed one is retried, which revision automated sync follows,
 * and how a branch head that moved is classified. Pure: the caller passes the time.
 */

/** Longest wait between two retries of an application whose reconcile keeps failing. */
export const MAX_RECONCILE_RETRY_MS = 30 * 60_000;

/**
 * How long to wait before retrying a reconcile that has now failed `failures` times in a row:
 * `baseMs` doubled per further failure, capped at {@link MAX_RECONCILE_RETRY_MS}.
 */
export function reconcileRetryDelayMs(failures: number, baseMs: number): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  return Math.min(baseMs * 2 ** exponent, MAX_RECONCILE_RETRY_MS);
}

/**
 * The revision automated sync follows: the branch head, unless the branch was moved backwards
 * (`rewoundFrom` set), in which case the revision it had reached stays in force.
 */
export function followedRevision(repo: {
  lastRevision: string | null;
  rewoundFrom: string | null;
}): string | null {
  return repo.rewoundFrom ?? repo.lastRevision;
}

/** What the reconcile sweep knows about one application. */
export interface ReconcileCandidate {
  automated: boolean;
  /** Pinned to a revision (explicitly or by a rollback). */
  pinned: boolean;
  suspended: boolean;
  deleting: boolean;
  reconciledRevision: string | null;
  reconcileRetryAt: Date | null;
}

/**
 * Whether the sweep must reconcile an application now: an automated, unpinned application that
 * is not being deleted, and either has not yet been reconciled against the revision its
 * repository is at (`followed`), or failed last time and its retry is due.
 */
export function reconcileDue(app: ReconcileCandidate, followed: string | null, now: Date): boolean {
  if (!app.automated || app.pinned || app.suspended || app.deleting || followed === null) return false;
  if (app.reconciledRevision !== followed) return true;
  return app.reconcileRetryAt !== null && app.reconcileRetryAt.getTime() <= now.getTime();
}

/**
 * How a branch head moved, given the revision automated sync follows (`followed`):
 * - `unchanged`: the head is what was seen last;
 * - `forward`: the new head has `followed` in its history (or nothing was followed yet);
 * - `restored`: the head is back at `followed` after a rewind;
 * - `rewound`: the head is an ancestor of `followed`, or unrelated to it.
 * `descends` answers "has the new head `followed` in its history?" and is only asked when needed.
 */
export type HeadMove = 'unchanged' | 'forward' | 'restored' | 'rewound';

/** Classifies a new head; see {@link HeadMove}. */
export async function classifyHeadMove(
  seen: { lastRevision: string | null; followed: string | null },
  head: string,
  descends: (followed: string, head: string) => Promise<boolean>,
): Promise<HeadMove> {
  if (head === seen.lastRevision) return 'unchanged';
  if (seen.followed === null) return 'forward';
  if (head === seen.followed) return 'restored';
  return (await descends(seen.followed, head)) ? 'forward' : 'rewound';
}

/** Whether a change to `paths` can affect an application rooted at `appPath` (null: unknown, so yes). */
export function pathsTouch(paths: readonly string[] | null, appPath: string): boolean {
  if (paths === null || appPath === '') return true;
  return paths.some((p) => p === appPath || p.startsWith(`${appPath}/`) || appPath.startsWith(`${p}/`));
}
