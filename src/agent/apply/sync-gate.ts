/**
 * The waiting parts of a sync: a gated wave is re-read from the API server until every object
 * is Current (or one fails, or time runs out), and hooks are created, awaited and deleted by
 * their policy. The verdicts themselves are the domain's (sync-phases.ts, health.ts).
 */
import {
  healthTimeoutMs,
  hookDeletePolicies,
  judgeWave,
  pollDelayMs,
  type HookPhase,
  type WaveMember,
} from '../../domain/apply/sync-phases.js';
import { assessHealth } from '../../domain/health/health.js';
import type { CustomHealth } from '../../domain/health/custom-health.js';
import type { LiveObject } from '../../domain/health/health.types.js';
import type { HookResultV1 } from '../../protocol/v1/agent-protocol.js';
import type { ClusterClient } from '../cluster/cluster-client.js';
import { asClusterError, idText, waitGone } from './apply-steps.js';
import { refOf } from './prune.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A gated wave's end: every object Current, or the one that was not and why. */
export type WaveWait =
  | { ok: true; live: Map<string, LiveObject> }
  | { ok: false; id: string; reason: string; live: Map<string, LiveObject> };

/**
 * Polls the objects (with backoff) until all are Current, one is Failed, or the wave's timeout
 * (`flotilla.io/health-timeout` or the default) passed. Returns the last copies read, so the
 * report shows the health the decision was made on.
 */
export async function waitWaveHealthy(
  client: ClusterClient,
  objects: readonly LiveObject[],
  defaultTimeoutMs: number,
  health?: CustomHealth,
): Promise<WaveWait> {
  const timeoutMs = healthTimeoutMs(objects, defaultTimeoutMs);
  const started = Date.now();
  const live = new Map<string, LiveObject>();
  for (let attempt = 0; ; attempt++) {
    const members: WaveMember[] = [];
    for (const obj of objects) {
      const current = await client.get(refOf(obj));
      if (current) live.set(idText(obj), current);
      members.push({ id: idText(obj), ...assessHealth(current, health) });
    }
    const verdict = judgeWave(members, Date.now() - started, timeoutMs);
    if (verdict.state === 'done') return { ok: true, live };
    if (verdict.state === 'failed') return { ok: false, id: verdict.member.id, reason: verdict.reason, live };
    await sleep(pollDelayMs(attempt));
  }
}

/** Timing of hook runs. */
export interface HookTiming {
  /** Default time a hook may take to become Current (succeed). */
  healthTimeoutMs: number;
  /** Time a deleted previous hook object may take to be gone. */
  deleteTimeoutMs: number;
  /** The job's custom health checks, if it carries any. */
  health?: CustomHealth;
}

/**
 * Runs the hooks of one phase one after the other, in bundle order: deletes a previous object
 * of the same name (BeforeHookCreation), creates it, waits for it to become Current (a Job
 * that completed) or Failed, and deletes it after success when asked (HookSucceeded). Stops at
 * the first failure: a hook after a failed one does not run.
 */
export async function runHooks(
  client: ClusterClient,
  phase: HookPhase,
  hooks: readonly LiveObject[],
  timing: HookTiming,
): Promise<{ ok: boolean; results: HookResultV1[] }> {
  const results: HookResultV1[] = [];
  for (const hook of hooks) {
    const result = await runHook(client, phase, hook, timing);
    results.push(result);
    if (result.outcome === 'failed') return { ok: false, results };
  }
  return { ok: true, results };
}

async function runHook(
  client: ClusterClient,
  phase: HookPhase,
  hook: LiveObject,
  timing: HookTiming,
): Promise<HookResultV1> {
  const resource = idText(hook);
  const policies = hookDeletePolicies(hook);
  const failure = (message: string): HookResultV1 => ({ phase, resource, outcome: 'failed', message });
  try {
    if (policies.has('BeforeHookCreation') && (await client.get(refOf(hook)))) {
      // Background: a Job's pods go with it; waiting for the Job itself is enough to recreate it.
      await client.delete(refOf(hook), { propagation: 'Background' });
      await waitGone(client, hook, timing.deleteTimeoutMs);
    }
    await client.apply(hook);
  } catch (e) {
    return failure(asClusterError(e).message);
  }
  const wait = await waitWaveHealthy(client, [hook], timing.healthTimeoutMs, timing.health).catch(
    (e: unknown) => ({
      ok: false as const,
      reason: asClusterError(e).message,
    }),
  );
  if (!wait.ok) return failure(wait.reason);
  const message = assessHealth(
    ('live' in wait ? wait.live.get(resource) : undefined) ?? null,
    timing.health,
  ).message;
  if (policies.has('HookSucceeded')) {
    try {
      await client.delete(refOf(hook), { propagation: 'Background' });
    } catch (e) {
      return {
        phase,
        resource,
        outcome: 'succeeded',
        message: `${message}; not deleted: ${asClusterError(e).message}`,
      };
    }
  }
  return { phase, resource, outcome: 'succeeded', message };
}
