import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkpointDue,
  checkpointSignatureValid,
  compareCheckpoint,
  signCheckpoint,
} from './audit-checkpoint.js';
import {
  CHAIN_KEYED_ACTION,
  CHAIN_START,
  chainHash,
  finishChain,
  GENESIS_HASH,
  keyedChainHash,
  walkChain,
  type AuditEventContent,
  type StoredAuditEvent,
} from './audit-chain.js';

const KEY = randomBytes(32);

const event = (
  seq: number,
  details: Record<string, unknown> = {},
  action = 'cluster.registered',
): AuditEventContent => ({
  seq,
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
  actor: { type: 'token', id: 't1', name: 'alice' },
  action,
  clusterId: null,
  repositoryId: null,
  applicationId: null,
  revision: null,
  resource: null,
  details,
});

/** `plain` events under the old rule (at the given seqs), then the keyed marker and `keyed` more. */
function chain(plainSeqs: number[], keyed: number, key = KEY): StoredAuditEvent[] {
  let prev = GENESIS_HASH;
  const rows: StoredAuditEvent[] = [];
  const push = (e: AuditEventContent, k: boolean) => {
    const hash = k ? keyedChainHash(key, prev, e) : chainHash(prev, e);
    rows.push({ ...e, prevHash: prev, hash });
    prev = hash;
  };
  for (const s of plainSeqs) push(event(s, { s }), false);
  let seq = (plainSeqs.at(-1) ?? 0) + 1;
  push(event(seq++, {}, CHAIN_KEYED_ACTION), true);
  for (let i = 0; i < keyed; i++) push(event(seq++, { i }), true);
  return rows;
}

