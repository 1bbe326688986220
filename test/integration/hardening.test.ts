/**
 * Hardening of the hub's edge against an outsider, each checked against a real hub: security
 * headers, raw files as attachments, Swagger UI off, /metrics behind its token, webhooks that do
 * not reveal which repositories exist, token expiry, and the failed-authentication limiter.
 */
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const METRICS_TOKEN = 'metrics-4b1c9e7f2a6d8053e1f4c7a9b2d6e8f0';
const WEBHOOK_SECRET = 'hardening-webhook-secret-0123456789';
const HTML = '<html><body><script>alert(document.cookie)</script></body></html>\n';

let h: TestHub;
let fx: VcsFixture;
let repo: VcsRepository;

beforeAll(async () => {
  fx = await gitFixture(false);
  // '' = the production default (the harness turns the limiter off for other test files).
  h = await startTestHub(inject('postgresUrl'), {
    FLOTILLA_METRICS_TOKEN: METRICS_TOKEN,
    FLOTILLA_AUTH_FAILURES_PER_MINUTE: '',
  });
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'docs/evil page.html': HTML }, 'an HTML file');
  const created = await h.api('POST', '/api/v1/repositories', {
    body: {
      name: 'hardening',
      type: 'git',
      url: repo.url,
      branch: repo.branch,
      webhookSecret: WEBHOOK_SECRET,
    },
  });
  expect(created.status, created.text).toBe(201);
});
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('security headers', () => {
  it.each(['/api/v1/clusters', '/api/openapi.json', '/healthz', '/no/such/page', '/api/v1/nope'])(
    '%s carries a strict CSP, nosniff, no framing and no X-Powered-By',
    async (path) => {
      const res = await h.api('GET', path);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-powered-by')).toBeNull();
    },
  );

  it('also on a 401 and on a body the parser refuses', async () => {
    for (const res of [
      await h.api('GET', '/api/v1/clusters', { token: null }),
      await h.api('POST', '/api/v1/clusters', { rawBody: '{not json' }),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });
});

describe('raw repository files', () => {
  it('are served as octet-stream attachments with nosniff, never rendered', async () => {
    const res = await h.api('GET', '/api/v1/repositories/hardening/files/docs/evil%20page.html');
    expect(res.status).toBe(200);
    expect(res.text).toBe(HTML);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="evil_page.html"; filename*=UTF-8''evil%20page.html`,
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('Swagger UI', () => {
  it('is off by default; the OpenAPI document stays', async () => {
    expect((await h.api('GET', '/api/docs/', { token: null })).status).toBe(404);
    const doc = await h.api('GET', '/api/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
  });
});

describe('/metrics with FLOTILLA_METRICS_TOKEN', () => {
  it('answers 401 without the metrics token or with an API token, 200 with it', async () => {
    const none = await h.api('GET', '/metrics', { token: null });
    expect(none.status).toBe(401);
    expect(none.body.message).toContain('metrics token');
    expect(none.text).not.toContain('http_requests');
    expect((await h.api('GET', '/metrics', { token: 'metrics-wrong' })).status).toBe(401);
    expect((await h.api('GET', '/metrics')).status).toBe(401); // the admin API token is not it
    const ok = await h.api('GET', '/metrics', { token: METRICS_TOKEN });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/plain');
    expect(ok.text).toContain('# HELP');
  });
});

describe('webhooks', () => {
  const send = (url: string, secret: string) => {
    const body = JSON.stringify({ ref: `refs/heads/${repo.branch}`, repository: { clone_url: url } });
    const sig = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    return h.api('POST', '/api/v1/webhooks/git', {
      token: null,
      rawBody: body,
      headers: { 'x-hub-signature-256': sig },
    });
  };

  it('answer an unknown repository exactly like a bad signature', async () => {
    const unknown = await send('http://git.example.com/not-registered.git', 'whatever-secret');
    const forged = await send(repo.url, 'not-the-secret');
    expect(unknown.status).toBe(401);
    expect(forged.status).toBe(401);
    expect(unknown.text).toBe(forged.text);
    expect(unknown.text).not.toContain('not-registered');
    const ok = await send(repo.url, WEBHOOK_SECRET);
    expect(ok.status).toBe(202);
    expect(ok.body.refreshed).toEqual(['hardening']);
  });
});

describe('token expiry', () => {
  it('new tokens expire in 90 days by default; an expired one gets a 401 saying so', async () => {
    const created = await h.api('POST', '/api/v1/tokens', { body: { name: 'ninety', role: 'viewer' } });
    expect(created.status).toBe(201);
    const days = (Date.parse(created.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
    expect((await h.api('GET', '/api/v1/clusters', { token: created.body.token })).status).toBe(200);
    const listed = (await h.api('GET', '/api/v1/tokens')).body.items.find(
      (t: { name: string }) => t.name === 'ninety',
    );
    expect(listed.expiresAt).toBe(created.body.expiresAt);
    expect(listed.lastUsedAt).not.toBeNull();
    // Time passes (in the database, the only place the expiry lives).
    await h.sql("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE name = 'ninety'");
    const expired = await h.api('GET', '/api/v1/clusters', { token: created.body.token });
    expect(expired.status).toBe(401);
    expect(expired.body.message).toMatch(/^token 'ninety' expired at .+: ask an admin for a new one$/);
  });

  it('takes expiresInDays or neverExpires, and refuses bad combinations with a 400', async () => {
    const week = await h.api('POST', '/api/v1/tokens', {
      body: { name: 'week', role: 'viewer', expiresInDays: 7 },
    });
    expect(week.status).toBe(201);
    expect(Math.round((Date.parse(week.body.expiresAt) - Date.now()) / 86_400_000)).toBe(7);
    const never = await h.api('POST', '/api/v1/tokens', {
      body: { name: 'robot', role: 'viewer', neverExpires: true },
    });
    expect(never.body.expiresAt).toBeNull();
    for (const [body, message] of [
      [{ expiresInDays: 0 }, 'expiresInDays must not be less than 1'],
      [{ expiresInDays: 2.5 }, 'expiresInDays must be a whole number of days'],
      [{ expiresInDays: 3, neverExpires: true }, 'give at most one of expiresInDays and neverExpires'],
      // An instant is not taken: whether it is in the future depends on the clock.
      [{ expiresAt: '2030-01-01T00:00:00Z' }, 'property expiresAt should not exist'],
    ] as const) {
      const res = await h.api('POST', '/api/v1/tokens', { body: { name: 'bad', role: 'viewer', ...body } });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toContain(message);
    }
    expect((await h.sql("SELECT 1 FROM api_tokens WHERE name = 'bad'")).length).toBe(0);
  });
});

/** A GET from a chosen loopback address, so the limiter's per-address budget can be shown. */
function getFrom(
  localAddress: string,
  path: string,
  token: string | null,
): Promise<{ status: number; retryAfter: string | undefined; body: { message?: string } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      h.url + path,
      { localAddress, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            retryAfter: res.headers['retry-after'],
            body: JSON.parse(text) as { message?: string },
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('failed authentication', () => {
  it('gets 429 with Retry-After after 20 failures a minute from one address; valid tokens and other addresses still pass', async () => {
    const attacker = '127.0.0.2';
    for (let i = 0; i < 20; i++) {
      const res = await getFrom(attacker, '/api/v1/clusters', `flt_guess-${i}`);
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    for (const token of ['flt_guess-20', null]) {
      const limited = await getFrom(attacker, '/api/v1/clusters', token);
      expect(limited.status).toBe(429);
      expect(limited.body.message).toContain('too many failed authentications');
      const retry = Number(limited.retryAfter);
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
    }
    // Successful requests are never limited, even from the blocked address.
    expect((await getFrom(attacker, '/api/v1/clusters', h.adminToken)).status).toBe(200);
    // Another address keeps its own budget.
    expect((await getFrom('127.0.0.3', '/api/v1/clusters', 'flt_typo')).status).toBe(401);
    expect(h.logs.some((l) => l.includes(`20 failed authentications in a minute from ${attacker}`))).toBe(
      true,
    );
  });
});
