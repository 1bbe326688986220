/**
 * The scaling model of docs/scaling.md, as code: costs measured at one fleet size predict the
 * figures at another. Every cost is per agent or per job, so the model is linear in N; what it
 * checks is that nothing grows faster (a scan per call, a lock everyone queues on).
 */

/** What one bench run measured at N agents. */
export interface Calibration {
  n: number;
  registrationS: number;
  /** Share of one core, N agents idle (long-polls parked, heartbeats). */
  idleHub: number;
  idlePg: number;
  /** The same with no agent at all (timers, sweeper): what does not grow with N. */
  idleHubBase: number;
  idlePgBase: number;
  /** Commit → every agent acknowledged, 99th percentile. */
  p99S: number;
  /** CPU seconds per job (deliver, bundle fetch, result). */
  perJobHubS: number;
  perJobPgS: number;
  /** Hub RSS before any agent, and at its peak with N. */
  hubBaseMiB: number;
  hubRssMiB: number;
}

/** What the model says for N agents. */
export interface Prediction {
  registrationS: number;
  idleHub: number;
  idlePg: number;
  p99S: number;
  hubRssMiB: number;
}

/**
 * Registration and idle cost (above what an empty hub uses) scale with N at the calibrated per-agent rate; the commit's p99 is
 * N jobs × the hub's CPU per job at the utilisation the calibration run reached (the hub's event
 * loop is one thread: at most one core per replica); memory is the base plus a per-agent share.
 */
export function predict(c: Calibration, n: number): Prediction {
  const k = n / c.n;
  const utilisation = Math.min(1, (c.n * c.perJobHubS) / c.p99S);
  return {
    registrationS: c.registrationS * k,
    idleHub: c.idleHubBase + (c.idleHub - c.idleHubBase) * k,
    idlePg: c.idlePgBase + (c.idlePg - c.idlePgBase) * k,
    p99S: (n * c.perJobHubS) / utilisation,
    hubRssMiB: c.hubBaseMiB + (c.hubRssMiB - c.hubBaseMiB) * k,
  };
}
