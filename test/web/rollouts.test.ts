import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { RolloutRunner } from '../../src/hub/rollouts/rollout-runner.service.js';
import { launchChromium } from '../support/chromium.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { seriousViolations } from './axe.js';
import { undrawableGlyphs } from './glyphs.js';

/**
 * The application page's rollout section in real headless Chromium against a real hub (serving
 * the built dist/web), a real Git server and agents speaking the real v1 protocol (they report
 * what a cluster would; the hub decides who gets a job when). The rollout runner's timer is off:
 * the test sweeps where a replica's timer would, so the rollout stops at its approval gate.
 */

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "1"\n';

let fx: VcsFixture;
let repo: Awaited<ReturnType<VcsFixture['createRepo']>>;
let h: TestHub;
let browser: Browser;
const agents = new Map<string, ProtocolAgent>();
const cspViolations: string[] = [];

/** Agents answer every job they have, then the runner looks; until the rollout is in `state`. */
async function driveTo(state: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
    await h.hub.app.get(RolloutRunner).sweep();
    for (const agent of agents.values()) for (const job of await agent.poll(0)) await agent.succeed(job);
    await h.hub.app.get(RolloutRunner).settled();
    const r = await h.api('GET', '/api/v1/applications/web/rollout');
    if (r.status === 200 && r.body.state === state) return;
  }
  throw new Error(`the rollout never reached ${state}`);
}

async function appPage(token: string): Promise<Page> {
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
  await page.goto(`${h.url}/applications/web`);
  await page.getByRole('heading', { name: 'Rollout', exact: true }).waitFor();
  return page;
}

beforeAll(async () => {
  // NODE_ENV=production as in dashboard.test.ts: vitest's `test` would bundle React's dev build.
  await promisify(execFile)('npm', ['run', 'build'], {
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'), { FLOTILLA_ROLLOUT_INTERVAL_MS: '0' });
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'apps/web/cm.yaml': CM }, 'initial manifests');
  const r = await h.api('POST', '/api/v1/repositories', {
    body: { name: 'fleet', type: 'git', url: repo.url },
  });
  expect(r.status, r.text).toBe(201);
  for (const [name, ring] of [
    ['canary-1', 'canary'],
    ['prod-1', 'prod'],
    ['prod-2', 'prod'],
  ]) {
    const c = await h.api('POST', '/api/v1/clusters', { body: { name, labels: { ring } } });
    const agent = new ProtocolAgent(h.url);
    expect((await agent.register(c.body.registration.token)).status).toBe(201);
    agents.set(name, agent);
  }
  const app = await h.api('POST', '/api/v1/applications', {
    body: {
      name: 'web',
      repositoryId: 'fleet',
      path: 'apps/web',
      targets: [{ clusterSelector: 'ring', namespace: 'web' }],
      syncPolicy: { automated: true, prune: false, selfHeal: false },
      rollout: {
        stages: [
          { name: 'canary', clusterSelector: 'ring=canary' },
          { name: 'prod', clusterSelector: null, batchSize: 1, requireApproval: true, minHealthySeconds: 0 },
        ],
      },
    },
  });
  expect(app.status, app.text).toBe(201);
  await driveTo('awaiting-approval');
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
  await fx?.close();
});

