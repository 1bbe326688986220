import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

let h: TestHub;
const tokens: Record<string, string | null> = {};
let clusterId = '';
let repoId = '';
let tokenToRevoke = '';

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
  tokens.none = null;
  tokens.viewer = await h.token('viewer');
  tokens.operator = await h.token('operator');
  tokens.admin = h.adminToken;
  clusterId = (await h.api('POST', '/api/v1/clusters', { body: { name: 'matrix' } })).body.id;
  repoId = (
    await h.api('POST', '/api/v1/repositories', {
      body: { name: 'matrix', type: 'git', url: 'https://git.example.com/m.git' },
    })
  ).body.id;
});
afterAll(async () => {
  await h?.close();
});

type Need = 'viewer' | 'operator' | 'admin';
let seq = 0;
/** Every route, the least role it needs, and how to call it (fresh objects per call so writes succeed). */
const routes: { name: string; need: Need; call: (token: string | null) => Promise<number> }[] = [
  { name: 'GET /whoami', need: 'viewer', call: (t) => st('GET', '/api/v1/whoami', t) },
  { name: 'GET /clusters', need: 'viewer', call: (t) => st('GET', '/api/v1/clusters', t) },
  { name: 'GET /clusters/:id', need: 'viewer', call: (t) => st('GET', `/api/v1/clusters/${clusterId}`, t) },
  {
    name: 'POST /clusters',
    need: 'operator',
    call: (t) => st('POST', '/api/v1/clusters', t, { name: `c-${++seq}` }),
  },
  {
    name: 'PATCH /clusters/:id',
    need: 'operator',
    call: (t) => st('PATCH', `/api/v1/clusters/${clusterId}`, t, { labels: { n: String(++seq) } }),
  },
  {
    name: 'POST /clusters/:id/registration-token',
    need: 'operator',
    call: (t) => st('POST', `/api/v1/clusters/${clusterId}/registration-token`, t),
  },
  {
    name: 'DELETE /clusters/:id',
    need: 'operator',
    call: async (t) => {
      const id = (await h.api('POST', '/api/v1/clusters', { body: { name: `del-${++seq}` } })).body.id;
      return st('DELETE', `/api/v1/clusters/${id}`, t);
    },
  },
  { name: 'GET /repositories', need: 'viewer', call: (t) => st('GET', '/api/v1/repositories', t) },
  {
    name: 'GET /repositories/:id',
    need: 'viewer',
    call: (t) => st('GET', `/api/v1/repositories/${repoId}`, t),
  },
  {
    name: 'POST /repositories',
    need: 'operator',
    call: (t) =>
      st('POST', '/api/v1/repositories', t, {
        name: `r-${++seq}`,
        type: 'svn',
        url: 'svn://svn.example.com/repo',
      }),
  },
  {
    name: 'PATCH /repositories/:id',
    need: 'operator',
    call: (t) => st('PATCH', `/api/v1/repositories/${repoId}`, t, { pollIntervalSeconds: 30 + (++seq % 10) }),
  },
  {
    name: 'DELETE /repositories/:id',
    need: 'operator',
    call: async (t) => {
      const id = (
        await h.api('POST', '/api/v1/repositories', {
          body: { name: `rd-${++seq}`, type: 'git', url: 'https://g.example.com/x.git' },
        })
      ).body.id;
      return st('DELETE', `/api/v1/repositories/${id}`, t);
    },
  },
  { name: 'GET /applications', need: 'viewer', call: (t) => st('GET', '/api/v1/applications', t) },
  {
    name: 'POST /applications',
    need: 'operator',
    call: (t) =>
      st('POST', '/api/v1/applications', t, {
        name: `app-${++seq}`,
        repositoryId: repoId,
        path: 'apps',
        targets: [{ clusterSelector: 'nothing=matches' }],
        syncPolicy: { automated: false, prune: false, selfHeal: false },
      }),
  },
  {
    name: 'POST /applications/:id/sync',
    need: 'operator',
    call: async (t) => {
      const name = `sync-${++seq}`;
      await h.api('POST', '/api/v1/applications', {
        body: {
          name,
          repositoryId: repoId,
          path: 'apps',
          targets: [{ clusterSelector: 'nothing=matches' }],
          syncPolicy: { automated: false, prune: false, selfHeal: false },
        },
      });
      return st('POST', `/api/v1/applications/${name}/sync`, t);
    },
  },
  { name: 'GET /audit', need: 'viewer', call: (t) => st('GET', '/api/v1/audit', t) },
  // A full scan of the trail: admins only.
  { name: 'GET /audit/verify', need: 'admin', call: (t) => st('GET', '/api/v1/audit/verify', t) },
  { name: 'GET /audit/checkpoints', need: 'viewer', call: (t) => st('GET', '/api/v1/audit/checkpoints', t) },
  { name: 'GET /tokens', need: 'admin', call: (t) => st('GET', '/api/v1/tokens', t) },
  {
    name: 'POST /tokens',
    need: 'admin',
    call: (t) => st('POST', '/api/v1/tokens', t, { name: `t-${++seq}`, role: 'viewer' }),
  },
  {
    name: 'DELETE /tokens/:id',
    need: 'admin',
    call: async (t) => {
      const created = await h.api('POST', '/api/v1/tokens', {
        body: { name: `rv-${++seq}`, role: 'viewer' },
      });
      tokenToRevoke = created.body.id;
      return st('DELETE', `/api/v1/tokens/${tokenToRevoke}`, t);
    },
  },
];

