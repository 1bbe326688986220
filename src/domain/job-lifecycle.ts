/**
 * The life of a reconcile job, as one pure transition function: the hub's dispatch service
 * applies it to every change of a job's state, so the rules live here and nowhere else.
 *
 * States (stored as they are named):
 * - `queued`: waiting for its cluster's agent. A job whose `notBefore` lies ahead is
 *   *retry-scheduled* (a retryable failure waits out the backoff); one put back by the
 *   sweeper after its lease expired is due at once (the lease itself was the wait).
 * - `leased`: an agent holds it until `leaseExpiresAt`.
 * - `succeeded`, `failed`: finished. A job that failed because its agent stayed silent past
 *   the lease on its last attempt is *expired* (outcome `expired`, state `failed`).
 * - `superseded`: a newer job for the same (application, cluster) was queued before this one
 *   was leased.
 *
 * Finished and superseded jobs are history: every event on them is refused.
 */

/** A job's stored state. */
export type JobState = 'queued' | 'leased' | 'succeeded' | 'failed' | 'superseded';

/** Every stored state, for the database's check constraint and validation. */
export const JOB_STATES: readonly JobState[] = ['queued', 'leased', 'succeeded', 'failed', 'superseded'];

/** What a job does: apply a bundle, or remove what an application put on a cluster. */
export type JobKind = 'sync' | 'remove';

/** How long an agent holds a job before the hub may hand it out again, unless configured. */
export const JOB_LEASE_MS = 120_000;

/** When a lease of `leaseMs` granted at `now` ends. */
export function leaseUntil(now: Date, leaseMs: number = JOB_LEASE_MS): Date {
  return new Date(now.getTime() + leaseMs);
}

/** Attempts (leases) a job gets before a retryable failure or a silent agent fails it. */
export const DEFAULT_MAX_ATTEMPTS = 5;

const RETRY_BASE_MS = 5_000;
const RETRY_CAP_MS = 300_000;

/** Backoff after the `attempts`-th attempt failed retryably: 5 s, 10 s, 20 s … capped at 5 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1), RETRY_CAP_MS);
}

/** The fields of a job the lifecycle reads. */
export interface JobSnapshot {
  state: JobState;
  kind: JobKind;
  attempts: number;
  maxAttempts: number;
  notBefore: Date;
  leaseExpiresAt: Date | null;
}

/** Something that happens to a job. */
export type JobEvent =
  /** An agent asks for work. */
  | { type: 'lease'; leaseMs?: number }
  /** The agent reports the attempt's outcome. */
  | { type: 'result'; outcome: 'succeeded' }
  | { type: 'result'; outcome: 'failed'; retryable: boolean; message?: string }
  /** The sweeper found the lease past its end without a result. */
  | { type: 'lease-expired' }
  /** A newer job for the same (application, cluster) is being queued. */
  | { type: 'superseded' }
  /** The agent holding the lease is still working on the job (long waves, hooks). */
  | { type: 'renew'; leaseMs?: number };

/** What a transition meant, for the audit trail and logs (finer than the stored state). */
export type JobOutcome =
  | 'queued'
  | 'leased'
  | 'renewed'
  | 'succeeded'
  | 'failed'
  | 'retry-scheduled'
  | 'requeued'
  | 'expired'
  | 'superseded';

/** The job's fields after a transition. */
export interface JobChange {
  state: JobState;
  outcome: JobOutcome;
  attempts: number;
  notBefore: Date;
  leaseExpiresAt: Date | null;
  /** Why the job failed (or why its last attempt did, when it is retried); null otherwise. */
  error: string | null;
  /** The job goes back to the queue for another attempt. */
  willRetry: boolean;
  /** A removal job reached its end (either way): its application's deletion may finish. */
  finishesRemoval: boolean;
}

/** Why an event was refused; the job is left as it was. */
export type JobRefusalReason =
  /** The job is finished or superseded: it is history (e.g. a late result of an old attempt). */
  | 'finished'
  /** Only a queued job can be leased or superseded. */
  | 'not-queued'
  /** The job is retry-scheduled and not due yet. */
  | 'not-due'
  /** Only a leased job's lease can expire. */
  | 'not-leased'
  /** The lease has not ended yet. */
  | 'lease-live';

/** A refused event, with a message a caller may see. */
export interface JobRefusal {
  reason: JobRefusalReason;
  message: string;
}

/** The result of `transition`: the next fields, or a refusal. */
export type JobTransition = { ok: true; change: JobChange } | { ok: false; refusal: JobRefusal };

const FINISHED: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'superseded']);

/** Whether a job in this state will never change again. */
export function isFinished(state: JobState): boolean {
  return FINISHED.has(state);
}

/** The fields of a job being queued now. */
export function queuedJob(now: Date): Pick<
  JobChange,
  'state' | 'attempts' | 'notBefore' | 'leaseExpiresAt' | 'error'