describe('application page: rollout', () => {
  it('a viewer sees the gate and the timeline, with the buttons disabled and saying why', async () => {
    const page = await appPage(await h.token('viewer', 'rollout-viewer'));
    const section = page.getByTestId('rollout');
    await section.getByTestId('rollout-reason').waitFor();
    expect(await section.getByTestId('rollout-state').textContent()).toBe('awaiting-approval');
    const promote = section.getByRole('button', { name: 'Promote' });
    expect(await promote.isDisabled()).toBe(true);
    expect(await promote.getAttribute('title')).toBe('operators and admins only');
    await page.context().close();
  });

  it('an operator sees the rollout awaiting approval and promotes it through the button, with a reason', async () => {
    const page = await appPage(await h.token('operator', 'release-manager'));
    const section = page.getByTestId('rollout');
    await section.getByTestId('rollout-reason').waitFor();
    expect(await section.getByTestId('rollout-reason').textContent()).toMatch(/stage prod needs approval/);
    const canary = section.locator('[data-stage="canary"]');
    expect(await canary.getAttribute('data-state')).toBe('done');
    expect(await canary.getByTestId('stage-healthy').textContent()).toBe('1/1 healthy');
    expect(await canary.locator('[data-cluster="canary-1"]').getAttribute('data-progress')).toBe('healthy');
    // the symbol is an SVG in a coloured swatch, the word is beside it
    expect(await canary.locator('[data-cluster="canary-1"] .swatch.s-ok svg').count()).toBe(1);
    const prod = section.locator('[data-stage="prod"]');
    expect(await prod.getAttribute('data-state')).toBe('awaiting-approval');
    expect(await prod.locator('[data-batch]').count()).toBe(2);
    expect(await prod.locator('[data-progress="pending"]').count()).toBe(2);
    expect(await prod.textContent()).toContain('needs approval');
    // what does not apply is disabled, with the reason as its title
    const resume = section.getByRole('button', { name: 'Resume' });
    expect(await resume.isDisabled()).toBe(true);
    expect(await resume.getAttribute('title')).toMatch(/only a paused rollout resumes/);
    // the strategy shows in the spec view
    const strategy = page.getByTestId('app-strategy-stages');
    expect(await strategy.locator('[data-stage="prod"] td').allTextContents()).toEqual([
      'the rest',
      '1',
      '—',
      '0',
      'required',
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await undrawableGlyphs(page)).toEqual([]);

    await section.getByRole('button', { name: 'Promote' }).click();
    await section.getByLabel('Reason (recorded in the audit trail)').fill('canary looks good');
    await section.getByRole('button', { name: 'Promote now' }).click();
    expect(await section.getByTestId('rollout-notice').textContent()).toBe(
      'Promote: the rollout is progressing',
    );
    await section.locator('[data-testid="rollout-history"] tr[data-action="rollout.promoted"]').waitFor();
    const row = await section
      .locator('[data-testid="rollout-history"] tr[data-action="rollout.promoted"] td')
      .allTextContents();
    expect(row.slice(1)).toEqual(['promoted', 'prod', 'release-manager', 'canary looks good']);
    const after = (await h.api('GET', '/api/v1/applications/web/rollout')).body;
    expect(after.stages[1]).toMatchObject({ approved: true });

    // the rest of the way, then the page shows it completed
    await driveTo('completed');
    await section.locator('[data-testid="rollout-state"]', { hasText: 'completed' }).waitFor();
    expect(await prod.locator('[data-progress="healthy"]').count()).toBe(2);
    await page.context().close();
  });

  it('abort asks for confirmation first, then ends the rollout where it stands', async () => {
    const page = await appPage(h.adminToken);
    const section = page.getByTestId('rollout');
    await section.locator('[data-testid="rollout-state"]', { hasText: 'completed' }).waitFor();
    // every command is disabled on a completed rollout, saying so
    const abort = section.getByRole('button', { name: 'Abort' });
    expect(await abort.isDisabled()).toBe(true);
    expect(await abort.getAttribute('title')).toBe('the rollout is completed');

    await fx.externalCommit(repo, { 'apps/web/cm.yaml': CM.replace('"1"', '"2"') }, 'second');
    expect((await h.api('POST', '/api/v1/repositories/fleet/refresh')).status).toBe(200);
    await driveTo('awaiting-approval');
    await section.locator('[data-testid="rollout-state"]', { hasText: 'awaiting-approval' }).waitFor();
    await abort.click();
    expect(await section.locator('.rollout-confirm .conflict').textContent()).toMatch(
      /^Abort ends the rollout where it stands/,
    );
    // cancel leaves it as it was
    await section.getByRole('button', { name: 'Cancel' }).click();
    expect(await section.locator('.rollout-confirm').count()).toBe(0);
    expect((await h.api('GET', '/api/v1/applications/web/rollout')).body.state).toBe('awaiting-approval');
    await abort.click();
    await section.getByRole('button', { name: 'Abort the rollout' }).click();
    expect(await section.getByTestId('rollout-notice').textContent()).toBe('Abort: the rollout is aborted');
    await section.locator('[data-testid="rollout-state"]', { hasText: 'aborted' }).waitFor();
    expect((await h.api('GET', '/api/v1/applications/web/rollout')).body.state).toBe('aborted');
    await page.context().close();
  });

  it('no page broke the Content-Security-Policy', () => {
    expect(cspViolations).toEqual([]);
  });
});
