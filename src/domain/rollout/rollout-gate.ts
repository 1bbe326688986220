/**
 * Which changes of an application's desired state a rollout holds back (issue 16). When an
 * application with a strategy is re-rendered, every cluster whose bundle changed is a candidate;
 * this decides, from the latest rollout alone, which candidates go out now, which wait in the
 * rollout, and whether a new rollout starts. The rules, in order:
 *
 * 1. A cluster the latest rollout already moved to exactly this bundle goes out now (a re-send of
 *    what it was given, e.g. a forced sync).
 * 2. The latest rollout is for the same revision and none of the clusters it moved would change:
 *    it goes on. Its waiting clusters take the new bundle if theirs changed (a label change); a
 *    cluster it does not hold (one that joined meanwhile) waits for it to end. Paused, aborted and
 *    rolled-back rollouts hold their clusters the same way until someone acts or a new revision
 *    arrives — polling the same revision never restarts one.
 * 3. Otherwise (a newer revision, a change to clusters already moved, or no open rollout for this
 *    revision) a new rollout starts from its first stage over every remaining candidate. An open
 *    rollout it replaces is superseded; the clusters of that rollout's running batch finish first.
 */

/** A rollout's state. */
export type RolloutState =
  'progressing' | 'awaiting-approval' | 'paused' | 'completed' | 'aborted' | 'rolled-back' | 'superseded';

/** States in which a rollout still holds clusters and may move on (after a command). */
export const OPEN_ROLLOUT_STATES: readonly RolloutState[] = ['progressing', 'awaiting-approval', 'paused'];

/** The latest rollout of an application, as the gate reads it. */
export interface LatestRollout {
  state: RolloutState;
  revision: string;
  /** Each cluster's target bundle, and whether the rollout has moved it (and not moved it back). */
  clusters: ReadonlyMap<string, { digest: string; moved: boolean }>;
}

/** What to do with the candidates. */
export interface GateDecision {
  /** Clusters whose change goes out now. */
  now: string[];
  /** Waiting clusters of the latest rollout whose target bundle changes. */
  retarget: { clusterId: string; digest: string }[];
  /** A new rollout over these clusters, or null. */
  start: { clusterId: string; digest: string }[] | null;
  /** Whether the latest rollout is superseded by the new one. */
  supersede: boolean;
}

/** Decides, for one re-render of an application with a strategy. */
export function gateChanges(
  revision: string,
  changes: readonly { clusterId: string; digest: string }[],
  latest: LatestRollout | null,
): GateDecision {
  const now: string[] = [];
  const rest: { clusterId: string; digest: string }[] = [];
  for (const c of changes) {
    const held = latest?.clusters.get(c.clusterId);
    if (held?.moved && held.digest === c.digest && latest?.revision === revision) now.push(c.clusterId);
    else rest.push(c);
  }
  const none: GateDecision = { now, retarget: [], start: null, supersede: false };
  if (rest.length === 0) return none;
  const continues =
    latest !== null &&
    latest.state !== 'completed' &&
    latest.state !== 'superseded' &&
    latest.revision === revision &&
    rest.every((c) => !latest.clusters.get(c.clusterId)?.moved);
  if (continues) {
    const retarget = rest.filter((c) => {
      const held = latest.clusters.get(c.clusterId);
      return held !== undefined && held.digest !== c.digest;
    });
    return { ...none, retarget };
  }
  const open = latest !== null && OPEN_ROLLOUT_STATES.includes(latest.state);
  return { now, retarget: [], start: rest, supersede: open };
}