/** Re-hashes rows from index `from` on with the plain rule (or a guessed key), as an attacker would. */
function rehash(rows: StoredAuditEvent[], from: number, key?: Buffer): StoredAuditEvent[] {
  const out = rows.slice(0, from);
  let prev = from === 0 ? GENESIS_HASH : rows[from - 1].hash;
  for (const r of rows.slice(from)) {
    const hash = key ? keyedChainHash(key, prev, r) : chainHash(prev, r);
    out.push({ ...r, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

const verify = (rows: StoredAuditEvent[]) => {
  const w = walkChain(KEY, CHAIN_START, rows);
  return w.broken ?? finishChain(w.cursor, rows[0]?.seq ?? null);
};

describe('audit hash chain', () => {
  it('is deterministic and independent of key order', () => {
    const a = keyedChainHash(KEY, GENESIS_HASH, event(1, { a: 1, b: 2 }));
    expect(keyedChainHash(KEY, GENESIS_HASH, event(1, { b: 2, a: 1 }))).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(GENESIS_HASH, event(1, { b: 2, a: 1 }))).toBe(
      chainHash(GENESIS_HASH, event(1, { a: 1, b: 2 })),
    );
    expect(a).not.toBe(chainHash(GENESIS_HASH, event(1, { a: 1, b: 2 })));
  });

  it('hashes a project only when an event has one, so events from before projects still verify', () => {
    const before = keyedChainHash(KEY, GENESIS_HASH, event(1, { a: 1 }));
    // A stored row of those days reads back with a null project: the same content, the same hash.
    expect(keyedChainHash(KEY, GENESIS_HASH, { ...event(1, { a: 1 }), projectId: null })).toBe(before);
    const withProject = { ...event(1, { a: 1 }), projectId: '00000000-0000-4000-8000-000000000001' };
    const hash = keyedChainHash(KEY, GENESIS_HASH, withProject);
    expect(hash).not.toBe(before);
    // Moving an event to another project (or dropping its project) breaks its link.
    const rows: StoredAuditEvent[] = [...chain([], 0)];
    const marker = rows[0];
    const e = { ...withProject, seq: 2 };
    rows.push({ ...e, prevHash: marker.hash, hash: keyedChainHash(KEY, marker.hash, e) });
    expect(verify(rows)).toBeNull();
    expect(
      verify([marker, { ...rows[1], projectId: '00000000-0000-4000-8000-000000000002' }])?.brokenAt,
    ).toBe(2);
    expect(verify([marker, { ...rows[1], projectId: null }])?.brokenAt).toBe(2);
  });

  it('accepts an intact chain: plain events (with gaps the old writer left), then keyed ones', () => {
    const rows = chain([1, 2, 4], 3);
    const w = walkChain(KEY, CHAIN_START, rows);
    expect(w.broken).toBeNull();
    expect(w.cursor).toMatchObject({ checked: 7, keyedFrom: 5, lastSeq: 8, lastHash: rows[6].hash });
    expect(finishChain(w.cursor, 1)).toBeNull();
    expect(verify(chain([], 2))).toBeNull();
    expect(verify([])).toBeNull();
  });

  it('continues across batches', () => {
    const rows = chain([1, 2], 5);
    const a = walkChain(KEY, CHAIN_START, rows.slice(0, 4));
    const b = walkChain(KEY, a.cursor, rows.slice(4));
    expect(b.broken).toBeNull();
    expect(b.cursor.checked).toBe(rows.length);
  });

  it('finds an edited event', () => {
    const rows = chain([], 4);
    rows[2] = { ...rows[2], details: { i: 99 } };
    expect(verify(rows)).toMatchObject({ brokenAt: 3, reason: expect.stringMatching(/keyed hash/) });
    const plain = chain([1, 2, 3], 1);
    plain[1] = { ...plain[1], details: { s: 99 } };
    expect(verify(plain)).toEqual({ brokenAt: 2, reason: 'event content does not match its hash' });
  });

  it('finds a removed event, and names the gap', () => {
    const rows = chain([], 4);
    rows.splice(2, 1);
    expect(verify(rows)).toEqual({ brokenAt: 4, reason: 'events are missing: seq 4 follows seq 2' });
  });

  it('refuses keyed events re-hashed with the plain rule or a guessed key', () => {
    const rows = chain([1, 2], 4);
    rows[4] = { ...rows[4], details: { name: 'forged' } };
    expect(verify(rehash(rows, 4))).toMatchObject({ brokenAt: 5 });
    expect(verify(rehash(rows, 4, randomBytes(32)))).toMatchObject({ brokenAt: 5 });
  });

  it('refuses a downgrade: the marker removed and everything re-hashed with the plain rule', () => {
    const rows = chain([1, 2], 3).filter((r) => r.action !== CHAIN_KEYED_ACTION);
    const renumbered = rows.map((r, i) => ({ ...r, seq: i + 1 }));
    expect(verify(rehash(renumbered, 0))).toEqual({
      brokenAt: 1,
      reason: `no ${CHAIN_KEYED_ACTION} event: the chain is not protected by the audit key`,
    });
  });

  it('refuses a rewrite of the plain prefix: the keyed marker seals the hash before it', () => {
    const rows = chain([1, 2, 3], 2);
    rows[0] = { ...rows[0], details: { s: 'forged' } };
    const forged = [...rehash(rows.slice(0, 3), 0), ...rows.slice(3)];
    expect(verify(forged)).toMatchObject({ brokenAt: 4, reason: expect.stringMatching(/previous-hash/) });
  });

  it('ignores stored hash fields when hashing a row', () => {
    const [row] = chain([], 0);
    expect(keyedChainHash(KEY, GENESIS_HASH, row)).toBe(row.hash);
  });
});

describe('audit checkpoints', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const base = { seq: 42, hash: 'a'.repeat(64), createdAt: new Date('2026-11-27T10:00:00.000Z') };

  it('signs with Ed25519 and verifies with the public key only', () => {
    const c = signCheckpoint(privateKey, base);
    expect(checkpointSignatureValid(publicKey, c)).toBe(true);
    expect(checkpointSignatureValid(publicKey, { ...c, hash: 'b'.repeat(64) })).toBe(false);
    expect(checkpointSignatureValid(publicKey, { ...c, seq: 41 })).toBe(false);
    expect(checkpointSignatureValid(generateKeyPairSync('ed25519').publicKey, c)).toBe(false);
    expect(checkpointSignatureValid(publicKey, { ...c, signature: 'not base64!' })).toBe(false);
  });

  it('is due after `every` events or `intervalMs`, only when the head moved', () => {
    const p = { every: 10, intervalMs: 60_000 };
    const last = { seq: 100, createdAt: new Date(0) };
    expect(checkpointDue(p, null, null, new Date(0))).toBe(false);
    expect(checkpointDue(p, 1, null, new Date(0))).toBe(true);
    expect(checkpointDue(p, 105, last, new Date(1_000))).toBe(false);
    expect(checkpointDue(p, 110, last, new Date(1_000))).toBe(true);
    expect(checkpointDue(p, 101, last, new Date(60_000))).toBe(true);
    expect(checkpointDue(p, 100, last, new Date(600_000))).toBe(false);
  });

  it('compares a checkpoint with the chain', () => {
    expect(compareCheckpoint(base, base.hash, 50)).toEqual({ ok: true });
    expect(compareCheckpoint(base, 'c'.repeat(64), 50)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/rewritten/),
    });
    expect(compareCheckpoint(base, null, 40)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/ends at seq 40.*removed/),
    });
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

describe('SSO user actors', () => {
  it('hash an actor without groups exactly as before groups existed', () => {
    const e = event(1);
    // The canonical body of events written before SSO: the actor has three fields, in this order.
    const before =
      '{"action":"cluster.registered","actor":{"id":"t1","name":"alice","type":"token"},"applicationId":null,' +
      '"clusterId":null,"details":{},"occurredAt":"2026-01-01T00:00:01.000Z","repositoryId":null,"resource":null,' +
      '"revision":null,"seq":1}';
    expect(chainHash(GENESIS_HASH, e)).toBe(
      createHash('sha256').update(GENESIS_HASH).update('\n').update(before).digest('hex'),
    );
  });

  it('seal the groups of a user actor: changing them breaks the link', () => {
    const user = {
      type: 'user' as const,
      id: 'https://idp#alice',
      name: 'alice@example.com',
      groups: ['platform'],
    };
    const e = { ...event(1), actor: user };
    const hash = keyedChainHash(KEY, GENESIS_HASH, e);
    expect(
      keyedChainHash(KEY, GENESIS_HASH, { ...e, actor: { ...user, groups: ['platform', 'admins'] } }),
    ).not.toBe(hash);
    expect(keyedChainHash(KEY, GENESIS_HASH, { ...e, actor: { ...user, groups: undefined } })).not.toBe(hash);
  });
});
