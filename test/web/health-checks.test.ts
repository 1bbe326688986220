import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { seriousViolations } from './axe.js';

/**
 * Custom health checks in the dashboard, in real headless Chromium against a real hub serving
 * the built dist/web: the list, an admin adding a rule, a refused expression shown at its
 * position, trying a rule on a pasted object, and a viewer who can try but not change.
 */

let h: TestHub;
let browser: Browser;

async function signedIn(token: string, path: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(h.url + '/');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet' }).waitFor();
  await page.goto(h.url + path);
  await page.getByRole('heading', { name: 'Health checks' }).waitFor();
  return page;
}

const WIDGET = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w' },
  status: { phase: 'Broken' },
};

beforeAll(async () => {
  // NODE_ENV=production as in dashboard.test.ts: vitest's `test` would bundle React's dev build.
  await promisify(execFile)('npm', ['run', 'build'], {
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  h = await startTestHub(inject('postgresUrl'));
  const seeded = await h.api('POST', '/api/v1/health-checks', {
    body: { group: 'argoproj.io', kind: 'Rollout', current: 'status.?phase.orValue("") == "Healthy"' },
  });
  expect(seeded.status, seeded.text).toBe(201);
  browser = await launchChromium();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('health checks in the dashboard', () => {
  it('an admin sees the rules, is shown where a refused expression is wrong, and adds one', async () => {
    const page = await signedIn(h.adminToken, '/health-checks');
    const rollout = page.locator('[data-testid="health-checks"] tr[data-kind="argoproj.io/Rollout"]');
    await expect
      .poll(() => rollout.locator('td').nth(3).textContent())
      .toBe('status.?phase.orValue("") == "Healthy"');
    expect.soft(await seriousViolations(page), 'health checks page').toEqual([]);

    await page.getByLabel('Group (empty for the core group)').fill('example.com');
    await page.getByLabel('Kind').fill('Widget');
    await page.getByLabel('Current (required)').fill('status.phase ==');
    await page.getByLabel('Failed (tried second)').fill('status.phase == "Broken"');
    await page.getByRole('button', { name: 'Save' }).click();
    const problems = page.getByTestId('current-problems');
    await expect
      .poll(() => problems.locator('.error').textContent())
      .toBe('current: Unexpected token: EOF (line 1, column 16)');
    // the caret sits under column 16 of the expression's line
    expect(await problems.locator('.cel-marker').textContent()).toBe(`status.phase ==\n${' '.repeat(15)}^`);
    expect.soft(await seriousViolations(page), 'a refused rule').toEqual([]);

    await page.getByLabel('Current (required)').fill('status.phase == "Ready"');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toBe('Health check for example.com/Widget saved');
    const widget = page.locator('[data-testid="health-checks"] tr[data-kind="example.com/Widget"]');
    await expect.poll(() => widget.locator('td').nth(2).textContent()).toBe('status.phase == "Broken"');
    const listed = await h.api('GET', '/api/v1/health-checks');
    expect(listed.body.items.map((r: { kind: string }) => r.kind)).toEqual(['Rollout', 'Widget']);
  });

  it('tries a rule on a pasted YAML object and shows the verdict', async () => {
    const page = await signedIn(h.adminToken, '/health-checks');
    await page.getByLabel('Group (empty for the core group)').fill('example.com');
    await page.getByLabel('Kind').fill('Widget');
    await page.getByLabel('Current (required)').fill('status.phase == "Ready"');
    await page.getByLabel('Failed (tried second)').fill('status.phase == "Broken"');
    await page
      .getByLabel('Try it on an object (JSON or YAML, as kubectl get prints it)')
      .fill(
        'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nstatus:\n  phase: Broken\n  message: disk full\n',
      );
    await page.getByRole('button', { name: 'Try it' }).click();
    await expect
      .poll(() => page.getByTestId('verdict').textContent())
      .toBe('Failed health check example.com/Widget: failed is true: disk full');
  });

  it('a viewer may try rules but sees no way to change them', async () => {
    const viewer = await h.token('viewer', 'hc-viewer');
    const page = await signedIn(viewer, '/health-checks');
    await page.locator('[data-testid="health-checks"] tr[data-kind="argoproj.io/Rollout"]').waitFor();
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    await page.getByLabel('Kind').fill('Widget');
    await page.getByLabel('Group (empty for the core group)').fill('example.com');
    await page.getByLabel('Current (required)').fill('status.phase == "Ready"');
    await page
      .getByLabel('Try it on an object (JSON or YAML, as kubectl get prints it)')
      .fill(JSON.stringify(WIDGET));
    await page.getByRole('button', { name: 'Try it' }).click();
    await expect
      .poll(() => page.getByTestId('verdict').textContent())
      .toContain('InProgress health check example.com/Widget: no expression is true yet');
    expect.soft(await seriousViolations(page), 'viewer').toEqual([]);
  });
});
