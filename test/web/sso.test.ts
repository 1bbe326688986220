import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSsoHub, type SsoHub } from '../support/sso-fixture.js';

/**
 * "Sign in with SSO" in real headless Chromium: the dashboard's button, the provider's own login
 * and consent pages (a real oidc-provider), the redirect back, the person's name and roles in
 * the header, a change made through the session cookie, a forged cross-origin one refused, and
 * sign-out.
 */
declare const sessionStorage: { getItem(key: string): string | null };

let sso: SsoHub;
let browser: Browser;

beforeAll(async () => {
  // The hub serves the built dist/web; NODE_ENV=production as in dashboard.test.ts.
  await promisify(execFile)('npm', ['run', 'build'], {
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  sso = await startSsoHub(inject('postgresUrl'));
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await sso?.close();
});

describe('dashboard single sign-on', () => {
  it('signs in through the provider, shows the person, acts with the cookie, refuses a forged request, signs out', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${sso.hubUrl}/`);
    await page.getByRole('link', { name: 'Sign in with SSO' }).click();

    // The provider's pages: login, then consent.
    await page.waitForURL((u) => u.origin === sso.op.issuer);
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click();

    await page.waitForURL(`${sso.hubUrl}/`);
    await page.getByRole('heading', { name: 'Fleet' }).waitFor();
    expect(await page.getByTestId('token-name').textContent()).toBe('alice@example.com');
    expect(await page.getByTestId('role').textContent()).toBe('admin');
    expect(await page.locator('.who').getAttribute('title')).toContain('groups: platform, everyone');
    // The session is a cookie scripts cannot read; nothing sits in session storage.
    expect(await page.evaluate(() => sessionStorage.getItem('flotilla.token'))).toBeNull();
    const cookie = (await ctx.cookies(sso.hubUrl)).find((c) => c.name === 'flotilla_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });

    // A reload keeps the person signed in.
    await page.reload();
    await page.getByRole('heading', { name: 'Fleet' }).waitFor();

    // The page's own request carries the hub's Origin and passes.
    const made = await page.evaluate(() =>
      fetch('/api/v1/clusters', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'from-the-browser' }),
      }).then((r) => r.status),
    );
    expect(made).toBe(201);

    // Another origin on the same site (127.0.0.1, another port): Chromium sends the Lax cookie,
    // so only the Origin check stands between it and a change.
    const evil = await ctx.newPage();
    await evil.goto(`${sso.op.issuer}/.well-known/openid-configuration`);
    await evil.evaluate(
      (hub) =>
        fetch(`${hub}/api/v1/clusters`, {
          method: 'POST',
          mode: 'no-cors',
          credentials: 'include',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ name: 'forged' }),
          // The hub's Cross-Origin-Resource-Policy hides the answer; the request was sent.
        }).then(
          () => undefined,
          () => undefined,
        ),
      sso.hubUrl,
    );
    expect(await sso.h.sql(`SELECT 1 FROM clusters WHERE name = 'forged'`)).toHaveLength(0);
    expect(
      sso.h.logs.some((l) => l.includes('"url":"/api/v1/clusters"') && l.includes('"statusCode":403')),
    ).toBe(true);
    const audit = await sso.h.api('GET', '/api/v1/audit?action=cluster.*&limit=1');
    expect(audit.body.items[0].actor).toMatchObject({ type: 'user', name: 'alice@example.com' });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in with SSO' }).waitFor();
    expect((await ctx.cookies(sso.hubUrl)).some((c) => c.name === 'flotilla_session')).toBe(false);
    const after = await sso.h.api('GET', '/api/v1/whoami', {
      token: null,
      headers: { cookie: `flotilla_session=${cookie.value}` },
    });
    expect(after.status).toBe(401);
    await ctx.close();
  });

  it('shows the project roles of a person without a global role', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${sso.hubUrl}/`);
    await page.getByRole('link', { name: 'Sign in with SSO' }).click();
    await page.locator('input[name="login"]').fill('bob');
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${sso.hubUrl}/`);
    await page.getByTestId('role').waitFor();
    expect(await page.getByTestId('token-name').textContent()).toBe('bob@example.com');
    expect(await page.getByTestId('role').textContent()).toBe('team-a: operator');
    await ctx.close();
  });
});
