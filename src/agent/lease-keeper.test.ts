import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobLeaseV1, JobV1 } from '../protocol/v1/agent-protocol.js';
import { HubRejectedError, HubUnavailableError } from './hub-client.js';
import { LeaseKeeper } from './lease-keeper.js';

const job = (leaseSeconds?: number) => ({ id: 'j1', ...(leaseSeconds ? { leaseSeconds } : {}) }) as JobV1;

/** A hub whose answer to each renewal the test chooses. */
function hub(answer: () => Promise<JobLeaseV1>) {
  const calls: string[] = [];
  return {
    calls,
    renewLease: (id: string) => {
      calls.push(id);
      return answer();
    },
  };
}
const granted = () => Promise.resolve({ leaseExpiresAt: new Date().toISOString(), leaseSeconds: 30 });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LeaseKeeper', () => {
  it('renews every third of the lease until stopped', async () => {
    const h = hub(granted);
    const lease = new LeaseKeeper(h, pino({ level: 'silent' })).keep(job(30));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(h.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(20_001);
    expect(h.calls).toEqual(['j1', 'j1', 'j1']);
    lease.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.calls).toHaveLength(3);
  });

  it('sends nothing when the hub gave no lease length (a hub without renewal)', async () => {
    const h = hub(granted);
    new LeaseKeeper(h, pino({ level: 'silent' })).keep(job());
    await vi.advanceTimersByTimeAsync(600_000);
    expect(h.calls).toEqual([]);
  });

  it('stops after a refusal, and keeps trying while the hub is unreachable', async () => {
    let refuse = false;
    const h = hub(() =>
      Promise.reject(refuse ? new HubRejectedError(409, 'not leased') : new HubUnavailableError('down')),
    );
    new LeaseKeeper(h, pino({ level: 'silent' })).keep(job(3));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.calls).toHaveLength(3);
    refuse = true;
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.calls).toHaveLength(4);
  });
});
