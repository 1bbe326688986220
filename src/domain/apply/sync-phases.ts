/**
 * The pure rules of a sync's phases inside one cluster: which objects are hooks (run apart,
 * at PreSync, PostSync or SyncFail) and how, which waves the agent must wait on, and whether
 * a wave being waited on is done, failed or out of time. The agent does the reading and
 * writing (src/agent/apply/); everything decided here is a function of its arguments.
 */
import { InvalidInputError } from '../errors.js';
import type { HealthStatus, LiveObject } from '../health/health.types.js';
import { formatId, idOf } from '../inventory/inventory.js';
import { FLOTILLA_ANNOTATIONS } from './flotilla-marks.js';
import {
  helmDeletePolicies,
  helmHookOf,
  helmHookWeight,
  HELM_HOOK_ANNOTATIONS,
  type SyncMode,
} from './helm-hooks.js';

/** The phases a hook can run at. */
export const HOOK_PHASES = ['PreSync', 'PostSync', 'SyncFail'] as const;
/** A phase a hook runs at. */
export type HookPhase = (typeof HOOK_PHASES)[number];

/** When a hook object is deleted. */
export const HOOK_DELETE_POLICIES = ['BeforeHookCreation', 'HookSucceeded'] as const;
/** One hook deletion policy. */
export type HookDeletePolicy = (typeof HOOK_DELETE_POLICIES)[number];

/** One or more objects carry a hook or hook-delete-policy annotation that is not understood. */
export class InvalidHookError extends InvalidInputError {
  constructor(readonly objects: { id: string; message: string }[]) {
    super(`invalid hook annotations: ${objects.map((o) => `${o.id}: ${o.message}`).join(', ')}`, { objects });
  }
}

/** A hook of one phase, and the syncs it runs on (Flotilla's own hooks: every sync). */
export interface PhaseHook<T extends LiveObject> {
  object: T;
  runsOn: readonly SyncMode[];
}

/** An object of the bundle that is neither applied nor run, and why (for the job result). */
export interface LeftOut<T extends LiveObject> {
  object: T;
  reason: string;
}

/** A bundle split into the objects applied in waves, the hooks of each phase, and what is left out. */
export interface SplitBundle<T extends LiveObject> {
  objects: T[];
  /** Each phase's hooks in run order: `helm.sh/hook-weight`, then bundle order. */
  hooks: Record<HookPhase, PhaseHook<T>[]>;
  /** Helm hooks with no Flotilla phase (delete, rollback, test): never applied. */
  dropped: LeftOut<T>[];
}

/** The hooks one sync runs, by phase, and the hooks it does not run (install-only on an upgrade…). */
export interface SyncHooks<T extends LiveObject> {
  hooks: Record<HookPhase, T[]>;
  skipped: LeftOut<T>[];
}

const raw = (obj: LiveObject, key: string): string | undefined => {
  const value = obj.metadata.annotations?.[key];
  return typeof value === 'string' ? value.trim() : undefined;
};

function hookProblem(obj: LiveObject): string | null {
  const phase = raw(obj, FLOTILLA_ANNOTATIONS.hook);
  if (phase !== undefined && !(HOOK_PHASES as readonly string[]).includes(phase))
    return `${FLOTILLA_ANNOTATIONS.hook} must be one of ${HOOK_PHASES.join(', ')}, not ${JSON.stringify(phase)}`;
  const policy = raw(obj, FLOTILLA_ANNOTATIONS.hookDeletePolicy);
  if (policy !== undefined) {
    const bad = policy
      .split(',')
      .filter((p) => !(HOOK_DELETE_POLICIES as readonly string[]).includes(p.trim()));
    if (bad.length > 0)
      return `${FLOTILLA_ANNOTATIONS.hookDeletePolicy} must list ${HOOK_DELETE_POLICIES.join(', ')}, not ${JSON.stringify(bad.join(','))}`;
  }
  const timeout = raw(obj, FLOTILLA_ANNOTATIONS.healthTimeout);
  if (timeout !== undefined && !/^\d+$/.test(timeout))
    return `${FLOTILLA_ANNOTATIONS.healthTimeout} must be a whole number of seconds, not ${JSON.stringify(timeout)}`;
  return null;
}

/**
 * Checks every object's hook annotations (what {@link splitHooks} checks first).
 * @throws InvalidHookError naming every object with an unknown phase, delete policy or health timeout.
 */
export function assertValidHooks(bundle: readonly LiveObject[]): void {
  const problems = bundle
    .map((obj) => ({ id: formatId(idOf(obj)), message: hookProblem(obj) }))
    .filter((p): p is { id: string; message: string } => p.message !== null);
  if (problems.length > 0) throw new InvalidHookError(problems);
}

/** Whether {@link splitHooks} leaves the object out: a Helm hook with no Flotilla phase (delete, rollback, test). */
export function isLeftOutHook(obj: LiveObject): boolean {
  return raw(obj, FLOTILLA_ANNOTATIONS.hook) === undefined && helmHookOf(obj).kind === 'dropped';
}

const EVERY_SYNC: readonly SyncMode[] = ['install', 'upgrade'];

/**
 * Takes the hooks out of a bundle, by phase: `flotilla.io/hook`, else `helm.sh/hook` as mapped in
 * helm-hooks.ts (Helm hooks without a Flotilla phase are left out). Within a phase hooks run by
 * `helm.sh/hook-weight`, lowest first, then in bundle order.
 * @throws InvalidHookError naming every object with an unknown phase, delete policy or
 * health timeout, so a typo never turns a migration Job into an ordinary (re-applied) object.
 */
