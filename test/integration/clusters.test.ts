import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

let h: TestHub;
beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
});
afterAll(async () => {
  await h?.close();
});

describe('clusters', () => {
  it('registers a cluster with a one-time registration token', async () => {
    const res = await h.api('POST', '/api/v1/clusters', {
      body: { name: 'prod-eu-1', labels: { env: 'prod', region: 'eu' } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'prod-eu-1',
      labels: { env: 'prod', region: 'eu' },
      connectionState: 'Pending',
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.registration.token).toMatch(/^fltreg_/);
    const expires = new Date(res.body.registration.expiresAt).getTime();
    expect(expires - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    const stored = await h.sql<{ registration_token_hash: string }>(
      'SELECT registration_token_hash FROM clusters WHERE id = $1',
      [res.body.id],
    );
    expect(stored[0].registration_token_hash).not.toContain(res.body.registration.token);
  });

  it('registers a cluster with a guardrail: the join commands and agent manifest carry it, RBAC as wide as it', async () => {
    const res = await h.api('POST', '/api/v1/clusters', {
      body: {
        name: 'team-edge',
        guardrail: { allowedNamespaces: ['team-a', 'team-b'], deniedKinds: ['rbac.authorization.k8s.io/*'] },
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.guardrail).toEqual({
      allowedNamespaces: ['team-a', 'team-b'],
      allowClusterScoped: false,
      deniedKinds: ['rbac.authorization.k8s.io/*'],
    });
    expect(res.body.join.helm).toContain("--set 'guardrail.allowedNamespaces={team-a,team-b}'");
    expect((await h.api('GET', '/api/v1/clusters/team-edge')).body.guardrail).toEqual(res.body.guardrail);
    const manifest = await h.api('GET', '/api/v1/clusters/team-edge/agent-manifest');
    expect(manifest.status, manifest.text).toBe(200);
    expect(manifest.text).not.toContain('kind: ClusterRole');
    expect(manifest.text).toContain('kind: Role\n');
    expect(manifest.text).toContain('value: team-a,team-b');
    // without one: cluster-wide, as before
    const plain = await h.api('POST', '/api/v1/clusters', { body: { name: 'plain-edge' } });
    expect(plain.body.guardrail).toBeNull();
    expect(plain.body.join.helm).not.toContain('guardrail');
  });

  it.each([
    [{ allowedNamespaces: [] }, 'guardrail.allowedNamespaces needs at least one namespace'],
    [{ allowedNamespaces: ['team-*'] }, 'guardrail.allowedNamespaces entries must be namespace names'],
    [
      { allowedNamespaces: ['a'], deniedKinds: ['apps/v1/Deployment'] },
      'guardrail.deniedKinds entries must be group/Kind',
    ],
    [{ allowedNamespaces: ['a'], allowClusterScoped: 'yes' }, 'allowClusterScoped'],
  ])('refuses the guardrail %j with 400', async (guardrail, message) => {
    const res = await h.api('POST', '/api/v1/clusters', { body: { name: 'bad-guardrail', guardrail } });
    expect(res.status).toBe(400);
    expect(res.text).toContain(message);
  });

  it('refuses a duplicate name with 409', async () => {
    await h.api('POST', '/api/v1/clusters', { body: { name: 'dup' } });
    const res = await h.api('POST', '/api/v1/clusters', { body: { name: 'dup' } });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: "a cluster named 'dup' already exists",
    });
  });

  it('gets, patches and deletes by id or by name', async () => {
    const created = (
      await h.api('POST', '/api/v1/clusters', { body: { name: 'edit-me', labels: { a: '1' } } })
    ).body;
    expect((await h.api('GET', `/api/v1/clusters/${created.id}`)).body.name).toBe('edit-me');
    expect((await h.api('GET', '/api/v1/clusters/edit-me')).body.id).toBe(created.id);
    const patched = await h.api('PATCH', '/api/v1/clusters/edit-me', {
      body: { labels: { a: '2', b: 'x' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.labels).toEqual({ a: '2', b: 'x' });
    expect(new Date(patched.body.updatedAt).getTime()).toBeGreaterThanOrEqual(
      new Date(created.updatedAt).getTime(),
    );
    expect((await h.api('DELETE', `/api/v1/clusters/${created.id}`)).status).toBe(204);
    const gone = await h.api('GET', '/api/v1/clusters/edit-me');
    expect(gone.status).toBe(404);
    expect(gone.body.message).toBe("cluster 'edit-me' not found");
  });

  it('issues a fresh registration token and kills the old one', async () => {
    const created = (await h.api('POST', '/api/v1/clusters', { body: { name: 'rotate' } })).body;
    const fresh = await h.api('POST', `/api/v1/clusters/${created.id}/registration-token`);
    expect(fresh.status).toBe(201);
    expect(fresh.body.token).not.toBe(created.registration.token);
    const rows = await h.sql<{ registration_token_hash: string }>(
      'SELECT registration_token_hash FROM clusters WHERE id = $1',
      [created.id],
    );
    const { createHash } = await import('node:crypto');
    const hash = (t: string) => createHash('sha256').update(t).digest('hex');
    expect(rows[0].registration_token_hash).toBe(hash(fresh.body.token));
    expect(rows[0].registration_token_hash).not.toBe(hash(created.registration.token));
  });
});
