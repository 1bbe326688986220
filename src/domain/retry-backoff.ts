/**
 * How long a client waits before trying again after a failure: doubling from `baseMs` up to
 * `maxMs`, with "equal jitter" — half the step fixed, half random — so a thousand agents that
 * lost the hub at the same instant do not all come back at the same instant (a thundering
 * herd on a hub that has just restarted), while none waits less than half the step.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** The wait before retry number `attempt` (0 for the first retry); `random` is in [0, 1). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: number): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.round(step / 2 + (step / 2) * Math.min(Math.max(random, 0), 1));
}
