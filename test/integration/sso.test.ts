import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type TestHub } from '../support/hub-harness.js';
import { HttpBrowser, type BrowserResponse } from '../support/http-browser.js';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { startSsoHub, type SsoHub } from '../support/sso-fixture.js';

/**
 * Single sign-on against a real OpenID Provider (`oidc-provider`) on 127.0.0.1: the dashboard's
 * code flow with PKCE driven over HTTP (redirects, cookies, the provider's login and consent
 * forms), sessions, CSRF, logout, the CLI's ID token exchange, and every refusal.
 */
let op: TestOidcProvider;
let h: TestHub;
let hubUrl = '';
let CLIENT_SECRET = '';
let fixture: SsoHub | undefined;

beforeAll(async () => {
  // Expired sessions are swept often here, so a test can watch the sweep happen.
  fixture = await startSsoHub(inject('postgresUrl'), { FLOTILLA_SSO_SESSION_SWEEP_MS: '200' });
  ({ op, h, hubUrl, clientSecret: CLIENT_SECRET } = fixture);
});
afterAll(async () => {
  await fixture?.close();
});

const isHubRoot = (l: string) => l === `${hubUrl}/`;
const isCallback = (l: string) => l.startsWith(`${hubUrl}/api/v1/auth/sso/callback`);

/** Signs `login` in from a fresh browser up to the provider's redirect back to the hub. */
async function toCallback(login: string): Promise<{ browser: HttpBrowser; callback: string }> {
  const browser = new HttpBrowser();
  let page: BrowserResponse = await browser.follow(`${hubUrl}/api/v1/auth/sso/login`, isCallback);
  for (let step = 0; step < 4 && !page.location; step++)
    page = await browser.submit(
      page,
      /name="login"/.test(page.text) ? { login, password: 'any' } : {},
      isCallback,
    );
  if (!page.location || !isCallback(page.location))
    throw new Error(`the provider did not redirect back: ${page.status} ${page.text.slice(0, 300)}`);
  return { browser, callback: page.location };
}

/** Signs `login` in through the dashboard's code flow; returns the browser and the callback's answer. */
async function signIn(login: string): Promise<{ browser: HttpBrowser; res: BrowserResponse }> {
  const { browser, callback } = await toCallback(login);
  return { browser, res: await browser.request(callback) };
}

function sessionCookie(b: HttpBrowser): string {
  const v = b.cookies(hubUrl).get('flotilla_session');
  if (!v) throw new Error('no session cookie');
  return v;
}

