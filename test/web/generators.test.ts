import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { launchChromium } from '../support/chromium.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { seriousViolations } from './axe.js';

/**
 * Generated applications in the dashboard, in real headless Chromium against a real hub (serving
 * the built dist/web) and a real Git server: the generators list, a generator's page with the
 * applications it made and what it could not make, and the badge on a generated application.
 */

const CM = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;

let fx: VcsFixture;
let h: TestHub;
let browser: Browser;

async function signedIn(path: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(h.url + '/');
  await page.getByLabel('API token').fill(h.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet' }).waitFor();
  await page.goto(h.url + path);
  return page;
}

beforeAll(async () => {
  // NODE_ENV=production as in dashboard.test.ts: vitest's `test` would bundle React's dev build.
  await promisify(execFile)('npm', ['run', 'build'], {
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  const repo = await fx.createRepo();
  await fx.externalCommit(
    repo,
    { 'apps/alpha/cm.yaml': CM('alpha'), 'apps/beta/cm.yaml': CM('beta'), 'apps/Bad_Name/cm.yaml': CM('x') },
    'initial',
  );
  expect(
    (await h.api('POST', '/api/v1/repositories', { body: { name: 'fleet', type: 'git', url: repo.url } }))
      .status,
  ).toBe(201);
  await h.api('POST', '/api/v1/repositories/fleet/refresh');
  const g = await h.api('POST', '/api/v1/generators', {
    body: {
      name: 'team-apps',
      repositoryId: 'fleet',
      directories: { glob: 'apps/*' },
      template: {
        name: 'team-${dir.name}',
        path: '${dir.path}',
        targets: [{ clusterSelector: 'env=web' }],
        syncPolicy: { automated: true, prune: true, selfHeal: false },
      },
    },
  });
  expect(g.status, g.text).toBe(201);
  await h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
  browser = await launchChromium();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
  await fx?.close();
});

describe('generators in the dashboard', () => {
  it('lists generators and shows one with its applications and what it could not generate', async () => {
    const page = await signedIn('/generators');
    const row = page.locator('[data-testid="generators"] tr[data-generator="team-apps"]');
    await expect
      .poll(() => row.locator('td').allTextContents())
      .toEqual(['team-apps', 'default', 'directories apps/*', '2', '1']);
    await row.getByRole('link', { name: 'team-apps' }).click();
    await page.getByRole('heading', { name: 'team-apps' }).waitFor();
    const apps = page.locator('[data-testid="generated-applications"] tr[data-app]');
    await expect
      .poll(() => apps.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-app'))))
      .toEqual(['team-alpha', 'team-beta']);
    expect(await page.locator('[data-testid="generator-errors"]').textContent()).toContain(
      'generated name "team-Bad_Name"',
    );
    expect.soft(await seriousViolations(page), 'generator page').toEqual([]);
  });

  it('a generated application carries a badge leading to its generator', async () => {
    const page = await signedIn('/applications/team-alpha');
    const badge = page.getByTestId('app-generated');
    await expect.poll(() => badge.textContent()).toBe('generated');
    await badge.click();
    await page.getByRole('heading', { name: 'team-apps' }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/generators\//);
  });
});
