import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NotificationWorker } from '../../src/hub/notifications/notification-worker.service.js';
import { launchChromium } from '../support/chromium.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { startHttpReceiver, type HttpReceiver } from '../support/notification-receivers.js';
import { seriousViolations } from './axe.js';
import { undrawableGlyphs } from './glyphs.js';

/**
 * The notifications pages in real headless Chromium against a real hub (serving the built
 * dist/web) and a real HTTP receiver the hub delivers to. The hub's delivery timer is off: the
 * test runs the worker's look where a replica's timer would, so each attempt happens when the
 * test says.
 */

let h: TestHub;
let rx: HttpReceiver;
let browser: Browser;
const cspViolations: string[] = [];

/** Runs the delivery worker until every delivery of the subscription has left `pending`. */
async function deliverAll(
  id: string,
): Promise<{ status: string; attempts: number; lastError: string | null }[]> {
  for (let i = 0; i < 60; i++) {
    await h.hub.app.get(NotificationWorker).look();
    const r = await h.api('GET', `/api/v1/notifications/subscriptions/${id}/deliveries`);
    const items = r.body.items as { status: string; attempts: number; lastError: string | null }[];
    if (items.length > 0 && items.every((d) => d.status !== 'pending')) return items;
    await new Promise((res) => setTimeout(res, 30));
  }
  throw new Error('deliveries stayed pending');
}

async function signedIn(token: string, width = 1440): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.url });
  const page = await ctx.newPage();
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  page.setDefaultTimeout(20_000);
  await page.goto(h.url + '/');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet' }).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notifications' }).click();
  await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
  return page;
}

