import { createHash, createHmac, createPublicKey, randomBytes, verify as verifySignature } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditCheckpointService } from '../../src/hub/audit/audit-checkpoint.service.js';
import { canonicalJson } from '../../src/domain/canonical-json.js';
import { createDataSource, runMigrations } from '../../src/hub/database/data-source.js';
import { createTestDatabase, startTestHub, type TestHub } from '../support/hub-harness.js';

/**
 * The audit trail against its database owner: someone who can switch the append-only trigger
 * off and rewrite rows at will, but does not hold the audit key.
 */

interface Row {
  seq: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string;
  actor_name: string;
  action: string;
  cluster_id: string | null;
  repository_id: string | null;
  application_id: string | null;
  revision: string | null;
  resource: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** The link an attacker recomputes: the documented body, under sha256 or an HMAC with a guessed key. */
function forgeHash(prev: string, r: Row, guessedKey?: Buffer): string {
  const body = canonicalJson({
    seq: Number(r.seq),
    occurredAt: r.occurred_at.toISOString(),
    actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
    action: r.action,
    clusterId: r.cluster_id,
    repositoryId: r.repository_id,
    applicationId: r.application_id,
    revision: r.revision,
    resource: r.resource,
    details: r.details,
  });
  const h = guessedKey ? createHmac('sha256', guessedKey) : createHash('sha256');
  return h.update(prev).update('\n').update(body).digest('hex');
}

/** The hub the helpers below talk to. */
let h: TestHub;
let main: TestHub;
let viewer: string;

async function rows(): Promise<Row[]> {
  return h.sql<Row>('SELECT * FROM audit_events ORDER BY seq');
}

async function makeEvents(prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await h.api('POST', '/api/v1/clusters', { body: { name: `${prefix}-${i}` } });
    expect(res.status).toBe(201);
  }
}

/** As the owner: trigger off, run the statements, trigger on. */
async function asOwner(...statements: [string, unknown[]?][]): Promise<void> {
  await h.sql('ALTER TABLE audit_events DISABLE TRIGGER USER');
  try {
    for (const [sql, params] of statements) await h.sql(sql, params);
  } finally {
    await h.sql('ALTER TABLE audit_events ENABLE TRIGGER USER');
  }
}

/** The attack of the issue: rewrite event `seq`, re-hash every later one, drop the newest. */
async function rewriteAndRehash(seq: number, guessedKey?: Buffer): Promise<void> {
  const all = await rows();
  const i = all.findIndex((r) => Number(r.seq) === seq);
  all[i] = { ...all[i], details: { ...all[i].details, name: 'forged' } };
  const kept = all.slice(0, -1);
  let prev = all[i - 1].hash;
  const updates: [string, unknown[]][] = [];
  for (const r of kept.slice(i)) {
    const hash = forgeHash(prev, r, guessedKey);
    updates.push([
      'UPDATE audit_events SET details = $2, prev_hash = $3, hash = $4 WHERE seq = $1',
      [r.seq, r.details, prev, hash],
    ]);
    prev = hash;
  }
  await asOwner(['DELETE FROM audit_events WHERE seq = $1', [all.at(-1)!.seq]], ...updates);
}

async function verify(query = ''): Promise<any> {
  const res = await h.api('GET', `/api/v1/audit/verify${query}`);
  expect(res.status).toBe(200);
  return res.body;
}