> & {
  maxAttempts: number;
} {
  return {
    state: 'queued',
    attempts: 0,
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
    notBefore: now,
    leaseExpiresAt: null,
    error: null,
  };
}

/** The message of a job failed because its agent stayed silent through every lease. */
export function leaseExpiredMessage(attempts: number): string {
  return `agent did not report within its lease, ${attempts} times`;
}

const refuse = (reason: JobRefusalReason, message: string): JobTransition => ({
  ok: false,
  refusal: { reason, message },
});

/**
 * The next state of `job` after `event` at `now`, or why the event does not apply.
 *
 * - lease: queued and due → leased, one more attempt, lease until `now + JOB_LEASE_MS`.
 * - result succeeded: leased or queued → succeeded. A result for a job the sweeper put back
 *   in the queue is still the truth about that job, so it is taken.
 * - result failed: retryable with attempts left → queued after `retryDelayMs(attempts)`
 *   (retry-scheduled); otherwise failed.
 * - lease expired: leased past its end → queued at once while attempts remain (requeued),
 *   else failed (expired).
 * - superseded: queued → superseded. A leased job runs to its end: the agent applies jobs of
 *   one application in order, so the newer job follows it.
 * - renew: leased → leased until `now + leaseMs`, never earlier than the lease already runs. A
 *   lease past its end that the sweeper has not taken back yet is still the agent's (nobody
 *   else holds the job), so it too can be renewed; a queued job (taken back) cannot: it may be
 *   handed out again, and the agent's result is still taken when it comes.
 *   Which cluster may renew is the caller's check: the job snapshot does not name it.
 */
export function transition(job: JobSnapshot, event: JobEvent, now: Date): JobTransition {
  if (isFinished(job.state))
    return refuse('finished', `the job is already ${job.state}; it does not change any more`);
  const base = {
    attempts: job.attempts,
    notBefore: job.notBefore,
    leaseExpiresAt: null,
    willRetry: false,
  };
  const ends = (state: JobState) => job.kind === 'remove' && isFinished(state);
  switch (event.type) {
    case 'lease': {
      if (job.state !== 'queued') return refuse('not-queued', `only a queued job can be leased`);
      if (job.notBefore > now)
        return refuse('not-due', `the job is scheduled for ${job.notBefore.toISOString()}`);
      return {
        ok: true,
        change: {
          ...base,
          state: 'leased',
          outcome: 'leased',
          attempts: job.attempts + 1,
          leaseExpiresAt: leaseUntil(now, event.leaseMs),
          error: null,
          finishesRemoval: false,
        },
      };
    }
    case 'result': {
      if (event.outcome === 'succeeded')
        return {
          ok: true,
          change: {
            ...base,
            state: 'succeeded',
            outcome: 'succeeded',
            error: null,
            finishesRemoval: ends('succeeded'),
          },
        };
      const error = event.message ?? 'failed';
      if (event.retryable && job.attempts < job.maxAttempts)
        return {
          ok: true,
          change: {
            ...base,
            state: 'queued',
            outcome: 'retry-scheduled',
            notBefore: new Date(now.getTime() + retryDelayMs(job.attempts)),
            error,
            willRetry: true,
            finishesRemoval: false,
          },
        };
      return {
        ok: true,
        change: { ...base, state: 'failed', outcome: 'failed', error, finishesRemoval: ends('failed') },
      };
    }
    case 'lease-expired': {
      if (job.state !== 'leased') return refuse('not-leased', 'only a leased job can have its lease expire');
      if (!job.leaseExpiresAt || job.leaseExpiresAt >= now)
        return refuse('lease-live', 'the lease has not ended yet');
      if (job.attempts < job.maxAttempts)
        return {
          ok: true,
          change: {
            ...base,
            state: 'queued',
            outcome: 'requeued',
            notBefore: now,
            error: null,
            willRetry: true,
            finishesRemoval: false,
          },
        };
      return {
        ok: true,
        change: {
          ...base,
          state: 'failed',
          outcome: 'expired',
          error: leaseExpiredMessage(job.attempts),
          finishesRemoval: ends('failed'),
        },
      };
    }
    case 'renew': {
      if (job.state !== 'leased') return refuse('not-leased', 'only a leased job can have its lease renewed');
      const until = leaseUntil(now, event.leaseMs);
      const leaseExpiresAt = job.leaseExpiresAt && job.leaseExpiresAt > until ? job.leaseExpiresAt : until;
      return {
        ok: true,
        change: {
          ...base,
          state: 'leased',
          outcome: 'renewed',
          leaseExpiresAt,
          error: null,
          finishesRemoval: false,
        },
      };
    }
    case 'superseded': {
      if (job.state !== 'queued') return refuse('not-queued', 'only a queued job can be superseded');
      return {
        ok: true,
        change: { ...base, state: 'superseded', outcome: 'superseded', error: null, finishesRemoval: false },
      };
    }
  }
}
