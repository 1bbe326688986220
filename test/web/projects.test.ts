import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { seriousViolations } from './axe.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

/**
 * Projects in the dashboard, in real headless Chromium against a real hub (serving the built
 * dist/web), a real Git server and protocol agents: the shared project filter, the project page
 * with its rules, and what a project-scoped token may see.
 */
// Browser globals used inside page.evaluate callbacks (this project has no DOM lib).
declare const document: {
  querySelectorAll(
    selector: string,
  ): ArrayLike<{ textContent: string | null; getAttribute(n: string): string | null }>;
};

const CM = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;

let fx: VcsFixture;
let h: TestHub;
let browser: Browser;
let scopedToken: string;
/** Everything Chromium refused under the hub's Content-Security-Policy, on any page. */
const cspViolations: string[] = [];
const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();

async function signedIn(token: string, path = '/'): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  page.setDefaultTimeout(20_000);
  await page.goto(h.url + '/');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet' }).waitFor();
  if (path !== '/') await page.goto(h.url + path);
  return page;
}

/** The application names heading the grid's columns, once the grid shows `expected` of them. */
async function gridColumns(page: Page, expected: string[]): Promise<string[]> {
  const heads = page.locator('[data-testid="fleet-grid"] .app-head');
  await expect.poll(() => heads.allTextContents()).toEqual(expected);
  return heads.allTextContents();
}

const gridRows = (page: Page) =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('[data-testid="fleet-grid"] [data-cluster]')).map((r) =>
      r.getAttribute('data-cluster'),
    ),
  );

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
    { 'apps/alpha/cm.yaml': CM('alpha'), 'apps/beta/cm.yaml': CM('beta') },
    'initial manifests',
  );
  expect(
    (await h.api('POST', '/api/v1/repositories', { body: { name: 'fleet', type: 'git', url: repo.url } }))
      .status,
  ).toBe(201);
  await h.api('POST', '/api/v1/repositories/fleet/refresh');
  const project = await h.api('POST', '/api/v1/projects', {
    body: {
      name: 'team-a',
      description: 'Team A services',
      sources: [{ repository: 'fleet', path: 'apps/alpha' }],
      clusterSelector: 'team=a',
      objects: {
        namespaces: ['alpha', 'alpha-*'],
        allowedKinds: [],
        deniedKinds: [{ group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' }],
        allowSecrets: false,
      },
    },
  });
  expect(project.status, project.text).toBe(201);
  const agents: ProtocolAgent[] = [];
  for (const [name, team] of [
    ['cl-a', 'a'],
    ['cl-b', 'b'],
  ] as const) {
    const c = await h.api('POST', '/api/v1/clusters', { body: { name, labels: { team } } });
    const agent = new ProtocolAgent(h.url);
    expect((await agent.register(c.body.registration.token)).status).toBe(201);
    agents.push(agent);
  }
  for (const [name, proj, selector] of [
    ['alpha', 'team-a', 'team=a'],
    ['beta', 'default', 'team in (a,b)'],
  ] as const) {
    const res = await h.api('POST', '/api/v1/applications', {
      body: {
        name,
        project: proj,
        repositoryId: 'fleet',
        path: `apps/${name}`,
        targets: [{ clusterSelector: selector, namespace: name }],
        syncPolicy: { automated: true, prune: true, selfHeal: true },
      },
    });
    expect(res.status, res.text).toBe(201);
  }
  await settle();
  for (const agent of agents) for (const job of await agent.poll()) await agent.succeed(job);
  await settle();
  const t = await h.api('POST', '/api/v1/tokens', {
    body: { name: 'team-a-viewer', projects: { 'team-a': 'viewer' } },
  });
  expect(t.status, t.text).toBe(201);
  scopedToken = t.body.token;
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await fx?.close();
});