async function st(method: string, path: string, token: string | null, body?: unknown): Promise<number> {
  return (await h.api(method, path, { token, body })).status;
}

const rank: Record<string, number> = { none: -1, viewer: 0, operator: 1, admin: 2 };
const need: Record<Need, number> = { viewer: 0, operator: 1, admin: 2 };

describe('auth matrix', () => {
  for (const route of routes) {
    for (const who of ['none', 'viewer', 'operator', 'admin']) {
      const allowed = rank[who] >= need[route.need];
      const expected = who === 'none' ? '401' : allowed ? '2xx' : '403';
      it(`${route.name} as ${who} → ${expected}`, async () => {
        const status = await route.call(tokens[who]);
        if (who === 'none') expect(status).toBe(401);
        else if (allowed) expect([200, 201, 202, 204]).toContain(status);
        else expect(status).toBe(403);
      });
    }
  }

  it('rejects an unknown token and a malformed header with 401', async () => {
    expect(await st('GET', '/api/v1/clusters', 'flt_not-a-real-token')).toBe(401);
    const res = await h.api('GET', '/api/v1/clusters', {
      token: null,
      headers: { authorization: 'Basic abc' },
    });
    expect(res.status).toBe(401);
    expect(res.body.message).toContain('Bearer');
  });

  it('a revoked token stops working at once', async () => {
    const created = await h.api('POST', '/api/v1/tokens', {
      body: { name: 'short-lived', role: 'operator' },
    });
    expect(await st('GET', '/api/v1/clusters', created.body.token)).toBe(200);
    expect(await st('DELETE', `/api/v1/tokens/${created.body.id}`, h.adminToken)).toBe(204);
    expect(await st('GET', '/api/v1/clusters', created.body.token)).toBe(401);
  });

  it('a token cannot revoke itself (the seeded admin would lock everyone out): 409, and it still works', async () => {
    const admin = await h.api('POST', '/api/v1/tokens', { body: { name: 'self-revoker', role: 'admin' } });
    const res = await h.api('DELETE', `/api/v1/tokens/${admin.body.id}`, { token: admin.body.token });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/cannot revoke itself/);
    expect(await st('GET', '/api/v1/tokens', admin.body.token)).toBe(200);
    expect(await st('DELETE', `/api/v1/tokens/${admin.body.id}`, h.adminToken)).toBe(204);
  });

  it('a path of the API answers 405 with Allow for a method it does not have', async () => {
    const res = await h.api('DELETE', '/api/v1/audit/verify');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await h.api('DELETE', '/api/v1/no-such-thing')).status).toBe(404);
  });

  it('lists tokens without secrets and stores only hashes', async () => {
    const created = await h.api('POST', '/api/v1/tokens', { body: { name: 'listed', role: 'viewer' } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^flt_/);
    const list = await h.api('GET', '/api/v1/tokens');
    expect(list.text).not.toContain(created.body.token);
    const mine = list.body.items.find((t: { name: string }) => t.name === 'listed');
    expect(mine).toMatchObject({ role: 'viewer', prefix: created.body.token.slice(0, 8) });
    expect(mine).not.toHaveProperty('token');
    const rows = await h.sql<{ secret_hash: string }>('SELECT secret_hash FROM api_tokens WHERE name = $1', [
      'listed',
    ]);
    expect(rows[0].secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await h.sql('SELECT * FROM api_tokens'))).not.toContain(created.body.token);
  });

  it('health, readiness, metrics, the OpenAPI document and the checkpoint public key need no token', async () => {
    for (const path of [
      '/healthz',
      '/readyz',
      '/metrics',
      '/api/openapi.json',
      '/api/v1/audit/checkpoints/public-key',
      '/api/v1/auth/sso/config',
    ]) {
      expect((await h.api('GET', path, { token: null })).status, path).toBe(200);
    }
  });

  it('without SSO configured: the config says so, its routes answer 404, a session cookie authenticates nothing', async () => {
    expect((await h.api('GET', '/api/v1/auth/sso/config', { token: null })).body).toEqual({
      enabled: false,
      loginUrl: null,
      cli: null,
    });
    const login = await h.api('GET', '/api/v1/auth/sso/login', { token: null });
    expect(login.status).toBe(404);
    expect(login.body.message).toContain('single sign-on is not configured on this hub');
    const cli = await h.api('POST', '/api/v1/auth/sso/token', { token: null, body: { idToken: 'a.b.c' } });
    expect(cli.status).toBe(404);
    const cookie = await h.api('GET', '/api/v1/whoami', {
      token: null,
      headers: { cookie: 'flotilla_session=flts_anything' },
    });
    expect(cookie.status).toBe(401);
    expect((await h.api('GET', '/api/v1/whoami', { token: 'flts_not-a-session' })).status).toBe(401);
    // Logging out is for SSO sessions; an API token is revoked through /tokens.
    const logout = await h.api('POST', '/api/v1/auth/sso/logout');
    expect(logout.status).toBe(409);
    expect(logout.body.message).toContain('not authenticated by an SSO session');
  });
});