/** A hub call authenticated by the browser's cookie only. */
function withCookie(
  b: HttpBrowser,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
) {
  return h.api(method, path, {
    token: null,
    headers: { cookie: `flotilla_session=${sessionCookie(b)}`, ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

async function lastAudit(action: string) {
  const res = await h.api('GET', `/api/v1/audit?action=${action}&limit=1`);
  return res.body.items[0];
}

describe('single sign-on, dashboard code flow', () => {
  it('says SSO is on in its public configuration', async () => {
    const res = await h.api('GET', '/api/v1/auth/sso/config', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      enabled: true,
      loginUrl: '/api/v1/auth/sso/login',
      cli: { issuer: op.issuer, clientId: 'flotilla-cli', scopes: ['openid', 'email', 'groups'] },
    });
  });

  it('sends the browser to the provider with state, nonce and a PKCE challenge', async () => {
    const res = await new HttpBrowser().request(`${hubUrl}/api/v1/auth/sso/login`);
    expect(res.status).toBe(302);
    const to = new URL(res.location!);
    expect(to.origin).toBe(op.issuer);
    expect(to.searchParams.get('client_id')).toBe('flotilla-dashboard');
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    for (const p of ['state', 'nonce', 'code_challenge'])
      expect(to.searchParams.get(p)).toMatch(/^[\w-]{32,}$/);
    expect(to.searchParams.get('redirect_uri')).toBe(`${hubUrl}/api/v1/auth/sso/callback`);
    const cookie = res.headers.getSetCookie()[0];
    expect(cookie).toMatch(/^flotilla_sso_login=.+; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax$/);
    // The PKCE verifier and nonce travel sealed: nothing of them is readable in the cookie.
    expect(cookie).not.toContain(to.searchParams.get('state')!);
  });

  it('signs a person in: session cookie, whoami with identity and expiry, audited as the person', async () => {
    const before = Date.now();
    const { browser, res } = await signIn('alice');
    expect(res.status).toBe(302);
    expect(isHubRoot(res.location!)).toBe(true);
    const set = res.headers.getSetCookie().find((c) => c.startsWith('flotilla_session='))!;
    expect(set).toMatch(/^flotilla_session=flts_[\w-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/);
    expect(browser.cookies(hubUrl).has('flotilla_sso_login')).toBe(false);

    const who = await withCookie(browser, 'GET', '/api/v1/whoami');
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({
      name: 'alice@example.com',
      role: 'admin',
      projects: {},
      authenticatedBy: 'sso',
      identity: {
        issuer: op.issuer,
        subject: 'alice',
        email: 'alice@example.com',
        groups: ['platform', 'everyone'],
      },
    });
    const expires = Date.parse(who.body.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 43_200_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 43_200_000 + 1000);

    // Only the hash of the session secret is stored.
    const secret = sessionCookie(browser);
    const rows = await h.sql<{ secret_hash: string }>(
      'SELECT secret_hash FROM sso_sessions WHERE subject = $1',
      ['alice'],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].secret_hash).not.toContain(secret);

    const login = await lastAudit('auth.sso.login');
    expect(login.actor).toEqual({
      type: 'user',
      id: `${op.issuer}#alice`,
      name: 'alice@example.com',
      groups: ['platform', 'everyone'],
    });
    expect(login.details).toMatchObject({ client: 'browser', role: 'admin', projects: {} });

    // What the person does is audited with the person as actor, and the chain still verifies.
    const created = await withCookie(
      browser,
      'POST',
      '/api/v1/clusters',
      { origin: hubUrl },
      { name: 'sso-made' },
    );
    expect(created.status).toBe(201);
    expect((await lastAudit('cluster.*')).actor).toMatchObject({ type: 'user', name: 'alice@example.com' });
    const verify = await h.api('GET', '/api/v1/audit/verify');
    expect(verify.body).toMatchObject({ ok: true });

    // No secret of the flow reached the logs or the audit trail.
    const audit = JSON.stringify((await h.api('GET', '/api/v1/audit?limit=200')).body);
    for (const text of [h.logs.join('\n'), audit]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(CLIENT_SECRET);
    }
  });

  it('refuses a cookie-authenticated change from another origin, or without proof of origin', async () => {
    const { browser } = await signIn('alice');
    const evil = await withCookie(
      browser,
      'POST',
      '/api/v1/clusters',
      { origin: 'https://evil.example' },
      { name: 'csrf-1' },
    );
    expect(evil.status).toBe(403);
    expect(evil.body.message).toContain(
      'cross-site request refused: Origin https://evil.example is not this hub',
    );
    const bare = await withCookie(browser, 'POST', '/api/v1/clusters', {}, { name: 'csrf-2' });
    expect(bare.status).toBe(403);
    expect(bare.body.message).toContain('needs an Origin header or x-flotilla-request: 1');
    const del = await withCookie(browser, 'DELETE', '/api/v1/clusters/00000000-0000-4000-8000-000000000000', {
      origin: 'null',
    });
    expect(del.status).toBe(403);
    expect((await h.sql(`SELECT 1 FROM clusters WHERE name IN ('csrf-1', 'csrf-2')`)).length).toBe(0);
    // The dashboard's header (no Origin), and reads from anywhere, pass.
    const ok = await withCookie(
      browser,
      'POST',
      '/api/v1/clusters',
      { 'x-flotilla-request': '1' },
      { name: 'csrf-ok' },
    );
    expect(ok.status).toBe(201);
    expect(
      (await withCookie(browser, 'GET', '/api/v1/clusters', { origin: 'https://evil.example' })).status,
    ).toBe(200);
  });

  it('logs out: the session is revoked, the cookie cleared, audited', async () => {
    const { browser } = await signIn('alice');
    const cookie = sessionCookie(browser);
    const res = await browser.request(`${hubUrl}/api/v1/auth/sso/logout`, {
      method: 'POST',
      headers: { origin: hubUrl },
    });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie()[0]).toMatch(
      /^flotilla_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax$/,
    );
    const after = await h.api('GET', '/api/v1/whoami', {
      token: null,
      headers: { cookie: `flotilla_session=${cookie}` },
    });
    expect(after.status).toBe(401);
    expect(after.body.message).toContain('unknown or was logged out');
    expect((await lastAudit('auth.sso.logout')).actor).toMatchObject({
      type: 'user',
      id: `${op.issuer}#alice`,
    });
  });

  it('gives a member of a project group that project role only', async () => {
    const { browser, res } = await signIn('bob');
    expect(res.status).toBe(302);
    const who = await withCookie(browser, 'GET', '/api/v1/whoami');
    expect(who.body).toMatchObject({
      role: null,
      projects: { 'team-a': 'operator' },
      name: 'bob@example.com',
    });
    // fleet-wide routes need a global role; lists answer what the project may see
    const tokens = await withCookie(browser, 'GET', '/api/v1/tokens');
    expect(tokens.status).toBe(403);
    expect(tokens.body.message).toContain("user 'bob@example.com' has operator in team-a");
  });

  it('refuses a person whose groups map to no role (403, audited as that person)', async () => {
    const { res } = await signIn('mallory');
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).message).toBe(
      'single sign-on refused: none of your groups maps to a role on this hub: ask an administrator to add one to FLOTILLA_OIDC_ROLES',
    );
    expect(res.headers.getSetCookie().some((c) => c.startsWith('flotilla_session='))).toBe(false);
    const refused = await lastAudit('auth.sso.refused');
    expect(refused.actor).toEqual({
      type: 'user',
      id: `${op.issuer}#mallory`,
      name: 'mallory@example.com',
      groups: ['strangers'],
    });
    expect(await h.sql('SELECT 1 FROM sso_sessions WHERE subject = $1', ['mallory'])).toHaveLength(0);
  });

  it('refuses an ID token without the groups claim, naming the claim', async () => {
    const { res } = await signIn('nobody');
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).message).toContain("the ID token has no 'groups' claim");
  });

  it('refuses a callback with another state, or from a browser that did not start the login', async () => {
    const { browser, callback } = await toCallback('alice');
    const forged = new URL(callback);
    forged.searchParams.set('state', 'x'.repeat(43));
    const bad = await browser.request(forged.toString());
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.text).message).toBe(
      'single sign-on refused: the callback does not answer this login (state)',
    );
    const refused = await lastAudit('auth.sso.refused');
    expect(refused.actor.type).toBe('system');
    expect(refused.details).toEqual({
      client: 'browser',
      reason: 'the callback does not answer this login (state)',
    });
    // The code itself, carried to another browser (login CSRF, a stolen redirect), is refused too.
    const elsewhere = await new HttpBrowser().request(callback);
    expect(elsewhere.status).toBe(401);
    expect(JSON.parse(elsewhere.text).message).toContain('no login was started in this browser');
    const code = new URL(callback).searchParams.get('code')!;
    expect(h.logs.join('\n')).not.toContain(code);
    expect(JSON.stringify(refused)).not.toContain(code);
  });

  it('shows a browser a refused sign-in as a page (status kept), and API clients the JSON error', async () => {
    const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
    // No group maps to a role: 403, in words, with the way back to the sign-in.
    const { browser, callback } = await toCallback('mallory');
    const page = await browser.request(callback, { headers: html });
    expect(page.status).toBe(403);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('<title>Sign-in refused (403 Forbidden)</title>');
    expect(page.text).toContain('none of your groups maps to a role on this hub');
    expect(page.text).toContain('<a href="/">Back to the Flotilla sign-in</a>');
    expect(page.text).not.toContain(new URL(callback).searchParams.get('code')!);
    expect(page.headers.getSetCookie().some((c) => c.startsWith('flotilla_session='))).toBe(false);

    // The provider's own refusal (the person declined consent): 401, the error named, escaped.
    const declined = await toCallback('alice');
    const withError = new URL(declined.callback);
    withError.searchParams.delete('code');
    withError.searchParams.set('error', 'access_denied<script>');
    const refused = await declined.browser.request(withError.toString(), { headers: html });
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('the provider refused the login (access_deniedscript)');
    expect(refused.text).not.toContain('<script>');

    // A bad state, seen by a browser and by an API client.
    const other = await toCallback('alice');
    const forged = new URL(other.callback);
    forged.searchParams.set('state', 'y'.repeat(43));
    const badState = await other.browser.request(forged.toString(), { headers: html });
    expect(badState.status).toBe(401);
    expect(badState.text).toContain('the callback does not answer this login (state)');
    const api = await other.browser.request(forged.toString(), {
      headers: { accept: 'application/json' },
    });
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(api.text)).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'single sign-on refused: the callback does not answer this login (state)',
    });
  });

  it('refuses a replayed callback: the login cookie is single-use and the code is redeemed once', async () => {
    const { browser, callback } = await toCallback('alice');
    const sealed = browser.cookies(hubUrl).get('flotilla_sso_login')!;
    expect((await browser.request(callback)).status).toBe(302);
    browser.cookies(hubUrl).set('flotilla_sso_login', sealed);
    const again = await browser.request(callback);
    expect(again.status).toBe(401);
    expect(JSON.parse(again.text).message).toMatch(
      /single sign-on refused: the provider refused the code \(invalid_grant\)/,
    );
  });
});