beforeAll(async () => {
  main = h = await startTestHub(inject('postgresUrl'), { FLOTILLA_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0' });
  viewer = await h.token('viewer');
});
afterAll(async () => {
  await main?.close();
});

describe('audit integrity against the database owner', () => {
  it('signs checkpoints that anyone can check with the published public key', async () => {
    await makeEvents('cp', 3);
    const cp = await h.hub.app.get(AuditCheckpointService).tick(true);
    expect(cp).not.toBeNull();
    const head = (await rows()).at(-1)!;
    expect(cp).toMatchObject({ seq: head.seq, hash: head.hash });

    const key = await h.api('GET', '/api/v1/audit/checkpoints/public-key', { token: null });
    expect(key.status).toBe(200);
    expect(key.body.algorithm).toBe('Ed25519');
    const list = await h.api('GET', '/api/v1/audit/checkpoints', { token: viewer });
    expect(list.status).toBe(200);
    expect(list.body.publicKey).toEqual(key.body);
    const [c] = list.body.items;
    expect(c).toEqual(cp);
    // The documented message, rebuilt here: an external verifier needs nothing from the hub's code.
    const message = Buffer.from(`flotilla-audit-checkpoint/v1\n${c.seq}\n${c.hash}\n${c.createdAt}`);
    const pub = createPublicKey(key.body.publicKey);
    expect(verifySignature(null, message, pub, Buffer.from(c.signature, 'base64'))).toBe(true);
    const other = Buffer.from(`flotilla-audit-checkpoint/v1\n${c.seq}\n${'0'.repeat(64)}\n${c.createdAt}`);
    expect(verifySignature(null, other, pub, Buffer.from(c.signature, 'base64'))).toBe(false);

    // The same checkpoint went to the log as a structured line, to be shipped elsewhere.
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.auditCheckpoint?.seq === c.seq);
    expect(line).toMatchObject({ msg: 'audit checkpoint', auditCheckpoint: c });
    expect(await verify()).toMatchObject({ ok: true, checkpointsChecked: 1 });
  });

  it('pages checkpoints newest first with a cursor', async () => {
    const checkpoints = h.hub.app.get(AuditCheckpointService);
    for (let i = 0; i < 3; i++) {
      await makeEvents(`page-${i}`, 1);
      expect(await checkpoints.tick(true)).not.toBeNull();
    }
    // Nothing new since the last one: no checkpoint.
    expect(await checkpoints.tick(true)).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.api('GET', `/api/v1/audit/checkpoints?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((c: { seq: string }) => c.seq));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => b - a));
    expect((await h.api('GET', '/api/v1/audit/checkpoints?cursor=garbage')).status).toBe(400);
    expect((await h.api('GET', '/api/v1/audit/checkpoints?limit=0')).status).toBe(400);
  });

  it('accepts a matching external checkpoint and reports one the chain does not match', async () => {
    const [, second] = await rows();
    const good = await verify(`?checkpoint=${second.seq}:${second.hash}`);
    expect(good).toMatchObject({ ok: true, checkpoint: { seq: Number(second.seq), ok: true } });
    const wrong = await verify(`?checkpoint=${second.seq}:${'f'.repeat(64)}`);
    expect(wrong).toMatchObject({
      ok: false,
      brokenAt: Number(second.seq),
      checkpoint: { ok: false, reason: expect.stringMatching(/rewritten/) },
    });
  });

  it('catches a rewrite re-hashed with plain sha256, with the newest event dropped', async () => {
    const before = await rows();
    const kept = before.at(-2)!; // an outside copy of a checkpoint at a seq the attacker keeps
    await rewriteAndRehash(Number(before[3].seq));
    const v = await verify(`?checkpoint=${kept.seq}:${kept.hash}`);
    expect(v).toMatchObject({
      ok: false,
      brokenAt: Number(before[3].seq),
      reason: 'event content does not match its keyed hash (HMAC)',
      checkpoint: { ok: false },
    });
  });
});

describe('more attacks, each on a fresh hub', () => {
  let fresh: TestHub | undefined;
  const start = async () => {
    fresh = await startTestHub(inject('postgresUrl'), { FLOTILLA_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0' });
    h = fresh;
    await makeEvents('x', 6);
    return fresh;
  };
  afterEach(async () => {
    await fresh?.close();
    fresh = undefined;
  });

  it('catches a rewrite re-hashed with a guessed key', async () => {
    await start();
    await rewriteAndRehash(4, randomBytes(32));
    expect(await verify()).toMatchObject({ ok: false, brokenAt: 4, reason: expect.stringMatching(/HMAC/) });
  });

  it('catches a downgrade: the keyed marker removed, all renumbered and re-hashed with sha256', async () => {
    await start();
    const all = (await rows()).filter((r) => r.action !== 'audit.chain.keyed');
    let prev = '0'.repeat(64);
    const statements: [string, unknown[]][] = [['DELETE FROM audit_events', []]];
    all.forEach((r, i) => {
      const renumbered = { ...r, seq: String(i + 1) };
      const hash = forgeHash(prev, renumbered);
      statements.push([
        `INSERT INTO audit_events (seq, occurred_at, actor_type, actor_id, actor_name, action, cluster_id,
           repository_id, application_id, revision, resource, details, prev_hash, hash)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
        [
          renumbered.seq,
          r.occurred_at,
          r.actor_type,
          r.actor_id,
          r.actor_name,
          r.action,
          r.cluster_id,
          r.repository_id,
          r.application_id,
          r.revision,
          r.resource,
          r.details,
          prev,
          hash,
        ],
      ]);
      prev = hash;
    });
    await asOwner(...statements);
    expect(await verify()).toMatchObject({
      ok: false,
      reason: 'no audit.chain.keyed event: the chain is not protected by the audit key',
    });
  });

  it('reports a gap in seq', async () => {
    await start();
    await asOwner(['DELETE FROM audit_events WHERE seq = 4']);
    expect(await verify()).toMatchObject({
      ok: false,
      brokenAt: 5,
      checked: 3,
      reason: 'events are missing: seq 5 follows seq 3',
    });
  });

  it('catches dropped newest events against a stored checkpoint, and against an external one when the stored ones are gone too', async () => {
    const hub = await start();
    const cp = (await hub.hub.app.get(AuditCheckpointService).tick(true))!;
    await asOwner([`DELETE FROM audit_events WHERE seq > ${Number(cp.seq) - 2}`]);
    expect(await verify()).toMatchObject({
      ok: false,
      brokenAt: Number(cp.seq),
      reason: expect.stringMatching(/stored checkpoint: the chain ends at seq \d+, before the checkpoint/),
    });
    await h.sql('ALTER TABLE audit_checkpoints DISABLE TRIGGER USER');
    await h.sql('DELETE FROM audit_checkpoints');
    expect(await verify()).toMatchObject({ ok: true });
    expect(await verify(`?checkpoint=${cp.seq}:${cp.hash}`)).toMatchObject({
      ok: false,
      brokenAt: Number(cp.seq),
      reason: expect.stringMatching(/^checkpoint mismatch: the chain ends at seq/),
    });
  });

  it('refuses to sign a checkpoint over a rewritten chain', async () => {
    const hub = await start();
    await rewriteAndRehash(3);
    expect(await hub.hub.app.get(AuditCheckpointService).tick(true)).toBeNull();
    expect(hub.logs.join('\n')).toMatch(/audit chain broken at seq 3 .*no checkpoint signed/);
  });
});

