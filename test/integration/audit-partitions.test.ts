import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditCheckpointService } from '../../src/hub/audit/audit-checkpoint.service.js';
import { AuditPartitionService } from '../../src/hub/audit/audit-partition.service.js';
import { AuditService } from '../../src/hub/audit/audit.service.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

/**
 * The monthly partitions of the audit trail on a real hub and Postgres. The hub's clock starts in
 * August 2026 and is moved forward, so events fall in several months: the chain must verify across
 * their boundaries, and still verify once retention has detached the oldest months.
 */

let now = new Date('2026-08-20T12:00:00Z');
const clock = { now: () => new Date(now) };
let h: TestHub;

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'), {}, { clock });
});
afterAll(async () => {
  await h?.close();
});

async function attached(): Promise<string[]> {
  const rows = await h.sql<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'audit_events'::regclass ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

async function cluster(name: string, at: string): Promise<void> {
  now = new Date(at);
  expect((await h.api('POST', '/api/v1/clusters', { body: { name } })).status).toBe(201);
}

describe('audit partitions', () => {
  it('makes the current month and the next three at start', async () => {
    const names = await attached();
    for (const m of ['202608', '202609', '202610', '202611']) expect(names).toContain(`audit_events_p${m}`);
  });

  it('puts each event in its month and verifies the chain across month boundaries', async () => {
    await cluster('aug-1', '2026-08-20T12:00:01Z');
    await cluster('aug-2', '2026-08-31T23:59:59.900Z');
    await cluster('sep-1', '2026-09-01T00:00:00.100Z');
    await cluster('oct-1', '2026-10-10T08:00:00Z');
    await cluster('nov-1', '2026-11-05T08:00:00Z');
    const perMonth = await h.sql<{ part: string; n: number }>(
      `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM audit_events GROUP BY 1 ORDER BY 1`,
    );
    expect(perMonth).toEqual([
      // marker, bootstrap token, aug-1, aug-2
      { part: 'audit_events_p202608', n: 4 },
      { part: 'audit_events_p202609', n: 1 },
      { part: 'audit_events_p202610', n: 1 },
      { part: 'audit_events_p202611', n: 1 },
    ]);
    const v = await h.api('GET', '/api/v1/audit/verify');
    expect(v.body).toMatchObject({ ok: true, checked: 7, headSeq: 7, verifiedFrom: null });
    // The filters read across months, newest first.
    const page = await h.api('GET', '/api/v1/audit?action=cluster.*&limit=2');
    expect(page.body.items.map((e: { details: { name: string } }) => e.details.name)).toEqual([
      'nov-1',
      'oct-1',
    ]);
    const next = await h.api('GET', `/api/v1/audit?action=cluster.*&limit=2&cursor=${page.body.nextCursor}`);
    expect(next.body.items.map((e: { details: { name: string } }) => e.details.name)).toEqual([
      'sep-1',
      'aug-2',
    ]);
  });

  it('exports a filtered range as JSON Lines, oldest first, across months', async () => {
    const res = await fetch(`${h.url}/api/v1/audit/export?action=cluster.*&since=2026-08-31T00:00:00Z`, {
      headers: { authorization: `Bearer ${h.adminToken}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await res.text()).split('\n');
    expect(lines.pop()).toBe('');
    const events = lines.map(
      (l) => JSON.parse(l) as { seq: string; details: { name: string }; hash: string },
    );
    expect(events.map((e) => e.details.name)).toEqual(['aug-2', 'sep-1', 'oct-1', 'nov-1']);
    expect(events.map((e) => e.seq)).toEqual(['4', '5', '6', '7']);
    // The same events the list shows, with their hashes (a verifier can re-check them).
    const listed = await h.api('GET', '/api/v1/audit?action=cluster.*&since=2026-08-31T00:00:00Z');
    expect([...listed.body.items].reverse()).toEqual(events);
    // Read in keyset batches: a batch of 2 pages through the months without repeating or skipping.
    const lines2: string[] = [];
    for await (const chunk of await h.hub.app.get(AuditService).export({}, 2)) lines2.push(chunk);
    expect(lines2).toHaveLength(4);
    expect(
      lines2
        .join('')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { seq: string }).seq),
    ).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    // until is exclusive; a project nobody has matches nothing.
    const until = await h.api('GET', '/api/v1/audit/export?until=2026-09-01T00:00:00.100Z');
    expect(until.text.trim().split('\n')).toHaveLength(4);
    expect((await h.api('GET', '/api/v1/audit/export?project=nobody')).text).toBe('');
  });

  it('refuses a bad export filter with 400 naming it', async () => {
    for (const [q, msg] of [
      ['since=yesterday', /since must be an ISO 8601 date-time/],
      ['until=0.5', /until must be an ISO 8601 date-time/],
      ['cluster=nope', /cluster must be a UUID/],
      ['action=Bad!', /action must be an action name/],
      ['limit=10', /property limit should not exist/],
      ['revision=a%00b', /"statusCode":400/], // a NUL byte: a JSON error, not a cut stream
    ] as const) {
      const r = await h.api('GET', `/api/v1/audit/export?${q}`);
      expect(r.status, q).toBe(400);
      expect(JSON.stringify(r.body), q).toMatch(msg);
    }
  });

  it('refuses TRUNCATE of a single month, as of the whole trail', async () => {
    await expect(h.sql('TRUNCATE audit_events_p202609')).rejects.toThrow(/append-only: TRUNCATE refused/);
    await expect(h.sql('DELETE FROM audit_events_p202609')).rejects.toThrow(/append-only: DELETE refused/);
  });

  it('retention detaches the months past the window, audits it, and verify starts from its checkpoint', async () => {
    expect(await h.api('GET', '/api/v1/audit/checkpoints')).toMatchObject({ body: { items: [] } });
    now = new Date('2026-12-15T10:00:00Z');
    const detached = await h.hub.app.get(AuditPartitionService).applyRetention(2);
    expect(detached).toEqual([
      { partition: 'audit_events_p202608', events: 4, lastSeq: '4', lastHash: expect.any(String) },
      { partition: 'audit_events_p202609', events: 1, lastSeq: '5', lastHash: expect.any(String) },
    ]);
    const names = await attached();
    expect(names).not.toContain('audit_events_p202608');
    expect(names).not.toContain('audit_events_p202609');
    expect(names).toContain('audit_events_p202610');
    // Kept as tables for the schema owner to archive, and still append-only.
    expect(await h.sql('SELECT count(*)::int AS n FROM audit_events_p202608')).toEqual([{ n: 4 }]);
    await expect(h.sql('DELETE FROM audit_events_p202608')).rejects.toThrow(/append-only: DELETE refused/);

    const events = await h.api('GET', '/api/v1/audit?action=audit.partition.detached');
    expect(events.body.items.map((e: { details: Record<string, unknown> }) => e.details)).toEqual([
      expect.objectContaining({ partition: 'audit_events_p202609', events: 1, firstSeq: '5', lastSeq: '5' }),
      expect.objectContaining({
        partition: 'audit_events_p202608',
        events: 4,
        firstSeq: '1',
        lastSeq: '4',
        from: '2026-08-01T00:00:00.000Z',
        to: '2026-09-01T00:00:00.000Z',
        retentionMonths: 2,
      }),
    ]);
    // A signed checkpoint at the last event of each detached month.
    const cps = await h.api('GET', '/api/v1/audit/checkpoints');
    expect(cps.body.items.map((c: { seq: string }) => c.seq)).toEqual(['5', '4']);

    const v = await h.api('GET', '/api/v1/audit/verify');
    expect(v.body).toMatchObject({
      ok: true,
      checked: 4, // oct-1, nov-1 and the two detachment events
      headSeq: 9,
      verifiedFrom: { seq: 5, hash: detached[1].lastHash },
    });
    // An external checkpoint inside the kept chain is still checked; one before it cannot be.
    const head = v.body.headHash as string;
    expect((await h.api('GET', `/api/v1/audit/verify?checkpoint=9:${head}`)).body).toMatchObject({
      ok: true,
      checkpoint: { ok: true },
    });
    expect((await h.api('GET', `/api/v1/audit/verify?checkpoint=2:${'a'.repeat(64)}`)).body).toMatchObject({
      ok: false,
      checkpoint: { ok: false, reason: expect.stringMatching(/before the verified part/) },
    });

    // A later pass has nothing more to do.
    expect(await h.hub.app.get(AuditPartitionService).applyRetention(2)).toEqual([]);
  });

  it('verifies incrementally from the newest checkpoint', async () => {
    await cluster('dec-1', '2026-12-16T10:00:00Z');
    expect(await h.hub.app.get(AuditCheckpointService).tick(true)).toMatchObject({ seq: '10' });
    await cluster('dec-2', '2026-12-17T10:00:00Z');
    const v = await h.api('GET', '/api/v1/audit/verify?from=latest-checkpoint');
    expect(v.body).toMatchObject({ ok: true, checked: 1, headSeq: 11, verifiedFrom: { seq: 10 } });
    expect((await h.api('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true, checked: 6 });
  });

  it('fails verify when old events are gone without a checkpoint where the kept chain starts', async () => {
    // The owner detaches a month by hand, bypassing retention: no checkpoint at its last event.
    await h.sql(`SELECT audit_events_detach_partition('audit_events_p202610')`);
    const v = await h.api('GET', '/api/v1/audit/verify');
    expect(v.body).toMatchObject({ ok: false, brokenAt: 7 });
    expect(v.body.reason).toMatch(/no signed checkpoint at seq 6 marks where the kept chain starts/);
  });

  it('the database refuses to detach the current month or a table that is not a month of the trail', async () => {
    await expect(
      h.sql(`SELECT audit_events_detach_partition('audit_events_p${ym(new Date())}')`),
    ).rejects.toThrow(/the current month is never detached/);
    await expect(h.sql(`SELECT audit_events_detach_partition('clusters')`)).rejects.toThrow(
      /not a partition of audit_events/,
    );
  });

  it('makes months ahead as time passes, and a write past them still lands', async () => {
    now = new Date('2027-05-02T00:00:00Z');
    await h.hub.app.get(AuditPartitionService).ensureAhead();
    for (const m of ['202705', '202706', '202707', '202708'])
      expect(await attached()).toContain(`audit_events_p${m}`);
    await cluster('far', '2028-01-03T00:00:00Z');
    expect(await attached()).toContain('audit_events_p202801');
  });

  it('rejects an unknown verify mode with 400', async () => {
    const r = await h.api('GET', '/api/v1/audit/verify?from=yesterday');
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/from must be start or latest-checkpoint/);
  });
});

function ym(t: Date): string {
  return `${t.getUTCFullYear()}${String(t.getUTCMonth() + 1).padStart(2, '0')}`;
}
