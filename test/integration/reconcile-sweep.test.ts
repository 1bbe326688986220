import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, TEST_ALLOWED_HOSTS } from '../support/hub-harness.js';
import { type HubProcess, startHubProcess, stopHubProcess } from '../support/hub-process.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import type { VcsRepository } from '../../src/vcs/index.js';

/**
 * The level-triggered loop with real hub processes (what `npm start` runs): a revision the
 * poller committed but whose event never reached a handler (the hub was SIGKILLed in between,
 * or the handler failed) is deployed by the reconcile sweep, on the restarted hub or any replica.
 */
const run = promisify(execFile);
const ADMIN = 'flt_reconcile-sweep-admin-0123456789';
const CONFIG = (n: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  n: "${n}"\n`;

let dataDir: string;
let databaseUrl: string;
let db: pg.Pool;
let fx: VcsFixture;
let repo: VcsRepository;
let appId: string;
const hubs: HubProcess[] = [];

beforeAll(async () => {
  await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
  dataDir = await mkdtemp(join(tmpdir(), 'flotilla-sweep-'));
  await chmod(dataDir, 0o711);
  databaseUrl = await createTestDatabase(inject('postgresUrl'));
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  fx = await gitFixture(false);
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'settings.yaml': CONFIG(1) }, 'one');
}, 180_000);
afterAll(async () => {
  for (const h of hubs) if (h.child.exitCode === null && h.child.signalCode === null) await stopHubProcess(h);
  await db?.end();
  await fx?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A hub on the test's database and data directory; `env` on top (fault, intervals). */
async function hub(env: Record<string, string>): Promise<HubProcess> {
  const h = await startHubProcess({
    env: {
      FLOTILLA_DATA_DIR: dataDir,
      FLOTILLA_ADMIN_TOKEN: ADMIN,
      DATABASE_URL: databaseUrl,
      FLOTILLA_REPOSITORY_ALLOWED_HOSTS: TEST_ALLOWED_HOSTS,
      FLOTILLA_SWEEP_INTERVAL_MS: '0',
      ...env,
    },
  });
  hubs.push(h);
  return h;
}

async function api(h: HubProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(h.url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? (JSON.parse(text) as Record<string, any>) : null };
}

const sql = async <T>(text: string, params: unknown[] = []) => (await db.query(text, params)).rows as T[];
const jobsAt = (revision: string) =>
  sql<{ id: string }>('SELECT id FROM reconcile_jobs WHERE application_id = $1 AND revision = $2', [
    appId,
    revision,
  ]);
const head = async () =>
  (
    await sql<{ last_revision: string | null }>("SELECT last_revision FROM repositories WHERE name = 'sweep'")
  )[0]?.last_revision ?? null;

/** Waits (generously: the machine is shared) until `check` holds; fails with `what` otherwise. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a lost revision event is redone by the reconcile sweep', () => {
  it('hub SIGKILLed after the poll committed a revision whose event never ran: the restarted hub deploys it', async () => {
    // This hub loses every event (as if killed right after each poll's commit) and never sweeps.
    const first = await hub({
      FLOTILLA_TEST_FLEET_EVENT_FAULT: 'drop',
      FLOTILLA_RECONCILE_INTERVAL_SECONDS: '0',
      FLOTILLA_POLL_TICK_MS: '200',
    });
    const created = await api(first, 'POST', '/api/v1/repositories', {
      name: 'sweep',
      type: 'git',
      url: repo.url,
      branch: 'main',
      pollIntervalSeconds: 5,
    });
    expect(created.status, created.text).toBe(201);
    expect(
      (await api(first, 'POST', '/api/v1/clusters', { name: 'sweep-c', labels: { lane: 'sweep' } })).status,
    ).toBe(201);
    const app = await api(first, 'POST', '/api/v1/applications', {
      name: 'sweep-app',
      repositoryId: created.body!.id,
      path: '',
      targets: [{ clusterSelector: 'lane=sweep', namespace: 'default' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    });
    expect(app.status, app.text).toBe(201);
    appId = app.body!.id as string;
    await until('the first poll', async () => (await head()) !== null);
    const c1 = (await head())!;
    expect(await jobsAt(c1)).toHaveLength(1);

    await fx.externalCommit(repo, { 'settings.yaml': CONFIG(2) }, 'two');
    await until('the poll to commit the new revision', async () => (await head()) !== c1);
    const c2 = (await head())!;
    await new Promise((r) => setTimeout(r, 1000));
    expect(await jobsAt(c2)).toHaveLength(0); // the event was lost: nothing deployed it
    first.child.kill('SIGKILL');
    await first.exited;

    // Restarted with polling off: only the sweep can deploy c2.
    const second = await hub({ FLOTILLA_RECONCILE_INTERVAL_SECONDS: '1', FLOTILLA_POLL_TICK_MS: '0' });
    await until('the sweep to queue the job of the new revision', async () => (await jobsAt(c2)).length > 0);
    await new Promise((r) => setTimeout(r, 2500)); // two more sweeps: nothing more to do
    expect(await jobsAt(c2)).toHaveLength(1);
    const detail = await api(second, 'GET', '/api/v1/applications/sweep-app');
    expect(detail.body).toMatchObject({ reconciledRevision: c2, rewound: null });
    const history = await api(second, 'GET', '/api/v1/applications/sweep-app/history');
    expect(history.body!.items[0]).toMatchObject({ revision: c2, trigger: 'revision', actor: 'system' });
    expect(await stopHubProcess(second)).toBe(0);
  }, 180_000);

  it('a failing event handler: the sweep deploys the revision within an interval', async () => {
    const h = await hub({
      FLOTILLA_TEST_FLEET_EVENT_FAULT: 'fail',
      FLOTILLA_RECONCILE_INTERVAL_SECONDS: '1',
      FLOTILLA_POLL_TICK_MS: '200',
    });
    const before = (await head())!;
    await fx.externalCommit(repo, { 'settings.yaml': CONFIG(3) }, 'three');
    await until('the poll to commit the new revision', async () => (await head()) !== before);
    const c3 = (await head())!;
    await until('the sweep to queue the job of the new revision', async () => (await jobsAt(c3)).length > 0);
    expect(h.output()).toContain('test fault: handler failed');
    expect(await jobsAt(c3)).toHaveLength(1);
    expect(await stopHubProcess(h)).toBe(0);
  }, 180_000);
});
