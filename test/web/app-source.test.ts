import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

/**
 * The application page's source and targets, in real headless Chromium against a real hub
 * (serving the built dist/web) and a real Git server: the kind (or "detected from the files"),
 * the Helm and Kustomize options, and per target its Helm values, read-only.
 */

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "1"\n';

let fx: VcsFixture;
let h: TestHub;
let browser: Browser;
const cspViolations: string[] = [];
const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();

async function appPage(name: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  page.setDefaultTimeout(20_000);
  await page.goto(h.url + '/');
  await page.getByLabel('API token').fill(h.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet' }).waitFor();
  await page.goto(`${h.url}/applications/${name}`);
  await page.getByRole('heading', { name: 'Source' }).waitFor();
  return page;
}

async function createApp(name: string, extra: Record<string, unknown>): Promise<void> {
  const res = await h.api('POST', '/api/v1/applications', {
    body: {
      name,
      repositoryId: 'fleet',
      path: 'apps/web',
      targets: [{ clusterSelector: 'env=nowhere', namespace: 'web' }],
      syncPolicy: { automated: false, prune: false, selfHeal: false },
      ...extra,
    },
  });
  expect(res.status, res.text).toBe(201);
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
  await fx.externalCommit(repo, { 'apps/web/cm.yaml': CM }, 'initial manifests');
  const r = await h.api('POST', '/api/v1/repositories', {
    body: { name: 'fleet', type: 'git', url: repo.url },
  });
  expect(r.status, r.text).toBe(201);
  await createApp('chart', {
    source: {
      kind: 'helm',
      helm: {
        releaseName: 'chart-rel',
        valuesFiles: ['values.yaml', 'values-prod.yaml'],
        values: { tier: 'gold' },
      },
    },
    targets: [
      {
        clusterSelector: 'region=eu',
        namespace: 'web',
        helm: { valuesFiles: ['values-eu.yaml'], values: { replicas: 3 } },
      },
      { clusterSelector: 'region=us' },
    ],
  });
  await createApp('overlay', {
    source: { kind: 'kustomize', kustomize: { path: 'overlays/${cluster.labels.env}' } },
  });
  await createApp('plain', {});
  await settle();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
  await fx?.close();
});

describe('application page: source', () => {
  it('a Helm application shows its release, values files, inline values, and each target’s values', async () => {
    const page = await appPage('chart');
    const testId = (id: string) => page.getByTestId(id);
    expect(await testId('source-kind').textContent()).toBe('Helm chart');
    expect(await testId('source-release').textContent()).toBe('chart-rel');
    expect(await testId('source-values-files').textContent()).toBe('values.yaml, values-prod.yaml');
    const own = page.getByLabel('Inline Helm values of the application');
    expect(JSON.parse((await own.textContent())!)).toEqual({ tier: 'gold' });
    const rows = page.locator('[data-testid="app-targets"] tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).locator('th').textContent()).toBe('region=eu');
    expect(await rows.nth(0).getByTestId('target-values-files').textContent()).toBe('values-eu.yaml');
    expect(JSON.parse((await page.getByLabel('Inline Helm values of target 1').textContent())!)).toEqual({
      replicas: 3,
    });
    expect(await rows.nth(1).getByTestId('target-values-files').textContent()).toBe('—');
    expect(await rows.nth(1).getByTestId('target-values').textContent()).toBe('—');
    // Read-only: nothing on the page edits the values.
    expect(
      await page.locator('[data-testid="app-source"] input, [data-testid="app-targets"] input').count(),
    ).toBe(0);
    await page.context().close();
  });

  it('a Kustomize application shows its overlay path; a detected one says so', async () => {
    const overlay = await appPage('overlay');
    expect(await overlay.getByTestId('source-kind').textContent()).toBe('Kustomize');
    expect(await overlay.getByTestId('source-kustomize-path').textContent()).toBe(
      'overlays/${cluster.labels.env}',
    );
    // No target has Helm values: no Helm columns.
    expect(await overlay.locator('[data-testid="app-targets"] thead th').allTextContents()).toEqual([
      'Cluster selector',
      'Namespace',
    ]);
    await overlay.context().close();
    const plain = await appPage('plain');
    expect(await plain.getByTestId('source-kind').textContent()).toBe('detected from the files');
    expect(await plain.getByTestId('source-release').count()).toBe(0);
    await plain.context().close();
  });

  it('no page broke the Content-Security-Policy', () => {
    expect(cspViolations).toEqual([]);
  });
});