beforeAll(async () => {
  // NODE_ENV=production as in dashboard.test.ts: vitest's `test` would bundle React's dev build.
  await promisify(execFile)('npm', ['run', 'build'], {
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  rx = await startHttpReceiver();
  h = await startTestHub(inject('postgresUrl'), {
    FLOTILLA_NOTIFY_ALLOWED_HOSTS: '127.0.0.1',
    FLOTILLA_NOTIFY_INTERVAL_MS: '0',
    FLOTILLA_NOTIFY_GROUP_SECONDS: '0',
    FLOTILLA_NOTIFY_RETRY_BASE_MS: '10',
    FLOTILLA_NOTIFY_MAX_ATTEMPTS: '2',
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
  await rx?.close();
});

describe('notifications pages', () => {
  let subId = '';

  it('an admin creates a webhook subscription and is shown its signing secret once, with a copy button', async () => {
    const page = await signedIn(h.adminToken);
    const table = page.getByTestId('subscriptions');
    await table.getByText('No subscriptions yet.').waitFor();
    const form = page.getByRole('form', { name: 'New subscription' });
    await form.getByLabel('Name').fill('deploy-failures');
    await form.getByLabel(/^Actions/).fill('sync.failed, rollout.*');
    await form.getByLabel('Outcome').selectOption('failure');
    // the channel's fields follow its type
    await form.getByLabel('Channel type').selectOption('email');
    await form.getByLabel('SMTP host').waitFor();
    expect(await form.getByLabel('Webhook URL').count()).toBe(0);
    await form.getByLabel('Channel type').selectOption('webhook');
    await form.getByLabel('Webhook URL').fill(`${rx.url}/hook`);
    expect(await seriousViolations(page)).toEqual([]);
    await form.getByRole('button', { name: 'Create subscription' }).click();

    const box = page.getByTestId('signing-secret');
    await box.waitFor();
    expect(await box.textContent()).toMatch(/shown only once/);
    const secret = await box.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^fns_/);
    await box.getByRole('button', { name: 'Copy' }).click();
    await box.getByRole('status').waitFor();
    // (strings: the test's TypeScript has no DOM types; these run in the page)
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);

    const row = table.locator('tr[data-subscription="deploy-failures"]');
    await row.waitFor();
    expect(await row.getByTestId('filter').textContent()).toBe('sync.failed, rollout.* · failure only');
    expect(await row.getByTestId('enabled').textContent()).toBe('yes');
    expect(await row.getByTestId('last-delivery').textContent()).toBe('none');
    const list = await h.api('GET', '/api/v1/notifications/subscriptions');
    expect(list.body.items).toHaveLength(1);
    subId = list.body.items[0].id as string;
    // the hub never answers the secret again, and the page does not keep it once dismissed
    expect(
      JSON.stringify((await h.api('GET', `/api/v1/notifications/subscriptions/${subId}`)).body),
    ).not.toContain(secret);
    await box.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.getByTestId('signing-secret').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain(secret);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await undrawableGlyphs(page)).toEqual([]);
    await page.context().close();
  });

  it('"Send test" queues a message; a failed delivery shows its attempts and error, and "Retry" delivers it', async () => {
    rx.answer = () => 503;
    const page = await signedIn(h.adminToken);
    const row = page.locator('tr[data-subscription="deploy-failures"]');
    await row.getByRole('button', { name: 'Send test' }).click();
    expect(await page.getByTestId('notice').textContent()).toBe('Test message queued for deploy-failures');
    const [failed] = await deliverAll(subId);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2 });
    expect(failed.lastError).toMatch(/503/);
    expect(rx.received).toHaveLength(2);

    await row.getByRole('link', { name: 'deploy-failures' }).click();
    await page.getByRole('heading', { name: 'deploy-failures', level: 1 }).waitFor();
    const deliveries = page.getByTestId('deliveries');
    const d = deliveries.locator('tr[data-status="failed"]');
    await d.waitFor();
    expect(await d.getByTestId('attempts').textContent()).toBe('2');
    expect(await d.getByTestId('last-error').textContent()).toMatch(/503/);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await undrawableGlyphs(page)).toEqual([]);

    rx.answer = () => 200;
    await d.getByRole('button', { name: /^Retry/ }).click();
    expect(await page.getByTestId('notice').textContent()).toMatch(/queued again$/);
    const [delivered] = await deliverAll(subId);
    expect(delivered.status).toBe('delivered');
    // the page polls: the row turns delivered without a reload
    await deliveries.locator('tr[data-status="delivered"]').waitFor();
    expect(await deliveries.getByRole('button', { name: /^Retry/ }).count()).toBe(0);
    expect(rx.received.at(-1)?.status).toBe(200);
    // one key on every attempt, the retry's included
    const keys = new Set(rx.received.map((r) => r.headers['idempotency-key']));
    expect(keys.size).toBe(1);

    await page.getByRole('link', { name: 'Notifications' }).first().click();
    const last = page.locator('tr[data-subscription="deploy-failures"]').getByTestId('last-delivery');
    await last.filter({ hasText: 'delivered' }).waitFor();
    await page.context().close();
  });

  it('a viewer reads subscriptions and deliveries without any command', async () => {
    const page = await signedIn(await h.token('viewer', 'notify-viewer'));
    const row = page.locator('tr[data-subscription="deploy-failures"]');
    await row.waitFor();
    expect(await page.getByRole('form', { name: 'New subscription' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Send test|Disable|Delete/ }).count()).toBe(0);
    await row.getByRole('link', { name: 'deploy-failures' }).click();
    await page.getByTestId('deliveries').locator('tr[data-status="delivered"]').waitFor();
    expect(await page.getByRole('button', { name: /Retry|Send test|Delete/ }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('fits a 390 px wide phone: nothing wider than the screen but the tables, which scroll', async () => {
    const page = await signedIn(h.adminToken, 390);
    await page.locator('tr[data-subscription="deploy-failures"]').waitFor();
    const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    await page.screenshot({ path: '/tmp/dash18-390.png', fullPage: true });
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.getByRole('link', { name: 'deploy-failures' }).click();
    await page.getByTestId('deliveries').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('disable and enable switch the subscription; delete asks first, and cancel keeps it', async () => {
    const page = await signedIn(h.adminToken);
    const row = page.locator('tr[data-subscription="deploy-failures"]');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByTestId('enabled').filter({ hasText: 'no' }).waitFor();
    expect((await h.api('GET', `/api/v1/notifications/subscriptions/${subId}`)).body.enabled).toBe(false);
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByTestId('enabled').filter({ hasText: 'yes' }).waitFor();

    await row.getByRole('button', { name: 'Delete', exact: true }).click();
    await row.getByRole('button', { name: 'Cancel' }).click();
    expect(await row.getByRole('button', { name: 'Delete deploy-failures' }).count()).toBe(0);
    expect((await h.api('GET', `/api/v1/notifications/subscriptions/${subId}`)).status).toBe(200);

    await row.getByRole('button', { name: 'Delete', exact: true }).click();
    await row.getByRole('button', { name: 'Delete deploy-failures' }).click();
    await page.getByTestId('subscriptions').getByText('No subscriptions yet.').waitFor();
    expect((await h.api('GET', `/api/v1/notifications/subscriptions/${subId}`)).status).toBe(404);
    await page.context().close();
  });

  it('no page broke the Content-Security-Policy', () => {
    expect(cspViolations).toEqual([]);
  });
});