describe('whoami', () => {
  it('tells any valid token its name, role, expiry and last use, and which hub answered', async () => {
    const created = await h.api('POST', '/api/v1/tokens', {
      body: { name: 'who-viewer', role: 'viewer', expiresInDays: 7 },
    });
    const first = await h.api('GET', '/api/v1/whoami', { token: created.body.token });
    expect(first.status).toBe(200);
    const hubVersion = (await h.api('GET', '/api/openapi.json')).body.info.version;
    expect(first.body).toEqual({
      tokenId: created.body.id,
      name: 'who-viewer',
      role: 'viewer',
      projects: {},
      expiresAt: created.body.expiresAt,
      lastUsedAt: null,
      authenticatedBy: 'token',
      hubVersion,
    });
    // The use the first call recorded is the "last use" the next call sees.
    const second = await h.api('GET', '/api/v1/whoami', { token: created.body.token });
    expect(Date.parse(second.body.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(second.text).not.toContain(created.body.token);
    expect(second.text).not.toContain('secret');
  });

  it('shows a token that never expires with expiresAt null, and each role as it is', async () => {
    const admin = await h.api('GET', '/api/v1/whoami');
    expect(admin.body).toMatchObject({ name: 'admin', role: 'admin', expiresAt: null });
    const operator = await h.api('GET', '/api/v1/whoami', { token: tokens.operator });
    expect(operator.body.role).toBe('operator');
  });

  it('answers 401 to no token, an unknown one and an expired one (saying it expired)', async () => {
    expect(await st('GET', '/api/v1/whoami', null)).toBe(401);
    expect(await st('GET', '/api/v1/whoami', 'flt_not-a-real-token')).toBe(401);
    const created = await h.api('POST', '/api/v1/tokens', { body: { name: 'who-expired', role: 'viewer' } });
    await h.sql("UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE id = $1", [
      created.body.id,
    ]);
    const res = await h.api('GET', '/api/v1/whoami', { token: created.body.token });
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/token 'who-expired' expired at/);
  });
});
