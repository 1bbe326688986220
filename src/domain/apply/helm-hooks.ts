/**
 * Helm's hook annotations read as Flotilla sync hooks. A chart rendered with `helm template`
 * (by the hub, or by someone who committed the output) keeps its hook objects, annotated
 * `helm.sh/hook`; applied as ordinary objects they would run at the wrong time and be re-applied
 * on every sync. The agent reads them here, so the mapping works for every source and the hub's
 * rendered bundle (and its digest) stays exactly what `helm template` printed.
 *
 * - `pre-install` / `pre-upgrade` → PreSync, `post-install` / `post-upgrade` → PostSync. An
 *   *install* is the first sync of the application in the cluster (the agent holds no inventory
 *   for it yet); every later sync is an *upgrade*. A hook listing only `pre-install` runs once.
 * - `pre-delete`, `post-delete`, `pre-rollback`, `post-rollback`, `test`, `test-success`: Flotilla
 *   has no such moments (a removal job carries no bundle; a rollback is a sync to an older
 *   revision; tests belong to `helm test`). An object with only these is not applied, and the job
 *   result says so. An unknown event drops the object too, as Helm itself does.
 * - `helm.sh/hook-weight` (integer, default 0, anything else 0 as in Helm) orders hooks within
 *   a phase, lowest first; equal weights keep the bundle's order.
 * - `helm.sh/hook-delete-policy`: `before-hook-creation` → BeforeHookCreation, `hook-succeeded`
 *   → HookSucceeded. `hook-failed` is not followed: a failed hook stays for someone to read its
 *   logs, and is replaced before the next run (BeforeHookCreation is added). No policy means
 *   BeforeHookCreation, Helm's default too.
 *
 * An explicit `flotilla.io/hook` wins over `helm.sh/hook`, and `flotilla.io/hook-delete-policy`
 * over `helm.sh/hook-delete-policy`.
 */
import type { LiveObject } from '../health/health.types.js';

/** The annotations Helm puts on hook objects. */
export const HELM_HOOK_ANNOTATIONS = {
  hook: 'helm.sh/hook',
  weight: 'helm.sh/hook-weight',
  deletePolicy: 'helm.sh/hook-delete-policy',
} as const;

/** The phases a Helm hook can map to. */
export type HelmMappedPhase = 'PreSync' | 'PostSync';

/** Whether this sync is the application's first in the cluster (install) or a later one (upgrade). */
export type SyncMode = 'install' | 'upgrade';

/** What a `helm.sh/hook` annotation means for Flotilla. */
export type HelmHookMapping =
  /** No `helm.sh/hook` annotation: not a Helm hook. */
  | { kind: 'none' }
  /** A hook: the phases it runs at on an install and on an upgrade (possibly none for one of them). */
  | { kind: 'hook'; runs: Record<SyncMode, HelmMappedPhase[]> }
  /** Not applied at all, and why (shown in the job result). */
  | { kind: 'dropped'; reason: string };

const EVENTS: Record<string, { mode: SyncMode; phase: HelmMappedPhase } | null> = {
  'pre-install': { mode: 'install', phase: 'PreSync' },
  'post-install': { mode: 'install', phase: 'PostSync' },
  'pre-upgrade': { mode: 'upgrade', phase: 'PreSync' },
  'post-upgrade': { mode: 'upgrade', phase: 'PostSync' },
  // Known to Helm, without a Flotilla moment to run at.
  'pre-delete': null,
  'post-delete': null,
  'pre-rollback': null,
  'post-rollback': null,
  test: null,
  'test-success': null,
};

const annotation = (obj: LiveObject, key: string): string | undefined => {
  const value = obj.metadata.annotations?.[key];
  return typeof value === 'string' ? value : undefined;
};

/** The meaning of the object's `helm.sh/hook` annotation (events are read as Helm reads them). */
export function helmHookOf(obj: LiveObject): HelmHookMapping {
  const raw = annotation(obj, HELM_HOOK_ANNOTATIONS.hook);
  if (raw === undefined) return { kind: 'none' };
  const events = raw
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '');
  const unknown = events.find((e) => !Object.hasOwn(EVENTS, e));
  if (unknown !== undefined || events.length === 0)
    return {
      kind: 'dropped',
      reason: `not applied: unknown Helm hook ${JSON.stringify(raw)} (Helm skips such objects too)`,
    };
  const runs: Record<SyncMode, HelmMappedPhase[]> = { install: [], upgrade: [] };
  for (const event of events) {
    const target = EVENTS[event];
    if (target && !runs[target.mode].includes(target.phase)) runs[target.mode].push(target.phase);
  }
  if (runs.install.length === 0 && runs.upgrade.length === 0)
    return {
      kind: 'dropped',
      reason: `not applied: Helm ${events.join(',')} hook; Flotilla runs hooks only at install and upgrade (PreSync, PostSync)`,
    };
  // Pre before post, whatever order the annotation listed them in.
  for (const mode of ['install', 'upgrade'] as const)
    runs[mode].sort((a, b) => (a === b ? 0 : a === 'PreSync' ? -1 : 1));
  return { kind: 'hook', runs };
}

/** `helm.sh/hook-weight` as Helm reads it: an integer, anything else (or nothing) is 0. */
export function helmHookWeight(obj: LiveObject): number {
  const raw = annotation(obj, HELM_HOOK_ANNOTATIONS.weight)?.trim();
  if (raw === undefined || !/^[+-]?\d+$/.test(raw)) return 0;
  const weight = Number(raw);
  return Number.isSafeInteger(weight) ? weight : 0;
}

/**
 * Flotilla's delete policies for `helm.sh/hook-delete-policy`, or null when the object has none
 * (the caller's default applies). Unknown policies are ignored, as Helm ignores them.
 */
export function helmDeletePolicies(obj: LiveObject): ('BeforeHookCreation' | 'HookSucceeded')[] | null {
  const raw = annotation(obj, HELM_HOOK_ANNOTATIONS.deletePolicy);
  if (raw === undefined) return null;
  const given = new Set(raw.split(',').map((p) => p.trim().toLowerCase()));
  const policies = new Set<'BeforeHookCreation' | 'HookSucceeded'>();
  // hook-failed is not followed (the failed object is kept to be read), so it must be replaced
  // before the next run rather than collide with it.
  if (given.has('before-hook-creation') || given.has('hook-failed')) policies.add('BeforeHookCreation');
  if (given.has('hook-succeeded')) policies.add('HookSucceeded');
  return policies.size > 0 ? [...policies] : null;
}