export function splitHooks<T extends LiveObject>(bundle: readonly T[]): SplitBundle<T> {
  assertValidHooks(bundle);
  const split: SplitBundle<T> = {
    objects: [],
    hooks: { PreSync: [], PostSync: [], SyncFail: [] },
    dropped: [],
  };
  for (const obj of bundle) {
    const phase = raw(obj, FLOTILLA_ANNOTATIONS.hook) as HookPhase | undefined;
    if (phase) {
      split.hooks[phase].push({ object: obj, runsOn: EVERY_SYNC });
      continue;
    }
    const helm = helmHookOf(obj);
    if (helm.kind === 'none') split.objects.push(obj);
    else if (helm.kind === 'dropped') split.dropped.push({ object: obj, reason: helm.reason });
    else
      for (const p of HOOK_PHASES) {
        const runsOn = EVERY_SYNC.filter((mode) => (helm.runs[mode] as string[]).includes(p));
        if (runsOn.length > 0) split.hooks[p].push({ object: obj, runsOn });
      }
  }
  // Array.prototype.sort is stable: equal weights keep the bundle's order.
  for (const p of HOOK_PHASES)
    split.hooks[p].sort((a, b) => helmHookWeight(a.object) - helmHookWeight(b.object));
  return split;
}

/**
 * The hooks this sync runs: those of each phase that run on `mode`. A hook that runs at no
 * phase of this sync (a Helm `pre-install` hook on an upgrade) is listed as skipped, once.
 */
export function hooksFor<T extends LiveObject>(split: SplitBundle<T>, mode: SyncMode): SyncHooks<T> {
  const hooks: Record<HookPhase, T[]> = { PreSync: [], PostSync: [], SyncFail: [] };
  const running = new Set<T>();
  const idle = new Map<T, readonly SyncMode[]>();
  for (const p of HOOK_PHASES)
    for (const { object, runsOn } of split.hooks[p]) {
      if (runsOn.includes(mode)) {
        hooks[p].push(object);
        running.add(object);
      } else idle.set(object, runsOn);
    }
  const skipped = [...idle.keys()]
    .filter((object) => !running.has(object))
    .map((object) => ({
      object,
      reason:
        `not run: Helm hook ${JSON.stringify(raw(object, HELM_HOOK_ANNOTATIONS.hook))} runs only on ` +
        `${mode === 'install' ? 'an upgrade' : 'the first sync (install)'}, and this sync is ` +
        `${mode === 'install' ? 'the first (install)' : 'an upgrade'}`,
    }));
  return { hooks, skipped };
}

/**
 * The hook's delete policies: `flotilla.io/hook-delete-policy`, else Helm's mapped
 * (helm-hooks.ts), else BeforeHookCreation.
 */
export function hookDeletePolicies(obj: LiveObject): Set<HookDeletePolicy> {
  const policy = raw(obj, FLOTILLA_ANNOTATIONS.hookDeletePolicy);
  if (policy) return new Set(policy.split(',').map((p) => p.trim() as HookDeletePolicy));
  return new Set(helmDeletePolicies(obj) ?? ['BeforeHookCreation']);
}

/**
 * How long the agent waits for these objects to become Current: the largest
 * `flotilla.io/health-timeout` among them (seconds), else the agent's default.
 */
export function healthTimeoutMs(objects: readonly LiveObject[], defaultMs: number): number {
  const given = objects
    .map((obj) => raw(obj, FLOTILLA_ANNOTATIONS.healthTimeout))
    .filter((t): t is string => t !== undefined && /^\d+$/.test(t))
    .map((t) => Number(t) * 1000);
  return given.length > 0 ? Math.max(...given) : defaultMs;
}

/**
 * Whether the agent waits for a wave to be Current before going on. Only between waves that
 * exist: the Namespace/CRD wave keeps its own "Established" wait, and the last wave is waited
 * on only when something follows it (PostSync hooks), so a bundle without sync waves or hooks
 * is not slowed down at all.
 */
export function waveIsGated(
  index: number,
  count: number,
  foundation: boolean,
  waitAfterLast: boolean,
): boolean {
  if (foundation) return false;
  return index < count - 1 || waitAfterLast;
}

/** The health of one object of a wave, as last read from the API server. */
export interface WaveMember {
  id: string;
  status: HealthStatus;
  message: string;
}

/** Where a gated wave stands. */
export type WaveVerdict =
  | { state: 'done' }
  | { state: 'waiting'; pending: WaveMember }
  | { state: 'failed'; member: WaveMember; reason: string };

/**
 * Judges a gated wave: done when every member is Current; failed at once when one is Failed
 * (kstatus: it will not get there without a change), or when the timeout passed with one
 * still not Current; waiting otherwise. The failure names the object and its health message.
 */
export function judgeWave(members: readonly WaveMember[], elapsedMs: number, timeoutMs: number): WaveVerdict {
  const broken = members.find((m) => m.status === 'Failed');
  if (broken) return { state: 'failed', member: broken, reason: `${broken.id} failed: ${broken.message}` };
  const pending = members.find((m) => m.status !== 'Current');
  if (!pending) return { state: 'done' };
  if (elapsedMs >= timeoutMs)
    return {
      state: 'failed',
      member: pending,
      reason: `${pending.id} not healthy after ${Math.round(timeoutMs / 1000)} s (${pending.status}: ${pending.message})`,
    };
  return { state: 'waiting', pending };
}

/** Delay before the next health read: 100 ms doubling to at most 2 s. */
export function pollDelayMs(attempt: number): number {
  return Math.min(2000, 100 * 2 ** Math.min(attempt, 5));
}
