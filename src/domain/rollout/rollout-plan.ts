import { InvalidInputError } from '../errors.js';
import { matchesSelector, parseLabelSelector } from '../label-selector.js';

/**
 * Staged rollouts (issue 16), the pure half: what a strategy may say, and how it splits the
 * clusters an application targets into stages and batches. Which batch runs next, and when, is
 * decided by `rollout-step.ts` from the clusters' status; the hub only stores and executes.
 */

/** A count, or a percentage of the stage's clusters (`"25%"`). */
export type CountOrPercent = number | `${number}%`;

/** One stage of a rollout, in order. */
export interface RolloutStage {
  name: string;
  /** The clusters of this stage among those not taken by an earlier stage; null: all the rest. */
  clusterSelector: string | null;
  /** Clusters moved at once (at least 1 after rounding up a percentage). */
  batchSize: CountOrPercent;
  /** Bake time: every cluster of a batch Synced and Healthy this long before the next batch. */
  minHealthySeconds: number;
  /** Failed clusters the stage tolerates before the rollout stops (rounded down). */
  maxFailures: CountOrPercent;
  /** Pause before the stage until someone promotes it. */
  requireApproval?: boolean;
}

/** An application's rollout strategy; without one, every cluster moves at once (as before). */
export interface RolloutStrategy {
  stages: RolloutStage[];
  /** What to do when failures exceed a stage's budget. */
  onFailure: 'pause' | 'rollback';
}

/** A stage with its clusters cut into batches and its budget as a count. */
export interface PlannedStage {
  name: string;
  batches: string[][];
  maxFailures: number;
  minHealthySeconds: number;
  requireApproval: boolean;
}

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PERCENT = /^(100|[1-9]?[0-9])%$/;
/** More stages than anyone reads; the bound keeps plans and audit entries small. */
export const MAX_STAGES = 20;

/** Problems with a strategy, each naming its field; empty when valid. */
export function rolloutStrategyProblems(strategy: RolloutStrategy): string[] {
  const problems: string[] = [];
  if (strategy.onFailure !== 'pause' && strategy.onFailure !== 'rollback')
    problems.push('rollout.onFailure must be pause or rollback');
  if (!Array.isArray(strategy.stages) || strategy.stages.length === 0)
    return [...problems, 'rollout.stages must list at least one stage'];
  if (strategy.stages.length > MAX_STAGES)
    problems.push(`rollout.stages must have at most ${MAX_STAGES} stages`);
  const names = new Set<string>();
  strategy.stages.forEach((stage, i) => {
    const at = `rollout.stages[${i}]`;
    if (!NAME.test(stage.name)) problems.push(`${at}.name must be a DNS-1123 label`);
    else if (names.has(stage.name)) problems.push(`${at}.name "${stage.name}" is used twice`);
    names.add(stage.name);
    if (stage.clusterSelector === null) {
      if (i !== strategy.stages.length - 1)
        problems.push(`${at}.clusterSelector may be null ("the rest") only in the last stage`);
    } else {
      try {
        parseLabelSelector(stage.clusterSelector, `${at}.clusterSelector`);
      } catch (e) {
        if (!(e instanceof InvalidInputError)) throw e;
        problems.push(e.message);
      }
    }
    const batch = countProblem(stage.batchSize, 1);
    if (batch) problems.push(`${at}.batchSize ${batch}`);
    const failures = countProblem(stage.maxFailures, 0);
    if (failures) problems.push(`${at}.maxFailures ${failures}`);
    if (
      !Number.isInteger(stage.minHealthySeconds) ||
      stage.minHealthySeconds < 0 ||
      stage.minHealthySeconds > 86_400
    )
      problems.push(`${at}.minHealthySeconds must be a whole number of seconds from 0 to 86400`);
  });
  return problems;
}

function countProblem(value: CountOrPercent, min: number): string | undefined {
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= min && value <= 100_000
      ? undefined
      : `must be an integer from ${min}`;
  return typeof value === 'string' && PERCENT.test(value)
    ? undefined
    : 'must be a count or a percentage such as "25%"';
}

/** A count or percentage of `total`: percentages of batch sizes round up, of budgets down. */
export function resolveCount(value: CountOrPercent, total: number, round: 'up' | 'down'): number {
  if (typeof value === 'number') return value;
  const exact = (Number(value.slice(0, -1)) / 100) * total;
  return round === 'up' ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * Cuts the clusters into stages and batches. A cluster belongs to the first stage whose selector
 * matches it; clusters no stage matches are not part of the rollout (and keep what they run) unless
 * the last stage is "the rest". Within a stage clusters go by name, so a plan is the same on every
 * replica and after a restart. An empty stage is kept (it passes at once, approval aside).
 */
export function planRollout(
  strategy: RolloutStrategy,
  clusters: readonly { id: string; name: string; labels: Record<string, string> }[],
): { stages: PlannedStage[]; outside: string[] } {
  const sorted = [...clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const taken = new Set<string>();
  const stages = strategy.stages.map((stage): PlannedStage => {
    const selector = stage.clusterSelector === null ? null : parseLabelSelector(stage.clusterSelector);
    const members = sorted.filter(
      (c) => !taken.has(c.id) && (selector === null || matchesSelector(selector, c.labels)),
    );
    for (const c of members) taken.add(c.id);
    const size = Math.max(1, resolveCount(stage.batchSize, members.length, 'up'));
    const batches: string[][] = [];
    for (let i = 0; i < members.length; i += size) batches.push(members.slice(i, i + size).map((c) => c.id));
    return {
      name: stage.name,
      batches,
      maxFailures: resolveCount(stage.maxFailures, members.length, 'down'),
      minHealthySeconds: stage.minHealthySeconds,
      requireApproval: stage.requireApproval === true,
    };
  });
  return { stages, outside: sorted.filter((c) => !taken.has(c.id)).map((c) => c.id) };
}
