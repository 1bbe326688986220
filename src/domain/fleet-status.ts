/**
 * The sync and health of one application on one cluster, as the fleet status read model stores
 * them. The rule is an ordered table of named conditions so that the pure evaluation here and
 * the hub's set-based SQL (which maps each condition to a predicate) read the same rows in the
 * same order and cannot disagree on precedence.
 */

/** Sync states of one (application, cluster). */
export const SYNC_STATES = ['Synced', 'OutOfSync', 'Progressing', 'Failed', 'Unknown'] as const;
/** One sync state. */
export type SyncState = (typeof SYNC_STATES)[number];

/** Rolled-up health states of one (application, cluster) (kstatus names). */
export const HEALTH_STATES = [
  'Current',
  'InProgress',
  'Failed',
  'Terminating',
  'NotFound',
  'Unknown',
] as const;
/** One rolled-up health state. */
export type FleetHealth = (typeof HEALTH_STATES)[number];

/** Connection states of a cluster's agent. */
export type ConnectionState = 'Pending' | 'Connected' | 'Disconnected';

/** What the status of one (application, cluster) is decided from. */
export interface FleetStatusFacts {
  connectionState: string;
  /** The desired state row, if the cluster is targeted. */
  desired: { renderError: string | null; bundleDigest: string | null; appliedDigest: string | null } | null;
  /** The newest job that was not superseded. */
  lastJob: { state: string; error: string | null } | null;
  /** The rollup of the objects the agent reported, if any. */
  resources: { health: string; drifted: boolean } | null;
}

/**
 * The conditions the rule is written in. Each is a plain predicate over {@link FleetStatusFacts};
 * the hub's SQL has one predicate per name.
 */
export type SyncCondition =
  | 'renderFailed'
  | 'notConnected'
  | 'jobUnfinished'
  | 'jobFailed'
  | 'appliedCurrentDrifted'
  | 'appliedCurrent'
  | 'targeted'
  | 'always';

/** Where a row's message comes from. */
export type MessageSource = { text: string } | 'renderError' | 'jobError' | 'connection' | null;

/** The first row whose condition holds decides sync and message. */
export const SYNC_RULES: readonly { when: SyncCondition; sync: SyncState; message: MessageSource }[] = [
  // A render failure is a fact about the hub, true whatever the agent is doing.
  { when: 'renderFailed', sync: 'Failed', message: 'renderError' },
  // Without a connected agent everything below would be stale: never claim Synced from it.
  { when: 'notConnected', sync: 'Unknown', message: 'connection' },
  { when: 'jobUnfinished', sync: 'Progressing', message: null },
  { when: 'jobFailed', sync: 'Failed', message: 'jobError' },
  {
    when: 'appliedCurrentDrifted',
    sync: 'OutOfSync',
    message: { text: 'live objects differ from the desired state' },
  },
  { when: 'appliedCurrent', sync: 'Synced', message: null },
  { when: 'targeted', sync: 'OutOfSync', message: null },
  { when: 'always', sync: 'Unknown', message: null },
];

/** Messages for a cluster whose agent is not connected. */
export const CONNECTION_MESSAGES: Record<string, string> = {
  Pending: 'the agent has not joined yet',
  Disconnected: 'the agent is disconnected',
};

/** Whether one condition holds for these facts. */
export function holds(c: SyncCondition, f: FleetStatusFacts): boolean {
  const applied = !!f.desired?.bundleDigest && f.desired.appliedDigest === f.desired.bundleDigest;
  switch (c) {
    case 'renderFailed':
      return !!f.desired?.renderError;
    case 'notConnected':
      return f.connectionState !== 'Connected';
    case 'jobUnfinished':
      return f.lastJob?.state === 'queued' || f.lastJob?.state === 'leased';
    case 'jobFailed':
      return f.lastJob?.state === 'failed';
    case 'appliedCurrentDrifted':
      return applied && (f.resources?.drifted ?? false);
    case 'appliedCurrent':
      return applied;
    case 'targeted':
      return f.desired !== null;
    case 'always':
      return true;
  }
}

/**
 * Sync, health and message of one (application, cluster). Health is Unknown unless the agent
 * is connected (stale) and reported objects.
 */
export function fleetStatusOf(f: FleetStatusFacts): {
  sync: SyncState;
  health: string;
  message: string | null;
} {
  const rule = SYNC_RULES.find((r) => holds(r.when, f)) ?? SYNC_RULES[SYNC_RULES.length - 1];
  return {
    sync: rule.sync,
    health: f.connectionState === 'Connected' ? (f.resources?.health ?? 'Unknown') : 'Unknown',
    message: messageOf(rule.message, f),
  };
}

function messageOf(m: MessageSource, f: FleetStatusFacts): string | null {
  if (m === null) return null;
  if (typeof m === 'object') return m.text;
  if (m === 'renderError') return f.desired?.renderError ?? null;
  if (m === 'jobError') return f.lastJob?.error ?? null;
  return CONNECTION_MESSAGES[f.connectionState] ?? CONNECTION_MESSAGES.Disconnected;
}

/**
 * A comma-separated list of states (`Failed,OutOfSync`) as a regex source for query parameters.
 */
export function stateListSource(states: readonly string[]): string {
  const one = `(${states.join('|')})`;
  return `^${one}(,${one})*$`;
}

/** How the fleet grid colours one cell, and what its state filter selects on. */
export const CELL_STATES = ['failed', 'outofsync', 'progressing', 'ok', 'unknown'] as const;
/** One cell state. */
export type CellState = (typeof CELL_STATES)[number];

/**
 * The first row that matches decides a cell's state: a row matches when the sync is in `sync`
 * or the health in `health` — or, with `both`, when both are. The last row matches anything.
 * The grid's SQL is built from this table, so its filter and its counts agree with this.
 */
export const CELL_RULES: readonly { state: CellState; sync: string[]; health: string[]; both?: true }[] = [
  { state: 'failed', sync: ['Failed'], health: ['Failed'] },
  { state: 'outofsync', sync: ['OutOfSync'], health: [] },
  { state: 'progressing', sync: ['Progressing'], health: ['InProgress', 'Terminating'] },
  { state: 'ok', sync: ['Synced'], health: ['Current'], both: true },
  { state: 'unknown', sync: [], health: [] },
];

/** The grid state of a cell with this sync and health. */
export function cellStateOf(sync: string, health: string): CellState {
  for (const r of CELL_RULES) {
    const s = r.sync.includes(sync);
    const h = r.health.includes(health);
    if (r.both ? s && h : s || h) return r.state;
  }
  return 'unknown';
}

/** What the fleet grid's state filter keeps: clusters with a cell in a state, or by connection. */
export const GRID_FILTERS = ['all', 'problem', ...CELL_STATES, 'disconnected'] as const;
/** One grid filter. */
export type GridFilter = (typeof GRID_FILTERS)[number];
