import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { seriousViolations } from './axe.js';
import { undrawableGlyphs } from './glyphs.js';

/**
 * The dashboard in real headless Chromium against a real hub (serving the built dist/web), a
 * real Git server and protocol agents driven by the test.
 */
// Browser globals used inside page.evaluate/waitForFunction callbacks (this project has no DOM lib).
interface BrowserElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: {
  querySelector(selector: string): BrowserElement | null;
  querySelectorAll(selector: string): { length: number };
};
declare const sessionStorage: { getItem(key: string): string | null };
declare function getComputedStyle(el: unknown): { backgroundColor: string };

const run = promisify(execFile);
// Screenshots go to docs/screenshots (shown in the README) when FLOTILLA_WRITE_DOCS=1, else to a
// temp dir, so an ordinary test run leaves the tracked images alone.
const SHOTS =
  process.env.FLOTILLA_WRITE_DOCS === '1'
    ? 'docs/screenshots'
    : mkdtempSync(join(tmpdir(), 'flotilla-screenshots-'));
const DEPLOY = (image: string, replicas = 3) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels:\n    env: \${cluster.labels.env}\nspec:\n  replicas: ${replicas}\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${image}\n`;
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  ports:\n    - port: 80\n';
const CONFIG = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: worker\ndata:\n  mode: batch\n';

let fx: VcsFixture;
let h: TestHub;
let browser: Browser;
const agents: Record<string, ProtocolAgent> = {};
const clusterIds: Record<string, string> = {};
const appIds: Record<string, string> = {};

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();

/** Everything Chromium refused under the hub's Content-Security-Policy, on any page. */
const cspViolations: string[] = [];
function watchCsp(page: Page): Page {
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  return page;
}

async function signedIn(token: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = watchCsp(await ctx.newPage());
  page.setDefaultTimeout(20_000);
  await page.goto(h.url + '/');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet' }).waitFor();
  return page;
}

/** Colour class the dashboard must give a cell, from the API's own view of it. */
function expectedState(sync: string, health: string): string {
  if (sync === 'Failed' || health === 'Failed') return 'failed';
  if (sync === 'OutOfSync') return 'outofsync';
  if (sync === 'Progressing' || health === 'InProgress' || health === 'Terminating') return 'progressing';
  if (sync === 'Synced' && health === 'Current') return 'ok';
  return 'unknown';
}

beforeAll(async () => {
  // The hub under test serves dist/web: build it (and the hub) once, as `npm run build` does.
  // NODE_ENV=production: vitest sets `test`, which would make Vite bundle React's development build.
  await run('npm', ['run', 'build'], {
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  await mkdir(SHOTS, { recursive: true });
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  const repo = await fx.createRepo();
  await fx.externalCommit(
    repo,
    {
      'apps/web/deploy.yaml': DEPLOY('api:1'),
      'apps/web/svc.yaml': SERVICE,
      'apps/worker/config.yaml': CONFIG,
    },
    'initial manifests',
  );
  expect(
    (await h.api('POST', '/api/v1/repositories', { body: { name: 'fleet', type: 'git', url: repo.url } }))
      .status,
  ).toBe(201);
  await h.api('POST', '/api/v1/repositories/fleet/refresh');
  for (const [name, env] of [
    ['prod-eu', 'prod'],
    ['prod-us', 'prod'],
    ['dev-1', 'dev'],
  ] as const) {
    const c = await h.api('POST', '/api/v1/clusters', {
      body: { name, labels: { env, region: name.split('-')[1] } },
    });
    clusterIds[name] = c.body.id;
    agents[name] = new ProtocolAgent(h.url);
    expect((await agents[name].register(c.body.registration.token)).status).toBe(201);
  }
  for (const [name, path, selector] of [
    ['web', 'apps/web', 'env=prod'],
    ['worker', 'apps/worker', 'env in (prod,dev)'],
  ] as const) {
    const res = await h.api('POST', '/api/v1/applications', {
      body: {
        name,
        repositoryId: 'fleet',
        path,
        targets: [{ clusterSelector: selector, namespace: name }],
        syncPolicy: { automated: true, prune: true, selfHeal: true },
      },
    });
    expect(res.status).toBe(201);
    appIds[name] = res.body.id;
  }
  await settle();
  // prod-eu applies everything; prod-us fails web and applies worker; dev-1 leaves worker leased.
  for (const job of await agents['prod-eu'].poll()) await agents['prod-eu'].succeed(job);
  for (const job of await agents['prod-us'].poll())
    if (job.applicationName === 'web')
      await agents['prod-us'].fail(
        job,
        'admission webhook "policy" denied: image api:1 is not signed',
        false,
      );
    else await agents['prod-us'].succeed(job);
  expect(await agents['dev-1'].poll()).toHaveLength(1);
  await settle();
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await fx?.close();
});

describe('dashboard', () => {
  let admin: Page;

  it('serves the application shell at / and for client routes, and leaves the API alone', async () => {
    const root = await fetch(h.url + '/');
    expect(root.headers.get('content-type')).toContain('text/html');
    expect(await root.text()).toContain('<div id="root">');
    expect((await fetch(h.url + '/applications/web')).status).toBe(200);
    expect((await fetch(h.url + '/assets/missing.js')).status).toBe(404);
    expect((await fetch(h.url + '/api/v1/clusters')).status).toBe(401);
    expect((await fetch(h.url + '/api/v1/nope')).status).toBe(404);
    expect((await fetch(h.url + '/healthz')).status).toBe(200);
    const csp = root.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(root.headers.get('x-content-type-options')).toBe('nosniff');
    expect(root.headers.get('x-powered-by')).toBeNull();
  });

  it('signs in with a token and out again, refusing a wrong one', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = watchCsp(await ctx.newPage());
    await page.goto(h.url + '/');
    await page.getByLabel('API token').waitFor();
    expect.soft(await seriousViolations(page), 'sign-in').toEqual([]);
    await page.screenshot({ path: `${SHOTS}/sign-in.png` });
    await page.getByLabel('API token').fill('flt_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('401');
    await page.getByLabel('API token').fill(h.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Fleet' }).waitFor();
    expect(await page.getByTestId('role').textContent()).toBe('admin');
    expect(await page.evaluate(() => sessionStorage.getItem('flotilla.token'))).toBe(h.adminToken);
    await page.reload();
    await page.getByRole('heading', { name: 'Fleet' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('flotilla.token'))).toBeNull();
    await ctx.close();
  });

  it('the landing view leads with what needs attention, by application and by label, one click from the clusters', async () => {
    admin = await signedIn(h.adminToken);
    // prod-us failed web; dev-1's worker job is still leased (progressing: no problem yet)
    await admin.getByTestId('by-application').waitFor();
    expect(await admin.getByTestId('count-affected').textContent()).toBe('1');
    expect(await admin.getByTestId('count-clusters').textContent()).toBe('3');
    expect(await admin.getByTestId('count-failed').textContent()).toBe('1');
    expect(await admin.getByTestId('count-disconnected').textContent()).toBe('0');
    const apps = admin.getByTestId('by-application').locator('tbody tr');
    expect(await apps.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-group')))).toEqual(['web']);
    expect(await apps.first().locator('[data-kind="failed"]').textContent()).toContain('1');
    // grouped by the label most clusters carry (env and region tie: env by name), or another one
    const byLabel = admin.getByTestId('by-label');
    expect(await admin.getByLabel('Group clusters by').inputValue()).toBe('env');
    expect(await byLabel.locator('tbody tr').getAttribute('data-group')).toBe('prod');
    await admin.getByLabel('Group clusters by').selectOption('region');
    await byLabel.locator('tbody tr[data-group="us"]').waitFor();
    expect(await byLabel.locator('tbody tr').count()).toBe(1);
    // one click: the group's affected clusters with their messages
    await byLabel.getByRole('link', { name: 'us', exact: true }).click();
    const affected = admin.getByTestId('affected');
    await affected.locator('[data-cluster="prod-us"]').waitFor();
    expect(await affected.locator('tbody tr').count()).toBe(1);
    const row = await affected.locator('[data-cluster="prod-us"]').textContent();
    expect(row).toContain('Failed');
    expect(row).toContain('admission webhook "policy" denied: image api:1 is not signed');
    await admin.getByTestId('by-application').getByRole('link', { name: 'web', exact: true }).click();
    await admin.waitForURL(/app=web/);
    await affected.getByRole('heading', { name: /application web/ }).waitFor();
    expect(await undrawableGlyphs(admin)).toEqual([]);
    expect.soft(await seriousViolations(admin), 'overview').toEqual([]);
    await admin.screenshot({ path: `${SHOTS}/overview.png` });
    // from the list straight to the application on that cluster
    await affected.getByRole('link', { name: 'prod-us' }).click();
    await admin.getByRole('heading', { name: 'web', exact: true }).waitFor();
    await admin.goBack();
    await affected.waitFor();
  });

  it('the full grid shows every cluster and application, coloured by sync and health, with counts', async () => {
    await admin
      .getByRole('navigation', { name: 'Fleet views' })
      .getByRole('link', { name: 'All clusters' })
      .click();
    const grid = admin.getByTestId('fleet-grid');
    await grid.locator('[data-cluster="dev-1"]').waitFor();
    expect(await admin.getByTestId('count-clusters').textContent()).toBe('3');
    expect(await admin.getByTestId('count-connected').textContent()).toBe('3');
    expect(await admin.getByTestId('count-apps').textContent()).toBe('2');
    const cell = (cluster: string, app: string) =>
      grid.locator(`[data-cluster="${cluster}"] [data-app="${app}"]`).getAttribute('data-state');
    for (const app of ['web', 'worker']) {
      const detail = (await h.api('GET', `/api/v1/applications/${app}`)).body;
      for (const cluster of ['prod-eu', 'prod-us', 'dev-1']) {
        const s = detail.clusters.find((c: { clusterName: string }) => c.clusterName === cluster);
        expect(await cell(cluster, app), `${app} on ${cluster}`).toBe(
          s ? expectedState(s.sync, s.health) : 'none',
        );
      }
    }
    expect(await cell('prod-eu', 'web')).toBe('ok');
    expect(await cell('prod-us', 'web')).toBe('failed');
    expect(await cell('dev-1', 'web')).toBe('none');
    // The green cell is green.
    const colour = await grid
      .locator('[data-cluster="prod-eu"] [data-app="web"]')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(colour).toBe('rgb(26, 127, 55)');
    // colour is not the only sign: every cell carries its state's symbol
    const cells = grid.locator('a.cell');
    expect(await cells.locator('svg.icon').count()).toBe(await cells.count());
    expect.soft(await seriousViolations(admin), 'grid').toEqual([]);
    await admin.screenshot({ path: `${SHOTS}/grid.png` });

    // Filters: the label selector goes to the server, the state filter narrows rows.
    await admin.getByLabel('Label selector').fill('env=prod');
    await admin.getByRole('button', { name: 'Apply' }).click();
    await admin.waitForFunction(
      () => document.querySelector('[data-testid="count-clusters"]')?.textContent === '2',
    );
    expect(await grid.locator('[data-cluster="dev-1"]').count()).toBe(0);
    await admin.getByLabel('State').selectOption('failed');
    await admin.waitForFunction(
      () => document.querySelectorAll('[data-testid="fleet-grid"] [role="row"][data-cluster]').length === 1,
    );
    expect(await grid.locator('[data-cluster="prod-us"]').count()).toBe(1);
    await admin.getByLabel('State').selectOption('all');
    await admin.getByLabel('Label selector').fill('');
    await admin.getByRole('button', { name: 'Apply' }).click();
    await admin.waitForFunction(
      () => document.querySelector('[data-testid="count-clusters"]')?.textContent === '3',
    );
  });

  it('updates live without a reload', async () => {
    const job = (await agents['dev-1'].poll())[0] ?? null;
    // dev-1's worker job was leased in setup; finish it now and watch the cell turn green.
    const leased = await h.sql<{ id: string }>(
      "SELECT id FROM reconcile_jobs WHERE cluster_id = $1 AND state = 'leased'",
      [clusterIds['dev-1']],
    );
    expect(job).toBeNull();
    await agents['dev-1'].call('POST', `/jobs/${leased[0].id}/result`, {
      reportId: crypto.randomUUID(),
      outcome: 'succeeded',
      resources: [{ id: '/ConfigMap/worker/worker', action: 'created', health: 'Current' }],
      inventory: ['/ConfigMap/worker/worker'],
    });
    await admin.waitForFunction(
      () =>
        document
          .querySelector('[data-testid="fleet-grid"] [data-cluster="dev-1"] [data-app="worker"]')
          ?.getAttribute('data-state') === 'ok',
      undefined,
      { timeout: 15_000 },
    );
  });

  it('the grid header is as tall as its names and the first row starts right below it', async () => {
    const grid = admin.getByTestId('fleet-grid');
    const head = await grid.locator('.grid-head').boundingBox();
    const first = await grid.locator('[role="row"][data-cluster]').first().boundingBox();
    // the names run vertically: a link's height is the length of its name
    const names = await grid.locator('.app-head a').all();
    const heights = await Promise.all(names.map(async (a) => (await a.boundingBox())?.height ?? 0));
    expect(head && first).toBeTruthy();
    const tallest = Math.max(...heights);
    expect(head!.height - tallest).toBeLessThan(24);
    expect(Math.abs(first!.y - (head!.y + head!.height))).toBeLessThanOrEqual(2);
    expect(await undrawableGlyphs(admin)).toEqual([]);
  });

  it('the application page shows per-cluster state, full errors and a side-by-side drift diff', async () => {
    await agents['prod-eu'].status({
      resources: [
        {
          applicationId: appIds.web,
          resource: 'apps/Deployment/web/api',
          health: 'Current',
          drifted: true,
          diff: '- /spec/replicas: 5\n+ /spec/replicas: 3\n- /spec/template/spec/containers/0/image: "api:0"\n+ /spec/template/spec/containers/0/image: "api:1"',
        },
      ],
      events: [],
    });
    await settle();
    await admin.getByRole('link', { name: 'web', exact: true }).first().click();
    await admin.getByRole('heading', { name: 'web', exact: true }).waitFor();
    const rows = admin.getByTestId('app-clusters');
    await rows.locator('[data-cluster="prod-us"]').waitFor();
    const us = await rows.locator('[data-cluster="prod-us"]').textContent();
    expect(us).toContain('Failed');
    expect(us).toContain('admission webhook "policy" denied: image api:1 is not signed');
    expect(await rows.locator('[data-cluster="prod-eu"]').textContent()).toMatch(/main@[0-9a-f]{7}/);
    await rows.getByRole('link', { name: 'prod-eu' }).click();
    const res = admin.getByTestId('resources').locator('[data-resource="apps/Deployment/web/api"]');
    await res.waitFor();
    expect(await res.textContent()).toContain('Deployment');
    await res.getByRole('button', { name: /Show diff/ }).click();
    const diff = admin.getByTestId('diff');
    await diff.waitFor();
    expect(await diff.locator('td.del').allTextContents()).toEqual([
      '-/spec/replicas: 5',
      '-/spec/template/spec/containers/0/image: "api:0"',
    ]);
    expect(await diff.locator('td.add').first().textContent()).toBe('+/spec/replicas: 3');
    expect.soft(await seriousViolations(admin), 'application').toEqual([]);
    await admin.screenshot({ path: `${SHOTS}/application.png`, fullPage: true });
  });

  it('Sync queues jobs, and the page follows them through the agent to success', async () => {
    await admin.getByRole('button', { name: 'Sync', exact: true }).click();
    await admin.getByTestId('notice').waitFor();
    expect(await admin.getByTestId('notice').textContent()).toMatch(/Sync: 2 job\(s\) queued/);
    for (const name of ['prod-eu', 'prod-us']) {
      const jobs = await agents[name].poll();
      expect(jobs.map((j) => j.applicationName)).toEqual(['web']);
      await agents[name].succeed(jobs[0]);
    }
    await settle();
    await admin.waitForFunction(
      () => {
        const row = document.querySelector('[data-testid="app-clusters"] [data-cluster="prod-us"]');
        return !!row && row.textContent!.includes('succeeded') && row.textContent!.includes('Synced');
      },
      undefined,
      { timeout: 15_000 },
    );
    const history = admin.getByTestId('history');
    await admin.waitForFunction(() =>
      document.querySelector('[data-testid="history"] tbody')?.textContent?.includes('sync'),
    );
    expect(await history.locator('tbody tr').count()).toBeGreaterThanOrEqual(2);
  });

  it('the repository browser shows the tree, highlighted files and history; an edit is committed, validated and conflicts are shown', async () => {
    await admin.getByRole('link', { name: 'Repositories' }).click();
    await admin.getByRole('link', { name: 'fleet', exact: true }).waitFor();
    expect.soft(await seriousViolations(admin), 'repositories').toEqual([]);
    await admin.getByRole('link', { name: 'fleet', exact: true }).click();
    await admin.getByRole('button', { name: /apps\/$/ }).click();
    await admin.getByRole('button', { name: /web\/$/ }).click();
    await admin.getByRole('button', { name: /deploy\.yaml/ }).click();
    const view = admin.getByTestId('file-view');
    await view.waitFor();
    expect(await view.textContent()).toContain('image: api:1');
    expect(await view.locator('.hl-key').count()).toBeGreaterThan(5);
    expect(await view.locator('.hl-var').first().textContent()).toBe('${cluster.labels.env}');
    // the tree's icons are inline SVG (no font needed), named for screen readers
    const entries = admin.locator('ul.tree li button');
    expect(await entries.count()).toBeGreaterThan(1);
    expect(await entries.locator('svg.icon[aria-hidden="true"]').count()).toBe(await entries.count());
    expect(await admin.locator('ul.tree').getByText('Parent folder', { exact: true }).count()).toBe(1);
    expect(await admin.locator('ul.tree').getByText('File', { exact: true }).count()).toBeGreaterThan(0);
    expect(await undrawableGlyphs(admin)).toEqual([]);

    // Invalid YAML: the API's validation message appears inline, nothing is committed.
    await admin.getByRole('button', { name: 'Edit' }).click();
    await admin.getByLabel('Content').fill('kind: [unclosed\n');
    await admin.getByLabel('Commit message').fill('broken');
    await admin.getByRole('button', { name: 'Commit' }).click();
    await admin.getByTestId('commit-error').waitFor();
    expect(await admin.getByTestId('commit-error').textContent()).toMatch(/400/);

    await admin.getByLabel('Content').fill(DEPLOY('api:2', 4));
    await admin.getByLabel('Commit message').fill('web: api 2 with four replicas');
    await admin.getByRole('button', { name: 'Commit' }).click();
    const revisions = admin.getByTestId('revisions');
    await admin.waitForFunction(() =>
      document
        .querySelector('[data-testid="revisions"] tbody tr')
        ?.textContent?.includes('web: api 2 with four replicas'),
    );
    expect(await revisions.locator('tbody tr').first().textContent()).toContain('admin');
    await admin.waitForFunction(() =>
      document.querySelector('[data-testid="file-view"]')?.textContent?.includes('api:2'),
    );
    expect.soft(await seriousViolations(admin), 'repository').toEqual([]);
    await admin.screenshot({ path: `${SHOTS}/repository.png`, fullPage: true });

    // Someone else commits while we edit: the stale base shows as a conflict.
    await admin.getByRole('button', { name: 'Edit' }).click();
    const other = await h.api('PUT', '/api/v1/repositories/fleet/files/apps/web/deploy.yaml', {
      body: { content: DEPLOY('api:3'), message: 'concurrent change' },
    });
    expect(other.status).toBe(200);
    await admin.getByLabel('Content').fill(DEPLOY('api:9'));
    await admin.getByLabel('Commit message').fill('stale edit');
    await admin.getByRole('button', { name: 'Commit' }).click();
    await admin.getByTestId('commit-conflict').waitFor();
    expect(await admin.getByTestId('commit-conflict').textContent()).toContain('Conflict');
    expect.soft(await seriousViolations(admin), 'repository-conflict').toEqual([]);
    await admin.screenshot({ path: `${SHOTS}/repository-conflict.png`, fullPage: true });
    await admin.getByRole('button', { name: 'Cancel' }).click();
  });

  it('the commit appears in the audit timeline, which verifies the chain and filters', async () => {
    await admin.getByRole('link', { name: 'Audit trail' }).click();
    await admin.getByTestId('verify').waitFor();
    await admin.waitForFunction(() =>
      document.querySelector('[data-testid="verify"]')?.textContent?.includes('verified'),
    );
    await admin.getByLabel('Action').fill('resource.committed');
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.waitForFunction(() =>
      document.querySelector('[data-testid="audit-count"]')?.textContent?.includes('(all)'),
    );
    const items = admin.getByTestId('timeline').locator('li');
    expect(await items.count()).toBe(2);
    expect(new Set(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-action'))))).toEqual(
      new Set(['resource.committed']),
    );
    // each entry reads as a sentence first, naming with links what it touched
    const commit = items.last().getByTestId('sentence');
    expect(await commit.textContent()).toMatch(
      /^admin committed apps\/web\/deploy\.yaml to fleet at main@[0-9a-f]{7} — 'web: api 2 with four replicas'$/,
    );
    const repoId = (await h.api('GET', '/api/v1/repositories/fleet')).body.id as string;
    expect(await commit.getByRole('link', { name: 'fleet' }).getAttribute('href')).toBe(
      `/repositories/${repoId}`,
    );
    expect(await commit.getByRole('link', { name: /^main@/ }).getAttribute('href')).toMatch(
      new RegExp(`^/repositories/${repoId}\\?revision=[0-9a-f]{40}$`),
    );
    // the hash, sequence and raw details are one click away
    expect(await items.last().locator('pre.json').isVisible()).toBe(false);
    await items.last().locator('summary').click();
    expect(await items.last().locator('pre.json').textContent()).toContain('web: api 2 with four replicas');
    expect(await items.last().locator('dl.details').textContent()).toMatch(/Hash[0-9a-f]{64}/);
    // one filter form, also after a filter changed the URL (duplicate React keys once left two)
    expect(await admin.getByRole('search', { name: 'Filter events' }).count()).toBe(1);
    expect(await admin.locator('form').count()).toBe(1);
    expect(await undrawableGlyphs(admin)).toEqual([]);
    // a job result: the cluster applied the application at a revision, each named a link
    await admin.getByLabel('Action').fill('job.succeeded');
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.waitForFunction(() =>
      document.querySelector('[data-testid="audit-count"]')?.textContent?.includes('(all)'),
    );
    const applied = items.filter({ hasText: /^.*prod-eu applied web at main@[0-9a-f]{7}: / }).first();
    await applied.waitFor();
    const sentence = applied.getByTestId('sentence');
    expect(await sentence.getByRole('link', { name: 'prod-eu' }).getAttribute('href')).toBe(
      `/audit?cluster=${clusterIds['prod-eu']}`,
    );
    expect(await sentence.getByRole('link', { name: 'web' }).getAttribute('href')).toBe('/applications/web');
    await admin.getByLabel('Action').fill('');
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.waitForFunction(() =>
      document.querySelector('[data-testid="audit-count"]')?.textContent?.includes('(all)'),
    );
    expect.soft(await seriousViolations(admin), 'audit').toEqual([]);
    await admin.screenshot({ path: `${SHOTS}/audit.png`, fullPage: true });
  });

  it('audit filters by cluster and action, and scrolls in keyset pages', async () => {
    const c = await h.api('POST', '/api/v1/clusters', { body: { name: 'spare', labels: { tier: 'spare' } } });
    for (let i = 0; i < 70; i++)
      expect(
        (
          await h.api('PATCH', '/api/v1/clusters/spare', {
            body: { labels: { tier: 'spare', n: String(i) } },
          })
        ).status,
      ).toBe(200);
    await admin.goto(h.url + '/audit');
    await admin.getByLabel('Cluster').selectOption(c.body.id);
    await admin.getByLabel('Action').fill('cluster.updated');
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.waitForURL(/cluster=/);
    const items = admin.getByTestId('timeline').locator('li');
    await admin.waitForFunction(() => document.querySelectorAll('[data-testid="timeline"] li').length === 50);
    // Only the first page is loaded until the end of the list scrolls into view.
    await admin.waitForTimeout(500);
    expect(await items.count()).toBe(50);
    await items.last().scrollIntoViewIfNeeded();
    await admin.mouse.wheel(0, 20_000);
    await admin.waitForFunction(() => document.querySelectorAll('[data-testid="timeline"] li').length === 70);
    await admin.getByTestId('audit-count').getByText('(all)').waitFor();
    const seqs = await items.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(70);
    // Time range: nothing before the cluster existed.
    await admin.goto(
      `${h.url}/audit?cluster=${c.body.id}&until=${encodeURIComponent('2000-01-01T00:00:00.000Z')}`,
    );
    await admin.getByText('No events match.').waitFor();
  });

  it('a rewound branch is shown on the repository and its applications', async () => {
    const [{ last_revision: head }] = await h.sql<{ last_revision: string }>(
      `SELECT last_revision FROM repositories WHERE name = 'fleet'`,
    );
    // what the poller records when the branch head moves to an ancestor (tested in integration)
    await h.sql(
      `UPDATE repositories SET rewound_from = $1, rewound_to = 'main@sha1:0000000000000000000000000000000000000001', rewound_at = now() WHERE name = 'fleet'`,
      [head],
    );
    try {
      await admin.goto(h.url + '/applications/web');
      const app = admin.getByTestId('rewound');
      await app.waitFor();
      expect(await app.textContent()).toMatch(/moved back from .*main@0000000/);
      await admin.goto(h.url + '/repositories/fleet');
      await admin.getByTestId('rewound').waitFor();
    } finally {
      await h.sql(
        `UPDATE repositories SET rewound_from = NULL, rewound_to = NULL, rewound_at = NULL WHERE name = 'fleet'`,
      );
    }
    await admin.goto(h.url + '/applications/web');
    await admin.getByTestId('app-clusters').waitFor();
    expect(await admin.getByTestId('rewound').count()).toBe(0);
  });

  it('Rollback pins an earlier revision and pauses automation; Unpin resumes it', async () => {
    await admin.goto(h.url + '/applications/web');
    await admin.getByTestId('app-clusters').waitFor();
    expect((await h.api('GET', '/api/v1/applications/web')).body.revision ?? null).toBeNull();
    const revs = await h.api('GET', '/api/v1/repositories/fleet/revisions?path=apps/web&limit=50');
    const initial = revs.body.items.find((c: { message: string }) =>
      c.message.startsWith('initial manifests'),
    );
    expect(initial).toBeTruthy();
    expect(revs.body.items[0].revision.id).not.toBe(initial.revision.id);
    const select = admin.locator('select[name="rollback-revision"]');
    await select.locator(`option[value="${initial.revision.id}"]`).waitFor({ state: 'attached' });
    await select.selectOption(initial.revision.id);
    await admin.getByRole('button', { name: 'Rollback', exact: true }).click();
    await admin
      .getByTestId('notice')
      .getByText(/^Rollback: \d+ job\(s\) queued/)
      .waitFor();
    const pinned = (await h.api('GET', '/api/v1/applications/web')).body;
    expect(pinned.revision).toBe(initial.revision.id);
    expect(pinned.suspended).toBe(true);
    await admin.getByText('pinned to').waitFor();

    await admin.getByRole('button', { name: 'Unpin', exact: true }).click();
    await admin
      .getByTestId('notice')
      .getByText(/^Unpin: \d+ job\(s\) queued/)
      .waitFor();
    const resumed = (await h.api('GET', '/api/v1/applications/web')).body;
    expect(resumed.revision ?? null).toBeNull();
    expect(resumed.suspended).toBe(false);
    expect(resumed.syncPolicy.automated).toBe(true);
    await admin.getByRole('button', { name: 'Unpin' }).waitFor({ state: 'detached' });
    await settle();
  });

  it('keyboard only: sign in, the fleet, an application, Sync — every focus visible', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = watchCsp(await ctx.newPage());
    page.setDefaultTimeout(20_000);
    await page.goto(h.url + '/');
    await page.getByLabel('API token').waitFor();
    // the token field has the focus on arrival: type, then Enter submits
    expect(await focused(page)).toMatchObject({ tag: 'INPUT', id: 'token' });
    await page.keyboard.type(h.adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Fleet' }).waitFor();
    await tabTo(page, (f) => f.text === 'All clusters');
    await page.keyboard.press('Enter');
    await page.getByTestId('fleet-grid').locator('.app-head a').first().waitFor();
    await tabTo(page, (f) => f.tag === 'A' && f.text === 'web' && f.inHead);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'web', exact: true }).waitFor();
    await tabTo(page, (f) => f.tag === 'BUTTON' && f.text === 'Sync');
    await page.keyboard.press('Enter');
    await page
      .getByTestId('notice')
      .getByText(/^Sync: \d+ job\(s\) queued/)
      .waitFor();
    await ctx.close();
    // the queued jobs run, as the agents would
    for (const name of ['prod-eu', 'prod-us'])
      for (const job of await agents[name].poll()) await agents[name].succeed(job);
    await settle();
  });

  it('a viewer sees no write buttons anywhere, and the grid still works', async () => {
    // The role comes from GET /api/v1/whoami: the dashboard no longer probes an admin-only route.
    const asked: string[] = [];
    const viewerToken = await h.token('viewer', 'ops-viewer');
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const viewer = watchCsp(await ctx.newPage());
    viewer.setDefaultTimeout(20_000);
    viewer.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await viewer.goto(h.url + '/');
    await viewer.getByLabel('API token').fill(viewerToken);
    await viewer.getByRole('button', { name: 'Sign in' }).click();
    await viewer.getByRole('heading', { name: 'Fleet' }).waitFor();
    expect(await viewer.getByTestId('role').textContent()).toBe('viewer');
    expect(await viewer.getByTestId('token-name').textContent()).toBe('ops-viewer');
    expect(asked).toContain('/api/v1/whoami');
    expect(asked).not.toContain('/api/v1/tokens');
    // everything is synced by now: the landing view says so
    await viewer.getByTestId('all-clear').waitFor();
    await viewer.goto(h.url + '/?view=grid');
    await viewer.getByTestId('fleet-grid').locator('[data-cluster="prod-eu"]').waitFor();
    await viewer.goto(h.url + '/applications/web');
    await viewer.getByTestId('app-clusters').locator('[data-cluster="prod-eu"]').waitFor();
    expect(await viewer.getByRole('button', { name: 'Sync' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Rollback' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Unpin' }).count()).toBe(0);
    await viewer.goto(h.url + '/repositories/fleet?file=apps/web/deploy.yaml');
    await viewer.getByTestId('file-view').waitFor();
    expect(await viewer.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    const operator = await signedIn(await h.token('operator', 'ops-operator'));
    expect(await operator.getByTestId('role').textContent()).toBe('operator');
    await operator.goto(h.url + '/applications/web');
    await operator.getByRole('button', { name: 'Sync', exact: true }).waitFor();
  });
});

interface Focused {
  tag: string;
  id: string;
  text: string;
  inHead: boolean;
  outline: string;
}

/** The focused element, and the outline it is drawn with. */
function focused(page: Page): Promise<Focused | null> {
  return page.evaluate(() => {
    const el = (document as unknown as { activeElement: HTMLLike | null }).activeElement;
    if (!el || el.tagName === 'BODY') return null;
    const style = getComputedStyle(el) as unknown as { outlineStyle: string; outlineWidth: string };
    return {
      tag: el.tagName,
      id: el.id,
      text: (el.textContent ?? '').trim(),
      inHead: !!el.closest('.app-head'),
      outline: `${style.outlineStyle} ${style.outlineWidth}`,
    };
  });
}
interface HTMLLike {
  tagName: string;
  id: string;
  textContent: string | null;
  closest(selector: string): unknown;
}

/**
 * Presses Tab until the focused element is the wanted one (at most `max` times); every element
 * on the way must show its focus (an outline, as :focus-visible draws it).
 */
async function tabTo(page: Page, wanted: (f: Focused) => boolean, max = 150): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (!f) continue;
    expect(f.outline, `focus on ${f.tag} "${f.text}" is visible`).toMatch(/^solid [1-9]/);
    if (wanted(f)) return;
  }
  throw new Error(`Tab never reached the element wanted (${max} presses)`);
}

/** The API paths a page asks for from one `poll` request up to the next (one whole refresh). */
async function perRefresh(page: Page, poll: string): Promise<Record<string, number>> {
  const isPoll = (r: { url(): string }) => new URL(r.url()).pathname === poll;
  await page.waitForRequest(isPoll, { timeout: 15_000 });
  const requests: string[] = [];
  const record = (r: { url(): string }) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/v1/')) requests.push(u.pathname);
  };
  page.on('request', record);
  await page.waitForRequest(isPoll, { timeout: 15_000 }); // the first whole poll starts
  requests.length = 0;
  requests.push(poll);
  await page.waitForRequest(isPoll, { timeout: 15_000 }); // the next one starts
  requests.pop();
  page.off('request', record);
  return requests.reduce<Record<string, number>>((m, p) => ((m[p] = (m[p] ?? 0) + 1), m), {});
}

describe('dashboard at fleet scale', () => {
  it('1,000 clusters × 50 applications: the grid renders only the rows in view and scrolls to the last', async () => {
    // 997 more clusters straight into the table (through the API each would re-render every
    // application, minutes on a shared machine; what is measured here is the grid).
    await h.sql(`
      INSERT INTO clusters (id, name, labels, connection_state)
      SELECT gen_random_uuid(), 'bulk-' || lpad(g::text, 4, '0'),
             jsonb_build_object('tier', 'bulk', 'region', (ARRAY['eu', 'us', 'ap'])[1 + g % 3]),
             CASE WHEN g % 331 = 5 THEN 'Disconnected' ELSE 'Pending' END
      FROM generate_series(0, 996) g`);
    // 48 more applications (50 in all) that select no cluster: empty columns, still 50 of them.
    for (let i = 0; i < 48; i++) {
      const r = await h.api('POST', '/api/v1/applications', {
        body: {
          name: `bulk-app-${String(i).padStart(2, '0')}`,
          repositoryId: 'fleet',
          path: 'apps/worker',
          targets: [{ clusterSelector: 'tier=none', namespace: 'bulk' }],
          syncPolicy: { automated: true, prune: false, selfHeal: false },
        },
      });
      expect(r.status, r.text).toBe(201);
    }
    const page = await signedIn(h.adminToken);
    // the landing view: one request per refresh for the problem counts, whatever the fleet
    await page.waitForFunction(
      () => document.querySelector('[data-testid="count-clusters"]')?.textContent === '1001',
    );
    // three bulk clusters went silent: they lead, grouped by region (the label most clusters carry)
    expect(await page.getByTestId('count-disconnected').textContent()).toBe('3');
    expect(await page.getByLabel('Group clusters by').inputValue()).toBe('region');
    expect(await page.getByTestId('by-label').locator('tbody tr').count()).toBe(3);
    // no application targets them: the application side says so rather than show an empty table
    await page.getByTestId('by-application-none').waitFor();
    expect(await perRefresh(page, '/api/v1/fleet/problems')).toEqual({ '/api/v1/fleet/problems': 1 });
    await page.screenshot({ path: `${SHOTS}/overview-1000.png` });
    await page
      .getByRole('navigation', { name: 'Fleet views' })
      .getByRole('link', { name: 'All clusters' })
      .click();
    await page.getByTestId('fleet-grid').waitFor();
    const started = Date.now();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="count-clusters"]')?.textContent === '1001',
    );
    const loadMs = Date.now() - started;
    expect(await page.getByTestId('count-apps').textContent()).toBe('50');
    const grid = page.getByTestId('fleet-grid');
    expect(await grid.locator('.app-head').count()).toBe(50);
    const rendered = await grid.locator('[role="row"][data-cluster]').count();
    expect(rendered).toBeLessThan(60);
    await grid.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await grid.locator('[role="row"][aria-rowindex="1002"]').waitFor();
    expect(await grid.locator('[role="row"][data-cluster]').count()).toBeLessThan(60);
    console.log(
      `1,001 clusters × 50 applications: counts shown after ${loadMs} ms, ${rendered} rows in the DOM`,
    );

    // One refresh is one request — the window of rows in view, the columns and the counts —
    // whatever the number of clusters or applications: everything the page asks from one grid
    // request up to the next (the next poll) is that one request.
    expect(await perRefresh(page, '/api/v1/fleet/grid')).toEqual({ '/api/v1/fleet/grid': 1 });
    await page.screenshot({ path: `${SHOTS}/grid-1000.png` });
  }, 120_000);
});

// Last: every page above was watched.
describe('dashboard under the Content-Security-Policy', () => {
  it('no page had an inline script or style refused', () => {
    expect(cspViolations).toEqual([]);
  });
});
