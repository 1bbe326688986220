import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { launchChromium } from '../support/chromium.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { seriousViolations } from './axe.js';

/**
 * The application page of an application held for its dependencies (issue 20), in real headless
 * Chromium against a real hub serving the built dist/web, a real Git server and an agent
 * speaking the real v1 protocol: the page names the dependencies and, on the cluster's row,
 * why its job waits.
 */

const CM = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;

let fx: VcsFixture;
let h: TestHub;
let browser: Browser;

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
    { 'apps/base/cm.yaml': CM('base'), 'apps/web/cm.yaml': CM('web') },
    'initial',
  );
  const r = await h.api('POST', '/api/v1/repositories', {
    body: { name: 'fleet', type: 'git', url: repo.url },
  });
  expect(r.status, r.text).toBe(201);
  const c = await h.api('POST', '/api/v1/clusters', { body: { name: 'prod-eu-1', labels: { env: 'prod' } } });
  expect((await new ProtocolAgent(h.url).register(c.body.registration.token)).status).toBe(201);
  for (const [name, dependsOn] of [
    ['base', []],
    ['web', ['base']],
  ] as const) {
    const a = await h.api('POST', '/api/v1/applications', {
      body: {
        name,
        repositoryId: 'fleet',
        path: `apps/${name}`,
        targets: [{ clusterSelector: 'env' }],
        syncPolicy: { automated: true, prune: false, selfHeal: false },
        dependsOn,
      },
    });
    expect(a.status, a.text).toBe(201);
  }
  await h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
  await fx?.close();
});

describe('application page: dependencies', () => {
  it('names the dependencies and shows why the job waits on the cluster', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(h.url + '/');
    await page.getByLabel('API token').fill(await h.token('viewer', 'deps-viewer'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Fleet' }).waitFor();
    await page.goto(`${h.url}/applications/web`);
    await page.getByRole('heading', { name: 'Clusters', exact: true }).waitFor();

    const deps = page.getByTestId('depends-on');
    expect(await deps.textContent()).toMatch(/^depends on base/);
    expect(await deps.getByRole('link', { name: 'base' }).getAttribute('href')).toBe('/applications/base');
    const row = page.locator('[data-testid="app-clusters"] tr[data-cluster="prod-eu-1"]');
    expect(await row.getByTestId('waiting-for').textContent()).toBe(
      'waiting for base on prod-eu-1: Progressing',
    );
    expect(await row.locator('.badge', { hasText: 'waiting' }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await ctx.close();
  });
});
