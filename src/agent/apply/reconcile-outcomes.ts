/**
 * How a reconcile's failures are written up: the failed outcome, a summary of per-object
 * errors, and the reports of objects refused by policy.
 */
import { describeRefusals, type PolicyRefusal } from '../../domain/render/bundle-policy.js';
import type { LiveObject } from '../../domain/health/health.types.js';
import type { LeftOut } from '../../domain/apply/sync-phases.js';
import type { HookResultV1, ResourceResultV1 } from '../../protocol/v1/agent-protocol.js';
import type { ClusterError } from '../cluster/cluster-client.js';
import { idText } from './apply-steps.js';
import type { ReconcileOutcome } from './apply.types.js';

/** A failed outcome. */
export function failed(
  message: string,
  retryable: boolean,
  resources: ResourceResultV1[],
  inventory: string[],
): ReconcileOutcome {
  return { outcome: 'failed', retryable, message, resources, inventory, applied: [] };
}

/** Up to five errors quoted, and how many more. */
export function summarise(what: string, errors: { id: string; error: ClusterError }[]): string {
  const quoted = errors.slice(0, 5).map((f) => `${f.id}: ${f.error.message}`);
  const more = errors.length > 5 ? `; and ${errors.length - 5} more` : '';
  return `${what} for ${errors.length} object(s): ${quoted.join('; ')}${more}`;
}

/** A bundle with refused objects: each refused one failed with its rule, the rest skipped, nothing applied. */
export function refusedBundle(
  desired: readonly LiveObject[],
  refusals: readonly PolicyRefusal[],
): ReconcileOutcome {
  const byId = new Map(refusals.map((r) => [r.resource, r]));
  const resources = desired.map((o): ResourceResultV1 => {
    const id = idText(o);
    const r = byId.get(id);
    return r
      ? { id, action: 'failed', message: `refused by policy (rule ${r.rule}): ${r.message}` }
      : { id, action: 'skipped', message: 'not applied: other objects of the bundle were refused by policy' };
  });
  return failed(`nothing applied: ${describeRefusals(refusals)}`, false, resources, []);
}

/**
 * The outcome with the hooks run (absent when none ran) and, as skipped resources, the hooks
 * left out or not run by this sync, each with why.
 */
export function withHooks(
  outcome: ReconcileOutcome,
  hooks: HookResultV1[],
  leftOut: readonly LeftOut<LiveObject>[],
): ReconcileOutcome {
  const notes = leftOut.map((l): ResourceResultV1 => ({
    id: idText(l.object),
    action: 'skipped',
    message: l.reason,
  }));
  const reported = notes.length > 0 ? { ...outcome, resources: [...outcome.resources, ...notes] } : outcome;
  return hooks.length > 0 ? { ...reported, hooks } : reported;
}

/** The result of an object a prune or removal may not delete. */
export function notDeleted(r: PolicyRefusal): ResourceResultV1 {
  return {
    id: r.resource,
    action: 'skipped',
    message: `not deleted: outside policy (rule ${r.rule}): ${r.message}`,
  };
}

/** A bundle with sealed secrets this cluster cannot open: each failed with why, the rest skipped, nothing applied. */
export function unsealFailed(
  desired: readonly LiveObject[],
  failures: readonly { id: string; message: string }[],
): ReconcileOutcome {
  const byId = new Map(failures.map((f) => [f.id, f.message]));
  const resources = desired.map((o): ResourceResultV1 => {
    const id = idText(o);
    const message = byId.get(id);
    return message !== undefined
      ? { id, action: 'failed', message }
      : {
          id,
          action: 'skipped',
          message: 'not applied: a sealed secret of the bundle cannot be unsealed here',
        };
  });
  const quoted = failures.slice(0, 5).map((f) => `${f.id}: ${f.message}`);
  const more = failures.length > 5 ? `; and ${failures.length - 5} more` : '';
  return failed(
    `nothing applied: ${failures.length} sealed secret(s) cannot be unsealed: ${quoted.join('; ')}${more}`,
    false,
    resources,
    [],
  );
}
