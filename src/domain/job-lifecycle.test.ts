import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_ATTEMPTS,
  JOB_LEASE_MS,
  JOB_STATES,
  type JobEvent,
  type JobSnapshot,
  type JobState,
  isFinished,
  leaseExpiredMessage,
  queuedJob,
  retryDelayMs,
  transition,
} from './job-lifecycle.js';

const NOW = new Date('2026-11-28T00:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);

const job = (over: Partial<JobSnapshot> = {}): JobSnapshot => ({
  state: 'queued',
  kind: 'sync',
  attempts: 0,
  maxAttempts: 5,
  notBefore: NOW,
  leaseExpiresAt: null,
  ...over,
});

const LEASE: JobEvent = { type: 'lease' };
const OK: JobEvent = { type: 'result', outcome: 'succeeded' };
const RETRYABLE: JobEvent = { type: 'result', outcome: 'failed', retryable: true, message: 'conflict' };
const FATAL: JobEvent = { type: 'result', outcome: 'failed', retryable: false, message: 'bad manifest' };
const EXPIRED: JobEvent = { type: 'lease-expired' };
const SUPERSEDED: JobEvent = { type: 'superseded' };
const RENEW: JobEvent = { type: 'renew' };
const leased = (over: Partial<JobSnapshot> = {}) =>
  job({ state: 'leased', attempts: 1, leaseExpiresAt: at(-1), ...over });

describe('transition: accepted events', () => {
  it.each<[string, JobSnapshot, JobEvent, Record<string, unknown>]>([
    [
      'lease a due queued job',
      job(),
      LEASE,
      { state: 'leased', outcome: 'leased', attempts: 1, leaseExpiresAt: at(JOB_LEASE_MS), error: null },
    ],
    [
      'lease a requeued job whose retry time has come',
      job({ attempts: 2, notBefore: at(-10) }),
      LEASE,
      { state: 'leased', attempts: 3, leaseExpiresAt: at(JOB_LEASE_MS) },
    ],
    [
      'a leased sync job succeeds',
      leased(),
      OK,
      { state: 'succeeded', outcome: 'succeeded', error: null, willRetry: false, finishesRemoval: false },
    ],
    [
      'a leased removal job succeeds and may finish the deletion',
      leased({ kind: 'remove' }),
      OK,
      { state: 'succeeded', finishesRemoval: true },
    ],
    [
      'a result for a job the sweeper requeued is still taken',
      job({ attempts: 1 }),
      OK,
      { state: 'succeeded', outcome: 'succeeded' },
    ],
    [
      'a retryable failure with attempts left is retry-scheduled after the backoff',
      leased({ attempts: 2 }),
      RETRYABLE,
      {
        state: 'queued',
        outcome: 'retry-scheduled',
        notBefore: at(10_000),
        leaseExpiresAt: null,
        error: 'conflict',
        willRetry: true,
        finishesRemoval: false,
      },
    ],
    [
      'a retryable failure of a removal job with attempts left does not finish the deletion',
      leased({ kind: 'remove' }),
      RETRYABLE,
      { state: 'queued', finishesRemoval: false },
    ],
    [
      'a retryable failure on the last attempt fails the job',
      leased({ attempts: 5 }),
      RETRYABLE,
      { state: 'failed', outcome: 'failed', error: 'conflict', willRetry: false },
    ],
    [
      'a failure that is not retryable fails the job at once',
      leased(),
      FATAL,
      { state: 'failed', outcome: 'failed', error: 'bad manifest', finishesRemoval: false },
    ],
    [
      'a failure without a message says failed',
      leased(),
      { type: 'result', outcome: 'failed', retryable: false },
      { state: 'failed', error: 'failed' },
    ],
    [
      'a failed removal job finishes the deletion',
      leased({ kind: 'remove' }),
      FATAL,
      { state: 'failed', finishesRemoval: true },
    ],
    [
      'an expired lease with attempts left goes back to the queue, due at once',
      leased({ attempts: 2 }),
      EXPIRED,
      {
        state: 'queued',
        outcome: 'requeued',
        notBefore: NOW,
        leaseExpiresAt: null,
        willRetry: true,
        attempts: 2,
      },
    ],
    [
      'an expired lease on the last attempt expires the job',
      leased({ attempts: 5 }),
      EXPIRED,
      { state: 'failed', outcome: 'expired', error: leaseExpiredMessage(5), finishesRemoval: false },
    ],
    [
      'an expired removal job finishes the deletion',
      leased({ kind: 'remove', attempts: 5 }),
      EXPIRED,
      { state: 'failed', outcome: 'expired', finishesRemoval: true },
    ],
    ['a queued job is superseded', job(), SUPERSEDED, { state: 'superseded', outcome: 'superseded' }],
    [
      'a retry-scheduled job is superseded',
      job({ attempts: 1, notBefore: at(60_000) }),
      SUPERSEDED,
      { state: 'superseded', finishesRemoval: false },
    ],
    [
      'renewing a live lease extends it from now, keeping the attempt count',
      leased({ attempts: 3, leaseExpiresAt: at(10_000) }),
      RENEW,
      {
        state: 'leased',
        outcome: 'renewed',
        attempts: 3,
        leaseExpiresAt: at(JOB_LEASE_MS),
        willRetry: false,
      },
    ],
    [
      'a lease past its end not yet taken back can still be renewed',
      leased({ leaseExpiresAt: at(-5_000) }),
      { type: 'renew', leaseMs: 3_000 },
      { state: 'leased', outcome: 'renewed', leaseExpiresAt: at(3_000) },
    ],
    [
      'a renewal never shortens a lease',
      leased({ leaseExpiresAt: at(600_000) }),
      { type: 'renew', leaseMs: 1_000 },
      { state: 'leased', leaseExpiresAt: at(600_000) },
    ],
    [
      'a queued removal job superseded by a newer job does not finish the deletion',
      job({ kind: 'remove' }),
      SUPERSEDED,
      { state: 'superseded', finishesRemoval: false },
    ],
  ])('%s', (_name, before, event, expected) => {
    const t = transition(before, event, NOW);
    expect(t.ok).toBe(true);
    if (t.ok) expect(t.change).toMatchObject(expected);
  });
});

describe('transition: refused events leave the job as it was', () => {
  const finished: JobState[] = ['succeeded', 'failed', 'superseded'];
  const everyEvent = [LEASE, OK, RETRYABLE, FATAL, EXPIRED, SUPERSEDED, RENEW];
  it.each(finished.flatMap((state) => everyEvent.map((e) => [state, e] as const)))(
    'a %s job refuses %o as finished',
    (state, event) => {
      const t = transition(job({ state, attempts: 1 }), event, NOW);
      expect(t).toEqual({
        ok: false,
        refusal: { reason: 'finished', message: expect.stringContaining(state) },
      });
    },
  );

  it.each<[string, JobSnapshot, JobEvent, string]>([
    ['leasing a leased job', leased(), LEASE, 'not-queued'],
    ['leasing a retry-scheduled job before its time', job({ notBefore: at(1) }), LEASE, 'not-due'],
    ['expiring a queued job', job(), EXPIRED, 'not-leased'],
    ['expiring a lease that has not ended', leased({ leaseExpiresAt: at(1) }), EXPIRED, 'lease-live'],
    ['expiring a lease that ends right now', leased({ leaseExpiresAt: NOW }), EXPIRED, 'lease-live'],
    ['superseding a leased job (it runs to its end)', leased(), SUPERSEDED, 'not-queued'],
    ['renewing a queued job (its lease was taken back)', job({ attempts: 1 }), RENEW, 'not-leased'],
  ])('%s', (_name, before, event, reason) => {
    const t = transition(before, event, NOW);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.refusal.reason).toBe(reason);
  });
});

describe('retryDelayMs', () => {
  it.each([
    [0, 5_000],
    [1, 5_000],
    [2, 10_000],
    [3, 20_000],
    [4, 40_000],
    [5, 80_000],
    [6, 160_000],
    [7, 300_000],
    [20, 300_000],
  ])('after attempt %i waits %i ms', (attempts, ms) => {
    expect(retryDelayMs(attempts)).toBe(ms);
  });
});

describe('queuedJob and states', () => {
  it('a new job is queued, due now, with no attempt made', () => {
    expect(queuedJob(NOW)).toEqual({
      state: 'queued',
      attempts: 0,
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      notBefore: NOW,
      leaseExpiresAt: null,
      error: null,
    });
  });

  it.each(JOB_STATES.map((s) => [s, s === 'succeeded' || s === 'failed' || s === 'superseded']))(
    '%s is finished: %s',
    (state, finished) => {
      expect(isFinished(state)).toBe(finished);
    },
  );
});