describe('single sign-on, session lifecycle', () => {
  it('lists live sessions to an admin (identity, groups, times; never the secret)', async () => {
    const { browser } = await signIn('bob');
    expect((await withCookie(browser, 'GET', '/api/v1/whoami')).status).toBe(200);
    const id = (await withCookie(browser, 'GET', '/api/v1/whoami')).body.tokenId;
    const res = await h.api('GET', '/api/v1/auth/sessions');
    expect(res.status).toBe(200);
    const mine = res.body.items.find((s: { id: string }) => s.id === id);
    expect(mine).toEqual({
      id,
      name: 'bob@example.com',
      issuer: op.issuer,
      subject: 'bob',
      email: 'bob@example.com',
      groups: ['team-a-devs'],
      role: null,
      projects: { 'team-a': 'operator' },
      client: 'browser',
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
      lastUsedAt: expect.any(String),
    });
    expect(Date.parse(mine.expiresAt) - Date.parse(mine.createdAt)).toBeGreaterThan(43_200_000 - 5000);
    expect(JSON.stringify(res.body)).not.toContain(sessionCookie(browser));
    // The person (an operator of a project, not an admin) may not list sessions.
    expect((await withCookie(browser, 'GET', '/api/v1/auth/sessions')).status).toBe(403);
  });

  it('lets an admin revoke a session: audited with the admin as actor, refused at its next request', async () => {
    const { browser } = await signIn('bob');
    const id = (await withCookie(browser, 'GET', '/api/v1/whoami')).body.tokenId;
    const del = await h.api('DELETE', `/api/v1/auth/sessions/${id}`);
    expect(del.status).toBe(204);
    const after = await withCookie(browser, 'GET', '/api/v1/whoami');
    expect(after.status).toBe(401);
    expect(after.body.message).toContain('the SSO session is unknown or was logged out');
    const revoked = await lastAudit('auth.sso.revoked');
    expect(revoked.actor).toMatchObject({ type: 'token' });
    expect(revoked.details).toEqual({
      sessionId: id,
      issuer: op.issuer,
      subject: 'bob',
      email: 'bob@example.com',
      groups: ['team-a-devs'],
      client: 'browser',
    });
    expect((await h.api('DELETE', `/api/v1/auth/sessions/${id}`)).status).toBe(404);
    expect((await h.api('DELETE', '/api/v1/auth/sessions/not-a-uuid')).status).toBe(400);
  });

  it('applies a group change at once when an admin revokes the session (roles are read at sign-in)', async () => {
    const { browser } = await signIn('bob');
    const id = (await withCookie(browser, 'GET', '/api/v1/whoami')).body.tokenId;
    const groups = fixture!.accounts.bob.groups;
    // The provider's administrator takes bob out of team-a-devs.
    fixture!.accounts.bob.groups = ['strangers'];
    try {
      // The session keeps the roles of its sign-in (bounded by its lifetime) ...
      expect((await withCookie(browser, 'GET', '/api/v1/whoami')).body.projects).toEqual({
        'team-a': 'operator',
      });
      // ... until a hub admin revokes it: refused at once, and the next sign-in reads the new
      // groups from the provider, which map to no role here.
      expect((await h.api('DELETE', `/api/v1/auth/sessions/${id}`)).status).toBe(204);
      expect((await withCookie(browser, 'GET', '/api/v1/whoami')).status).toBe(401);
      const again = await signIn('bob');
      expect(again.res.status).toBe(403);
      expect(JSON.parse(again.res.text).message).toContain('none of your groups maps to a role');
    } finally {
      fixture!.accounts.bob.groups = groups;
    }
  });

  it('deletes expired sessions in the background, without waiting for a sign-in', async () => {
    const { browser } = await signIn('alice');
    const id = (await withCookie(browser, 'GET', '/api/v1/whoami')).body.tokenId;
    await h.sql(`UPDATE sso_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    // Expired but not yet swept: refused, and no longer listed.
    const listed = (await h.api('GET', '/api/v1/auth/sessions')).body.items as Array<{ id: string }>;
    expect(listed.map((s) => s.id)).not.toContain(id);
    const deadline = Date.now() + 10_000;
    while ((await h.sql('SELECT 1 FROM sso_sessions WHERE id = $1', [id])).length > 0) {
      if (Date.now() > deadline) throw new Error('the expired session was not swept within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await withCookie(browser, 'GET', '/api/v1/whoami')).status).toBe(401);
  });
});

describe('single sign-on, ID tokens from the CLI', () => {
  const exchange = (idToken: string) =>
    h.api('POST', '/api/v1/auth/sso/token', { token: null, body: { idToken } });

  it('exchanges an ID token of the CLI client for a session token that works as a bearer token', async () => {
    const idToken = await op.deviceIdToken('flotilla-cli', 'alice');
    const res = await exchange(idToken);
    expect(res.status).toBe(201);
    expect(res.body.token).toMatch(/^flts_/);
    expect(res.body.name).toBe('alice@example.com');
    const who = await h.api('GET', '/api/v1/whoami', { token: res.body.token });
    expect(who.body).toMatchObject({ authenticatedBy: 'sso', role: 'admin', identity: { subject: 'alice' } });
    // A bearer session token needs no Origin: it is not sent by browsers on their own.
    expect(
      (await h.api('POST', '/api/v1/clusters', { token: res.body.token, body: { name: 'cli-made' } })).status,
    ).toBe(201);
    expect((await lastAudit('auth.sso.login')).details).toMatchObject({ client: 'cli' });
    const all = h.logs.join('\n') + JSON.stringify((await h.api('GET', '/api/v1/audit?limit=200')).body);
    expect(all).not.toContain(idToken);
    expect(all).not.toContain(res.body.token);
  });

  it('refuses an ID token issued to another client (wrong audience)', async () => {
    const res = await exchange(await op.deviceIdToken('other-app', 'alice'));
    expect(res.status).toBe(401);
    expect(res.body.message).toBe(
      "single sign-on refused: the ID token's aud claim is not valid here (check_failed)",
    );
    expect((await lastAudit('auth.sso.refused')).details).toEqual({
      client: 'cli',
      reason: "the ID token's aud claim is not valid here (check_failed)",
    });
  });

  it('refuses an ID token of another issuer, even one signed with the same key', async () => {
    const rogue = await startOidcProvider(
      [
        {
          client_id: 'flotilla-cli',
          token_endpoint_auth_method: 'none',
          grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
          response_types: [],
          redirect_uris: [],
        },
      ],
      { alice: { email: 'alice@example.com', groups: ['platform'] } },
      { signingKey: op.signingKey },
    );
    try {
      const res = await exchange(await rogue.deviceIdToken('flotilla-cli', 'alice'));
      expect(res.status).toBe(401);
      expect(res.body.message).toBe(
        "single sign-on refused: the ID token's iss claim is not valid here (check_failed)",
      );
    } finally {
      await rogue.close();
    }
  });

  it('refuses an expired ID token', async () => {
    op.idTokenTtlSeconds = 1;
    let idToken: string;
    try {
      idToken = await op.deviceIdToken('flotilla-cli', 'alice');
    } finally {
      op.idTokenTtlSeconds = 3600;
    }
    // Past the hub's 5 s clock tolerance.
    await new Promise((r) => setTimeout(r, 7_000));
    const res = await exchange(idToken);
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('single sign-on refused: the ID token has expired');
  });

  it('refuses an ID token whose signature does not verify, and one without a mapped group', async () => {
    const [head, body] = (await op.deviceIdToken('flotilla-cli', 'alice')).split('.');
    const forged = await exchange(`${head}.${body}.${Buffer.alloc(256, 7).toString('base64url')}`);
    expect(forged.status).toBe(401);
    expect(forged.body.message).toBe('single sign-on refused: the ID token signature is not valid');
    // A payload changed under the provider's signature (more groups) fails the same way.
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    const mallory = await op.deviceIdToken('flotilla-cli', 'mallory');
    const [mh, , ms] = mallory.split('.');
    const lifted = Buffer.from(JSON.stringify({ ...payload, sub: 'mallory' })).toString('base64url');
    expect((await exchange(`${mh}.${lifted}.${ms}`)).status).toBe(401);
    const refused = await exchange(mallory);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('none of your groups maps to a role');
  });

  it('answers 400 for something that is not a JWS', async () => {
    const res = await exchange('not-a-token');
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('idToken must be a compact JWS');
  });
});