describe('projects in the dashboard', () => {
  it('the project filter narrows the grid, is kept in the URL and carried to the audit trail', async () => {
    const page = await signedIn(h.adminToken, '/?view=grid');
    const select = page.getByTestId('project-filter');
    await expect
      .poll(() => select.locator('option').allTextContents())
      .toEqual(['All projects', 'default', 'team-a']);
    await gridColumns(page, ['alpha', 'beta']);
    expect(await gridRows(page)).toEqual(['cl-a', 'cl-b']);

    await select.selectOption('team-a');
    await page.waitForURL(/\?view=grid&project=team-a$/);
    await gridColumns(page, ['alpha']);
    // team-a's application targets cl-a only: cl-b is no row of this project's grid
    await expect.poll(() => gridRows(page)).toEqual(['cl-a']);
    await expect.poll(() => page.getByTestId('count-apps').textContent()).toBe('1');
    expect(await page.getByTestId('count-clusters').textContent()).toBe('1');

    // the link keeps the filter: the audit trail asks the hub for team-a's events only
    const audit = page.waitForRequest(
      (r) => r.url().includes('/api/v1/audit?') && r.url().includes('project=team-a'),
    );
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click();
    await audit;
    await page.waitForURL(/\/audit\?project=team-a$/);
    await expect.poll(() => page.getByTestId('audit-count').textContent()).toContain('(all)');
    const actions = await page
      .locator('[data-testid="timeline"] li')
      .evaluateAll((els) => els.map((e) => e.textContent ?? ''));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.some((t) => t.includes('alpha'))).toBe(true);
    expect(actions.filter((t) => t.includes('beta'))).toEqual([]);
    // the Application select of the audit filters lists the project's applications only
    expect(await page.getByLabel('Application').locator('option').allTextContents()).toEqual([
      'any',
      'alpha',
    ]);
    // a filter of the form keeps the project
    await page.getByLabel('Action').fill('application.*');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(
      (u) => u.searchParams.get('project') === 'team-a' && u.searchParams.get('action') === 'application.*',
    );

    // back to every project
    await page.getByTestId('project-filter').selectOption('');
    await page.waitForURL((u) => !u.searchParams.has('project'));
    await page.context().close();
  });

  it('the project page reads its rules, bindings and applications; reached from the application page', async () => {
    const page = await signedIn(h.adminToken, '/applications/alpha');
    await page.getByTestId('app-project').click();
    await page.waitForURL(/\/projects\/team-a$/);
    await page.getByRole('heading', { name: 'team-a' }).waitFor();
    const rules = page.getByTestId('project-rules');
    await rules.waitFor();
    expect(await page.getByTestId('rule-sources').textContent()).toBe('fleet, under apps/alpha');
    expect(await page.getByTestId('rule-clusters').textContent()).toBe('clusters whose labels match team=a');
    expect(await page.getByTestId('rule-namespaces').textContent()).toBe(
      'only alpha, alpha-* (* stands for any run of characters)',
    );
    expect(await page.getByTestId('rule-allowed').textContent()).toBe('every namespaced kind');
    expect(await page.getByTestId('rule-denied').textContent()).toBe(
      'rbac.authorization.k8s.io/RoleBinding, whatever else allows them',
    );
    expect(await page.getByTestId('rule-cluster-scoped').textContent()).toContain('Refused');
    expect(await page.getByTestId('rule-secrets').textContent()).toBe('Refused');
    expect.soft(await seriousViolations(page), 'project page').toEqual([]);

    // bindings: the scoped token with its role, never a secret (not even its prefix)
    const binding = page.locator('[data-testid="bindings"] tr[data-token="team-a-viewer"]');
    await binding.waitFor();
    expect(await binding.locator('td').nth(1).textContent()).toBe('viewer');
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).not.toContain(scopedToken);
    expect(body).not.toContain(scopedToken.slice(0, 12));

    // its applications with their fleet status: alpha synced on its one cluster
    const row = page.locator('[data-testid="project-apps"] tr[data-app="alpha"]');
    await expect.poll(() => row.getByTestId('app-sync').textContent()).toBe('Synced 1 ');
    expect(await page.locator('[data-testid="project-apps"] tr[data-app]').count()).toBe(1);

    // and its audit events
    expect(await page.getByTestId('project-audit').getAttribute('href')).toBe('/audit?project=team-a');

    // the projects list leads here too
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }).click();
    const listed = page.locator('[data-testid="projects"] tr[data-project]');
    await expect
      .poll(() => listed.evaluateAll((r) => r.map((e) => e.getAttribute('data-project'))))
      .toEqual(['default', 'team-a']);
    await page.locator('[data-testid="projects"]').getByRole('link', { name: 'team-a' }).click();
    await page.getByTestId('project-rules').waitFor();
    await page.context().close();
  });

  it('a project-scoped token sees only its project in the select and is refused another project', async () => {
    const page = await signedIn(scopedToken, '/?view=grid');
    const select = page.getByTestId('project-filter');
    await expect.poll(() => select.locator('option').allTextContents()).toEqual(['All projects', 'team-a']);
    await gridColumns(page, ['alpha']);
    expect(await gridRows(page)).toEqual(['cl-a']);

    await page.goto(h.url + '/projects');
    const listed = page.locator('[data-testid="projects"] tr[data-project]');
    await expect.poll(() => listed.count()).toBe(1);
    expect.soft(await seriousViolations(page), 'projects list').toEqual([]);

    await page.goto(h.url + '/projects/team-a');
    await page.getByTestId('project-rules').waitFor();
    expect(await page.getByTestId('my-project-role').textContent()).toBe(
      'Your role in this project: viewer.',
    );

    await page.goto(h.url + '/projects/default');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /^Project default does not exist or you hold no role in it \(HTTP (403|404)\)\.$/,
    );
    expect(await page.getByTestId('project-rules').count()).toBe(0);
    await page.context().close();
  });

  it('no project page had an inline script or style refused by the Content-Security-Policy', () => {
    expect(cspViolations).toEqual([]);
  });
});
