/**
 * What needs attention in the fleet: each (application, cluster) status row is in at most one
 * problem kind, the first of an ordered table that matches, so counts by kind add up to the
 * rows with a problem. The hub's SQL is built from the same table (as the grid's cell rules
 * are), so the landing view's counts and its drill-down lists cannot disagree with this rule.
 */

/** Problem kinds, most urgent first. */
export const PROBLEM_KINDS = ['disconnected', 'failed', 'degraded', 'outofsync'] as const;
/** One problem kind. */
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

/**
 * The first row that matches decides a status row's kind: the cluster's connection, the sync
 * or the rolled-up health is in the row's list. A disconnected agent comes first: its sync and
 * health are stale. No row matches a healthy, progressing or merely unknown status.
 */
export const PROBLEM_RULES: readonly {
  kind: ProblemKind;
  field: 'connection' | 'sync' | 'health';
  states: readonly string[];
}[] = [
  { kind: 'disconnected', field: 'connection', states: ['Disconnected'] },
  { kind: 'failed', field: 'sync', states: ['Failed'] },
  { kind: 'degraded', field: 'health', states: ['Failed'] },
  { kind: 'outofsync', field: 'sync', states: ['OutOfSync'] },
];

/** The problem kind of one status row, or null when it needs no attention. */
export function problemOf(connectionState: string, sync: string, health: string): ProblemKind | null {
  const value = { connection: connectionState, sync, health };
  return PROBLEM_RULES.find((r) => r.states.includes(value[r.field]))?.kind ?? null;
}

/** Zero for every kind: the shape of the counts of one group. */
export function noProblems(): Record<ProblemKind, number> {
  return { disconnected: 0, failed: 0, degraded: 0, outofsync: 0 };
}

/**
 * The label key to group clusters by when the caller names none: the key most clusters carry
 * (ties: the first by name), or null when no cluster has a label.
 */
export function defaultGroupLabel(keys: readonly { key: string; clusters: number }[]): string | null {
  let best: { key: string; clusters: number } | null = null;
  for (const k of keys)
    if (!best || k.clusters > best.clusters || (k.clusters === best.clusters && k.key < best.key)) best = k;
  return best?.key ?? null;
}
