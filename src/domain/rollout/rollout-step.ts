import { type PlannedStage } from './rollout-plan.js';

/**
 * What a cluster of a rollout looks like now, from the fleet status read model. A Disconnected or
 * Unknown cluster is `unavailable`: it never counts as healthy, so a batch with one waits (and the
 * rollout stops there rather than move on without knowing).
 */
export type ClusterProgress =
  | { state: 'pending' } // not yet given the new revision
  | { state: 'syncing' } // given it, not yet Synced and Healthy
  | { state: 'healthy'; since: Date } // Synced and Healthy at the new revision since then
  | { state: 'failed'; reason: string }
  | { state: 'unavailable' };

/** Where a rollout is: the batch last started (null before the first), and approvals given. */
export interface RolloutPosition {
  stage: number;
  /** Index of the batch started last in `stage`; -1 when the stage has not started a batch. */
  batch: number;
  /** Stages someone promoted past their approval gate. */
  approved: readonly number[];
  /** Failed clusters someone promoted past: no longer counted against the budget. */
  accepted?: readonly string[];
}

/** What the hub should do next; `wait` when nothing is due yet (with when to look again, if known). */
export type RolloutStep =
  | { kind: 'wait'; until?: Date; reason: string }
  | { kind: 'start-batch'; stage: number; batch: number; clusters: string[] }
  | { kind: 'await-approval'; stage: number }
  | { kind: 'stop'; stage: number; failed: string[]; reason: string }
  | { kind: 'complete' };

/**
 * The next step of a rollout, level-triggered: a function of the plan, where it stands, each
 * cluster's progress and the time — nothing remembered in between — so any replica, after any
 * restart, decides the same. Failures are counted per stage against its budget; over it, the
 * rollout stops (the caller pauses or rolls back, as the strategy says). A batch is done when each
 * of its clusters has been Synced and Healthy for the stage's bake time.
 */
export function rolloutStep(
  stages: readonly PlannedStage[],
  at: RolloutPosition,
  progress: (clusterId: string) => ClusterProgress,
  now: Date,
): RolloutStep {
  if (at.stage >= stages.length) return { kind: 'complete' };
  const stage = stages[at.stage];
  if (at.batch < 0) {
    if (stage.requireApproval && !at.approved.includes(at.stage))
      return { kind: 'await-approval', stage: at.stage };
    if (stage.batches.length === 0)
      return rolloutStep(stages, { ...at, stage: at.stage + 1, batch: -1 }, progress, now);
    return { kind: 'start-batch', stage: at.stage, batch: 0, clusters: stage.batches[0] };
  }
  const started = stage.batches.slice(0, at.batch + 1).flat();
  const accepted = new Set(at.accepted ?? []);
  const failed = started.filter((c) => !accepted.has(c) && progress(c).state === 'failed');
  if (failed.length > stage.maxFailures)
    return {
      kind: 'stop',
      stage: at.stage,
      failed,
      reason: `${failed.length} cluster(s) failed in stage ${stage.name}, over its budget of ${stage.maxFailures}`,
    };
  const current = stage.batches[at.batch];
  let due = now.getTime();
  for (const id of current) {
    const p = progress(id);
    if (p.state === 'failed') continue; // within the budget: the batch does not wait for it
    if (p.state === 'unavailable') return { kind: 'wait', reason: `cluster ${id} is unavailable` };
    if (p.state !== 'healthy') return { kind: 'wait', reason: `cluster ${id} is not yet Synced and Healthy` };
    due = Math.max(due, p.since.getTime() + stage.minHealthySeconds * 1000);
  }
  if (due > now.getTime())
    return { kind: 'wait', until: new Date(due), reason: `baking for ${stage.minHealthySeconds} s` };
  if (at.batch + 1 < stage.batches.length)
    return {
      kind: 'start-batch',
      stage: at.stage,
      batch: at.batch + 1,
      clusters: stage.batches[at.batch + 1],
    };
  return rolloutStep(stages, { ...at, stage: at.stage + 1, batch: -1 }, progress, now);
}
