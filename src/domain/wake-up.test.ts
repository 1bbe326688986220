import { describe, expect, it } from 'vitest';
import { HEALTH_CHECKS_CHANGED, MAX_WAKE_PAYLOAD_BYTES, readWakePayload, wakePayloads } from './wake-up.js';

const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

describe('wake-ups between replicas', () => {
  it('a change of a cluster is its bare id, one payload each, as every hub version reads it', () => {
    expect(wakePayloads('cluster', [id(1), id(2), id(1)])).toEqual([id(1), id(2)]);
    expect(readWakePayload(id(1))).toEqual({ kind: 'cluster', clusterIds: [id(1)] });
  });

  it('work and previews for many clusters are batched under the NOTIFY size limit, each id once', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => id(i));
    const payloads = wakePayloads('work', [...ids, ...ids.slice(0, 50)]);
    expect(payloads.length).toBe(Math.ceil(10_000 / Math.floor(MAX_WAKE_PAYLOAD_BYTES / 37)));
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_WAKE_PAYLOAD_BYTES);
    const read = payloads.map(readWakePayload);
    expect(read.every((w) => w?.kind === 'work')).toBe(true);
    expect(read.flatMap((w) => (w && 'clusterIds' in w ? w.clusterIds : []))).toEqual(ids);
    expect(readWakePayload(wakePayloads('previews', [id(3)])[0])).toEqual({
      kind: 'previews',
      clusterIds: [id(3)],
    });
  });

  it('nothing to announce sends nothing; an empty or id-less payload names nothing', () => {
    expect(wakePayloads('work', [])).toEqual([]);
    expect(readWakePayload('')).toBeNull();
    expect(readWakePayload('w:')).toBeNull();
    expect(readWakePayload('p:,,')).toBeNull();
  });

  it("the hub's health rules changing names no cluster", () => {
    expect(readWakePayload(HEALTH_CHECKS_CHANGED)).toEqual({ kind: 'health-checks' });
  });
});
