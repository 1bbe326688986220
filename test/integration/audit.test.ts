import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditService } from '../../src/hub/audit/audit.service.js';
import { UnitOfWork } from '../../src/hub/database/unit-of-work.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

let h: TestHub;
beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
});
afterAll(async () => {
  await h?.close();
});

async function actions(): Promise<string[]> {
  const rows = await h.sql<{ action: string }>('SELECT action FROM audit_events ORDER BY seq');
  return rows.map((r) => r.action);
}

describe('audit trail', () => {
  it('records every mutation with actor, ids and what changed', async () => {
    const op = await h.api('POST', '/api/v1/tokens', { body: { name: 'alice', role: 'operator' } });
    const as = { token: op.body.token as string };
    const c = (
      await h.api('POST', '/api/v1/clusters', { ...as, body: { name: 'audited', labels: { env: 'dev' } } })
    ).body;
    await h.api('PATCH', '/api/v1/clusters/audited', { ...as, body: { labels: { env: 'prod' } } });
    await h.api('POST', `/api/v1/clusters/${c.id}/registration-token`, as);
    const r = (
      await h.api('POST', '/api/v1/repositories', {
        ...as,
        body: { name: 'audited', type: 'git', url: 'https://g.example.com/a.git' },
      })
    ).body;
    await h.api('PATCH', '/api/v1/repositories/audited', { ...as, body: { branch: 'release' } });
    await h.api('DELETE', '/api/v1/repositories/audited', as);
    await h.api('DELETE', '/api/v1/clusters/audited', as);
    await h.api('DELETE', `/api/v1/tokens/${op.body.id}`);

    expect(await actions()).toEqual([
      'audit.chain.keyed', // the hub keys the chain before anything else is written
      'token.created', // bootstrap admin
      'token.created',
      'cluster.registered',
      'cluster.updated',
      'cluster.registration-token-issued',
      'repository.created',
      'repository.updated',
      'repository.deleted',
      'cluster.deleted',
      'token.revoked',
    ]);
    const byCluster = await h.api('GET', `/api/v1/audit?cluster=${c.id}`);
    expect(byCluster.body.items.map((e: { action: string }) => e.action)).toEqual([
      'cluster.deleted',
      'cluster.registration-token-issued',
      'cluster.updated',
      'cluster.registered',
    ]);
    const updated = byCluster.body.items[2];
    expect(updated.actor).toEqual({ type: 'token', id: op.body.id, name: 'alice' });
    expect(updated.details).toMatchObject({
      before: { labels: { env: 'dev' } },
      after: { labels: { env: 'prod' } },
    });
    const byRepo = await h.api('GET', `/api/v1/audit?repository=${r.id}&action=repository.updated`);
    expect(byRepo.body.items[0].details.before.branch).toBe('main');
    expect(byRepo.body.items[0].details.after.branch).toBe('release');
  });

  it('writes nothing for a failed or rolled-back mutation', async () => {
    const before = (await actions()).length;
    await h.api('POST', '/api/v1/clusters', { body: { name: 'once' } });
    expect((await h.api('POST', '/api/v1/clusters', { body: { name: 'once' } })).status).toBe(409);
    expect((await h.api('PATCH', '/api/v1/clusters/nope', { body: { labels: {} } })).status).toBe(404);
    expect((await h.api('POST', '/api/v1/clusters', { body: { name: 'BAD' } })).status).toBe(400);
    expect((await actions()).length).toBe(before + 1);

    // A transaction that records an event and then fails leaves no event behind.
    const uow = h.hub.app.get(UnitOfWork);
    const audit = h.hub.app.get(AuditService);
    await expect(
      uow.run(async (tx) => {
        await audit.record(tx, {
          actor: { type: 'system', id: 'system', name: 'system' },
          action: 'test.rolled-back',
        });
        throw new Error('boom after the audit write');
      }),
    ).rejects.toThrow('boom');
    expect(await actions()).not.toContain('test.rolled-back');
    expect((await h.api('GET', '/api/v1/audit/verify')).body.ok).toBe(true);
  });

  it('refuses UPDATE, DELETE and TRUNCATE, even by the table owner', async () => {
    await expect(h.sql("UPDATE audit_events SET action = 'x' WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(h.sql('DELETE FROM audit_events WHERE seq = 1')).rejects.toThrow(/append-only/);
    await expect(h.sql('TRUNCATE audit_events')).rejects.toThrow(/append-only/);
  });

  it('filters by action prefix, actor, time range, resource and revision', async () => {
    const prefix = await h.api('GET', '/api/v1/audit?action=cluster.*&limit=500');
    expect(prefix.body.items.length).toBeGreaterThan(0);
    expect(prefix.body.items.every((e: { action: string }) => e.action.startsWith('cluster.'))).toBe(true);
    const exact = await h.api('GET', '/api/v1/audit?action=cluster.registered');
    expect(exact.body.items.every((e: { action: string }) => e.action === 'cluster.registered')).toBe(true);
    const byActor = await h.api('GET', '/api/v1/audit?actor=alice&limit=500');
    expect(byActor.body.items.length).toBe(7);
    const future = await h.api('GET', `/api/v1/audit?since=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.body.items).toEqual([]);
    const past = await h.api(
      'GET',
      `/api/v1/audit?until=${new Date(Date.now() + 60_000).toISOString()}&limit=500`,
    );
    expect(past.body.items.length).toBe((await actions()).length);

    // Resource and revision events come from the agent and VCS paths; record some directly.
    const uow = h.hub.app.get(UnitOfWork);
    const audit = h.hub.app.get(AuditService);
    await uow.run(async (tx) => {
      for (const rev of ['main@sha1:aaa', 'main@sha1:bbb'])
        await audit.record(tx, {
          actor: { type: 'agent', id: 'c1', name: 'agent:c1' },
          action: 'resource.applied',
          resource: 'apps/Deployment/web/api',
          revision: rev,
        });
      await audit.record(tx, {
        actor: { type: 'agent', id: 'c1', name: 'agent:c1' },
        action: 'resource.applied',
        resource: '/ConfigMap/web/cfg',
        revision: 'main@sha1:bbb',
      });
    });
    const res = await h.api('GET', `/api/v1/audit?resource=${encodeURIComponent('apps/Deployment/web/api')}`);
    expect(res.body.items.map((e: { revision: string }) => e.revision)).toEqual([
      'main@sha1:bbb',
      'main@sha1:aaa',
    ]);
    const rev = await h.api('GET', `/api/v1/audit?revision=${encodeURIComponent('main@sha1:bbb')}`);
    expect(rev.body.items).toHaveLength(2);
  });

  it('pages newest first with an opaque cursor, without gaps or repeats while events keep arriving', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let page = 0;
    do {
      const res = await h.api('GET', `/api/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((e: { seq: string }) => e.seq));
      cursor = res.body.nextCursor;
      // Events arriving meanwhile are newer than the cursor, so they never shift later pages.
      if (page++ === 1) await h.api('POST', '/api/v1/clusters', { body: { name: 'arrives-mid-walk' } });
    } while (cursor);
    const nums = seen.map(Number);
    expect(nums).toEqual([...nums].sort((a, b) => b - a));
    expect(new Set(nums).size).toBe(nums.length);
    expect(Math.min(...nums)).toBe(1);
    expect(nums.length).toBe((await actions()).length - 1);
    expect((await h.api('GET', '/api/v1/audit?cursor=garbage')).status).toBe(400);
  });

  it('verify walks the chain and reports the first tampered event', async () => {
    const ok = await h.api('GET', '/api/v1/audit/verify');
    const n = (await actions()).length;
    expect(ok.body).toMatchObject({ ok: true, checked: n, headSeq: n, keyedFrom: 1 });
    // Tamper as a superuser would: switch the guard off, rewrite a row, switch it back on.
    await h.sql('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    await h.sql(`UPDATE audit_events SET details = '{"name":"forged"}'::jsonb WHERE seq = 3`);
    await h.sql('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    const broken = await h.api('GET', '/api/v1/audit/verify');
    expect(broken.body).toMatchObject({
      ok: false,
      brokenAt: 3,
      checked: 2,
      reason: 'event content does not match its keyed hash (HMAC)',
    });
  });

  it('verify is a full scan: admins only', async () => {
    for (const role of ['viewer', 'operator'] as const) {
      const res = await h.api('GET', '/api/v1/audit/verify', { token: await h.token(role) });
      expect(res.status).toBe(403);
    }
    expect((await h.api('GET', '/api/v1/audit/verify', { token: null })).status).toBe(401);
    // seq and hash are one parameter: a half checkpoint or a short hash is a 400 naming it.
    for (const q of ['3', '3:xyz', `0:${'a'.repeat(64)}`]) {
      const bad = await h.api('GET', `/api/v1/audit/verify?checkpoint=${q}`);
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/checkpoint must be <seq>:<hash>/);
    }
  });
});