describe('switching an existing trail to the keyed rule, and replicas', () => {
  const key = randomBytes(32).toString('base64');
  const hubs: TestHub[] = [];
  let databaseUrl: string;
  afterAll(async () => {
    for (const x of hubs) await x.close();
  });

  it('keeps events of the plain rule verifiable and keys everything after a marker', async () => {
    databaseUrl = await createTestDatabase(inject('postgresUrl'));
    const ds = createDataSource(databaseUrl, { poolSize: 2 });
    await ds.initialize();
    try {
      await runMigrations(ds);
      // What the previous hub wrote: a plain sha256 chain, with a gap a rolled-back write left.
      let prev = '0'.repeat(64);
      for (const seq of ['1', '2', '4']) {
        const r = {
          seq,
          occurred_at: new Date(Date.UTC(2026, 10, 1, 0, 0, Number(seq))),
          actor_type: 'system',
          actor_id: 'system',
          actor_name: 'system',
          action: 'cluster.registered',
          cluster_id: null,
          repository_id: null,
          application_id: null,
          revision: null,
          resource: null,
          details: { old: seq },
          prev_hash: prev,
          hash: '',
        };
        r.hash = forgeHash(prev, r);
        await ds.query(
          `INSERT INTO audit_events (seq, occurred_at, actor_type, actor_id, actor_name, action, details, prev_hash, hash)
           VALUES ($1, $2, 'system', 'system', 'system', 'cluster.registered', $3, $4, $5)`,
          [seq, r.occurred_at, r.details, prev, r.hash],
        );
        prev = r.hash;
      }
    } finally {
      await ds.destroy();
    }
    const a = await startTestHub(inject('postgresUrl'), {
      DATABASE_URL: databaseUrl,
      FLOTILLA_AUDIT_KEY: key,
      FLOTILLA_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
    });
    hubs.push(a);
    h = a;
    const marker = (await rows())[3];
    expect(marker).toMatchObject({ seq: '5', action: 'audit.chain.keyed', details: { plainUpToSeq: 4 } });
    await makeEvents('after', 2);
    expect(await verify()).toMatchObject({ ok: true, checked: 7, keyedFrom: 5, headSeq: 8 });
  });

  it('refuses to start a replica whose audit key differs from the one the chain was keyed with', async () => {
    await expect(
      startTestHub(inject('postgresUrl'), {
        DATABASE_URL: databaseUrl,
        FLOTILLA_AUDIT_KEY: randomBytes(32).toString('hex'),
      }),
    ).rejects.toThrow(/keyed \(event 5\) with another audit key/);
  });

  it('replicas sharing the key write one chain and take each checkpoint once', async () => {
    const b = await startTestHub(inject('postgresUrl'), {
      DATABASE_URL: databaseUrl,
      FLOTILLA_AUDIT_KEY: key,
      FLOTILLA_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
    });
    hubs.push(b);
    const created = await Promise.all(
      hubs.map((x, i) =>
        // The first hub's admin token: the second one found tokens already there.
        x.api('POST', '/api/v1/clusters', { token: hubs[0].adminToken, body: { name: `replica-${i}` } }),
      ),
    );
    expect(created.map((r) => r.status)).toEqual([201, 201]);
    const taken = await Promise.all(hubs.map((x) => x.hub.app.get(AuditCheckpointService).tick(true)));
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(await h.sql('SELECT seq FROM audit_checkpoints')).toHaveLength(1);
    expect(await verify()).toMatchObject({ ok: true, checkpointsChecked: 1, headSeq: 10 });
  });
});
