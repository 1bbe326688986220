import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewJobV1, PreviewObjectV1 } from '../../src/protocol/v1/agent-protocol.js';
import { launchChromium } from '../support/chromium.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { idOf, ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { seriousViolations } from './axe.js';
import { undrawableGlyphs } from './glyphs.js';

/**
 * The preview page and the two ways to it (the application page, a repository commit) in real
 * headless Chromium against a real hub (serving the built dist/web), a real Git server and agents
 * speaking the real v1 protocol: they take the hub's preview jobs, read the rendered bundle and
 * answer what their cluster's dry run would say (one cluster changes a field, one refuses an
 * object at admission).
 */

const CM = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "${v}"\n`;
const SVC = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n';

let fx: VcsFixture;
let repo: Awaited<ReturnType<VcsFixture['createRepo']>>;
let h: TestHub;
let browser: Browser;
const agents = new Map<string, ProtocolAgent>();
const cspViolations: string[] = [];

/** The preview jobs the hub has for an agent now. */
async function previewJobs(agent: ProtocolAgent): Promise<PreviewJobV1[]> {
  const r = await agent.call('GET', '/jobs?waitSeconds=0&limit=10');
  expect(r.status).toBe(200);
  return (r.body.previews ?? []) as PreviewJobV1[];
}

/**
 * Answers every preview job of `cluster` as its dry run would: the ConfigMap's field changes on
 * prod-1, an admission refusal of it on prod-2; the Service unchanged on both.
 */
async function answerPreviews(cluster: string): Promise<number> {
  const agent = agents.get(cluster)!;
  const jobs = await previewJobs(agent);
  for (const job of jobs) {
    const objects: PreviewObjectV1[] = (await agent.bundle(job.bundleDigest)).map((o) => {
      const id = idOf(o);
      if (o.kind !== 'ConfigMap') return { id, action: 'unchanged' };
      return cluster === 'prod-2'
        ? {
            id,
            action: 'refused',
            message: 'admission webhook "policy.example" denied the request: no configmaps',
          }
        : { id, action: 'change', changes: [{ path: '/data/a', op: 'replace', before: '1', after: '2' }] };
    });
    const r = await agent.call('POST', `/previews/${job.id}/result`, {
      reportId: randomUUID(),
      outcome: 'completed',
      objects,
    });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  }
  return jobs.length;
}

async function signedIn(token: string, path: string, width = 1440): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  page.setDefaultTimeout(20_000);
  await page.goto(h.url + '/');
  await page.getByLabel('API token').fill(token);
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
  repo = await fx.createRepo();
  await fx.externalCommit(
    repo,
    { 'apps/web/cm.yaml': CM('1'), 'apps/web/svc.yaml': SVC },
    'initial manifests',
  );
  const r = await h.api('POST', '/api/v1/repositories', {
    body: { name: 'fleet', type: 'git', url: repo.url },
  });
  expect(r.status, r.text).toBe(201);
  for (const name of ['prod-1', 'prod-2']) {
    const c = await h.api('POST', '/api/v1/clusters', { body: { name, labels: { env: 'prod' } } });
    const agent = new ProtocolAgent(h.url);
    expect((await agent.register(c.body.registration.token)).status).toBe(201);
    agents.set(name, agent);
  }
  const app = await h.api('POST', '/api/v1/applications', {
    body: {
      name: 'web',
      repositoryId: 'fleet',
      path: 'apps/web',
      targets: [{ clusterSelector: 'env=prod', namespace: 'web' }],
      syncPolicy: { automated: false, prune: false, selfHeal: false },
    },
  });
  expect(app.status, app.text).toBe(201);
  await fx.externalCommit(repo, { 'apps/web/cm.yaml': CM('2') }, 'a = 2');
  expect((await h.api('POST', '/api/v1/repositories/fleet/refresh')).status).toBe(200);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
  await fx?.close();
});

describe('previews', () => {
  let previewPath = '';

  it('an operator asks from the application page, lands on the preview, and sees it complete as agents answer', async () => {
    const page = await signedIn(await h.token('operator', 'reviewer'), '/applications/web');
    const form = page.getByRole('form', { name: 'Preview changes' });
    await form.getByLabel('Branch').fill('main');
    await form.getByRole('button', { name: 'Preview changes' }).click();
    await page.waitForURL(/\/previews\/[^/]+$/);
    previewPath = new URL(page.url()).pathname;
    const preview = page.getByTestId('preview');
    await preview.getByTestId('preview-state').filter({ hasText: 'running' }).waitFor();
    expect(await preview.getByTestId('count-pending').textContent()).toBe('2');

    // one agent answers: the page (polling) shows it while the other is still pending
    expect(await answerPreviews('prod-1')).toBe(1);
    await preview.locator('tr[data-cluster="prod-1"][data-state="changes"]').waitFor();
    expect(await preview.getByTestId('count-pending').textContent()).toBe('1');
    expect(await answerPreviews('prod-2')).toBe(1);
    await preview.getByTestId('preview-state').filter({ hasText: 'complete' }).waitFor();

    const api = (await h.api('GET', `/api/v1${previewPath}`)).body;
    expect(await preview.getByTestId('preview-summary').textContent()).toBe(api.summary.text);
    expect(await preview.getByTestId('count-failing').textContent()).toBe('1');
    expect(await preview.getByTestId('count-changing').textContent()).toBe('1');
    // failing first, with the agent's reason
    const rows = preview.locator('[data-testid="preview-clusters"] tbody tr[data-cluster]');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-cluster')))).toEqual([
      'prod-2',
      'prod-1',
    ]);

    // a cluster's objects open under its row: the field change, the unchanged Service folded
    await preview
      .locator('tr[data-cluster="prod-1"]')
      .getByRole('button', { name: /Show 2 objects/ })
      .click();
    const objects = preview.locator('[data-testid="preview-objects"][data-cluster="prod-1"]');
    const change = objects.locator('[data-action="change"] li[data-path="/data/a"]');
    expect((await change.textContent())?.replace(/\s+/g, ' ')).toBe('/data/a replace: "1" → "2"');
    const unchanged = objects.getByTestId('unchanged');
    expect(await unchanged.locator('summary').textContent()).toBe('1 unchanged object');
    expect(await unchanged.getAttribute('open')).toBeNull();
    await preview
      .locator('tr[data-cluster="prod-2"]')
      .getByRole('button', { name: /Show 2 objects/ })
      .click();
    expect(
      await preview
        .locator('[data-testid="preview-objects"][data-cluster="prod-2"] [data-action="refused"]')
        .textContent(),
    ).toContain('admission webhook "policy.example" denied the request');
    expect(await seriousViolations(page)).toEqual([]);
    expect(await undrawableGlyphs(page)).toEqual([]);

    // the application page lists it among its recent previews
    await page.goto(`${h.url}/applications/web`);
    const recent = page.getByTestId('recent-previews');
    await recent.waitFor();
    expect(await recent.locator('tbody tr').count()).toBe(1);
    expect(await recent.locator('tbody tr td.message').textContent()).toBe(api.summary.text);
    await page.context().close();
  });

  it('an operator previews a repository commit for an application of that repository', async () => {
    const page = await signedIn(await h.token('operator', 'commit-reviewer'), '/repositories/fleet');
    const revisions = page.getByTestId('revisions');
    const first = revisions.locator('tbody tr').first();
    await first.waitFor();
    const display = (await first.locator('code').first().textContent())!;
    await first.getByRole('button', { name: `Preview ${display}` }).click();
    const ask = page.getByTestId('preview-commit');
    // the repository's applications load after the form opens: the first is chosen once they are there
    await ask.locator('option').first().waitFor({ state: 'attached' });
    expect(await ask.getByLabel(/for application/).inputValue()).not.toBe('');
    expect(await seriousViolations(page)).toEqual([]);
    await ask.getByRole('button', { name: 'Preview this revision' }).click();
    await page.waitForURL(/\/previews\/[^/]+$/);
    const path = new URL(page.url()).pathname;
    expect(path).not.toBe(previewPath);
    const dto = (await h.api('GET', `/api/v1${path}`)).body;
    expect(dto.applicationName).toBe('web');
    expect(dto.ref.revision).toBeTruthy();
    expect(dto.revisionDisplay).toContain(display.slice(0, 7));
    await page.getByTestId('preview-summary').waitFor();
    await page.context().close();
  });

  it('a viewer reads previews but has no preview buttons', async () => {
    const page = await signedIn(await h.token('viewer', 'watcher'), '/applications/web');
    await page.getByTestId('recent-previews').waitFor();
    expect(await page.getByRole('form', { name: 'Preview changes' }).count()).toBe(0);
    await page.goto(h.url + '/repositories/fleet');
    await page.getByTestId('revisions').locator('tbody tr').first().waitFor();
    expect(await page.getByRole('button', { name: /^Preview/ }).count()).toBe(0);
    await page.goto(h.url + previewPath);
    await page.getByTestId('preview-summary').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('fits a 390 px wide phone: only the cluster table scrolls', async () => {
    const page = await signedIn(h.adminToken, previewPath, 390);
    await page.getByTestId('preview-summary').waitFor();
    await page
      .locator('tr[data-cluster="prod-1"]')
      .getByRole('button', { name: /Show 2 objects/ })
      .click();
    expect(
      await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'),
    ).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await undrawableGlyphs(page)).toEqual([]);
    await page.context().close();
  });

  it('no page broke the Content-Security-Policy', () => {
    expect(cspViolations).toEqual([]);
  });
});
