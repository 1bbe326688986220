import { describe, expect, it } from 'vitest';
import { chainHash, GENESIS_HASH, verifyChainBatch, type AuditEventContent } from './audit-chain.js';

const event = (seq: number, details: Record<string, unknown> = {}): AuditEventContent => ({
  seq,
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
  actor: { type: 'token', id: 't1', name: 'alice' },
  action: 'cluster.registered',
  clusterId: null,
  repositoryId: null,
  applicationId: null,
  revision: null,
  resource: null,
  details,
});

function chain(n: number) {
  let prev = GENESIS_HASH;
  return Array.from({ length: n }, (_, i) => {
    const e = event(i + 1, { i });
    const hash = chainHash(prev, e);
    const row = { ...e, prevHash: prev, hash };
    prev = hash;
    return row;
  });
}

describe('audit hash chain', () => {
  it('is deterministic and independent of key order', () => {
    const a = chainHash(GENESIS_HASH, event(1, { a: 1, b: 2 }));
    expect(chainHash(GENESIS_HASH, event(1, { b: 2, a: 1 }))).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts an intact chain', () => {
    expect(verifyChainBatch(GENESIS_HASH, chain(5)).verdict).toEqual({ ok: true, checked: 5 });
  });

  it('finds an edited event', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2], details: { i: 99 } };
    expect(verifyChainBatch(GENESIS_HASH, rows).verdict).toMatchObject({
      ok: false,
      brokenAt: 3,
      checked: 2,
    });
  });

  it('finds a removed event', () => {
    const rows = chain(5);
    rows.splice(1, 1);
    expect(verifyChainBatch(GENESIS_HASH, rows).verdict).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('ignores stored hash fields when hashing a row', () => {
    const [row] = chain(1);
    expect(chainHash(GENESIS_HASH, row)).toBe(row.hash);
  });
});

describe('canonical JSON', () => {
  it('keeps a "__proto__" key as an ordinary member', async () => {
    const { canonicalJson } = await import('./canonical-json.js');
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1},"a":2}'))).toBe(
      '{"__proto__":{"x":1},"a":2,"b":1}',
    );
  });
});
