import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../src/hub/database/embedded-postgres.launcher.js';
import { AgentFleet, registerAgents } from '../support/agent-fleet.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { type HubProcess, spawnHubProcess } from '../support/hub-process.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { run } from '../support/vcs-process.js';

/*
 * Crash and fault tests with real processes (issue 13): compiled hub processes on one real
 * Postgres this file owns (so it can stop it), a real Git server, and 1,000 agents speaking the
 * v1 protocol from this process. Each fault hits a fan-out of a new revision to the whole fleet;
 * the guarantees are read from the outside: what the agents were told, reconcile_jobs and the
 * audit trail. The figures are printed at the end.
 */

const N = Number(process.env.FLOTILLA_FAULT_AGENTS ?? 1000);
const ADMIN = 'flt_fleet-faults-admin-0123456789';
// The fleet's hubs: long enough that a hub slowed down by 1,000 agents on a loaded machine does
// not see live agents' leases run out (each lapse is one more delivery, up to a failed job);
// short enough to hand out within the test a job whose delivery a killed hub never completed.
const LEASE_SECONDS = 60;
// The hub of the agent-kill test, on the same database: the dead agent's job comes back soon.
const SHORT_LEASE_SECONDS = 5;
const SWEEP_MS = 1000;

let dir: string;
let pgServer: EmbeddedPostgres;
let db: pg.Pool;
let git: GitHttpServer;
let fleet: AgentFleet;
let appId: string;
const hubs = new Set<HubProcess>();
const figures: Record<string, string | number>[] = [];

const hubEnv = (leaseSeconds = LEASE_SECONDS) => ({
  DATABASE_URL: pgServer.url,
  FLOTILLA_DATA_DIR: join(dir, 'hub'),
  FLOTILLA_ADMIN_TOKEN: ADMIN,
  // Replicas share the keys, as they would from a Secret.
  FLOTILLA_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
  FLOTILLA_AUDIT_KEY: Buffer.alloc(32, 9).toString('base64'),
  FLOTILLA_REPOSITORY_ALLOWED_HOSTS: '127.0.0.0/8',
  // Commits are announced with an explicit refresh, so no poller races the test.
  FLOTILLA_POLL_TICK_MS: '0',
  FLOTILLA_SWEEP_INTERVAL_MS: String(SWEEP_MS),
  FLOTILLA_JOB_LEASE_SECONDS: String(leaseSeconds),
  // A fault stalls every agent at once; a cluster shown Disconnected meanwhile is beside the point.
  FLOTILLA_DISCONNECT_AFTER_SECONDS: '600',
  // Every request is logged at info: with 1,000 agents that is only noise.
  LOG_LEVEL: 'warn',
});

/** A compiled hub on `port` (a free one by default), returned once it answers /readyz. */
async function startHub(port?: number, leaseSeconds?: number): Promise<HubProcess> {
  const hub = await spawnHubProcess({ env: hubEnv(leaseSeconds), port });
  hubs.add(hub);
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if (hub.child.exitCode !== null) throw new Error(`hub exited: ${hub.output()}`);
    if (
      await fetch(`${hub.url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return hub;
    await sleep(100);
  }
  throw new Error(`hub did not get ready: ${hub.output()}`);
}

async function killHub(hub: HubProcess): Promise<void> {
  hub.child.kill('SIGKILL');
  await hub.exited;
  hubs.delete(hub);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const portOf = (hub: HubProcess) => Number(new URL(hub.url).port);

/**
 * An admin call. Idempotent ones are retried on 503: a hub busy with 1,000 agents on a loaded
 * machine sheds requests it cannot get a database connection for within 5 s.
 */
async function api(hub: HubProcess, method: string, path: string, body?: unknown): Promise<any> {
  const idempotent = method === 'GET' || path.endsWith('/refresh');
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(hub.url + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status === 503 && idempotent && attempt < 10) {
      await sleep(1000 * attempt);
      continue;
    }
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
}

const deployment = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${image}\n`;

/** Commits a new image for `path` through the hub and has it detected at once; returns the revision. */
async function commit(hub: HubProcess, path: string, image: string): Promise<string> {
  const put = await api(hub, 'PUT', `/api/v1/repositories/faults/files/${path}/deploy.yaml`, {
    content: deployment(image),
    message: `deploy ${image}`,
  });
  await api(hub, 'POST', '/api/v1/repositories/faults/refresh');
  return put.revision.id as string;
}

/** Jobs of the application for one revision, by state; and how many were handed out more than once. */
async function jobsOf(applicationId: string, revision: string) {
  const rows = (
    await db.query<{ state: string; n: number; clusters: number; retried: number }>(
      `SELECT state, count(*)::int AS n, count(DISTINCT cluster_id)::int AS clusters,
              count(*) FILTER (WHERE attempts > 1)::int AS retried
       FROM reconcile_jobs WHERE application_id = $1 AND revision = $2 GROUP BY state`,
      [applicationId, revision],
    )
  ).rows;
  const by = Object.fromEntries(rows.map((r) => [r.state, r]));
  return {
    states: Object.fromEntries(rows.map((r) => [r.state, r.n])),
    succeededClusters: by.succeeded?.clusters ?? 0,
    total: rows.reduce((s, r) => s + r.n, 0),
    retried: rows.reduce((s, r) => s + r.retried, 0),
  };
}

/** (job, cluster) pairs with more than one `job.succeeded` in the whole audit trail. */
async function duplicateSuccesses(): Promise<unknown[]> {
  return (
    await db.query(
      `SELECT details->>'jobId' AS job, cluster_id, count(*)::int AS n FROM audit_events
       WHERE action = 'job.succeeded' GROUP BY 1, 2 HAVING count(*) > 1`,
    )
  ).rows;
}

/**
 * The guarantees after a fault: every agent acknowledged the revision, every cluster has its
 * job succeeded (none lost, none left queued, leased or failed), no job succeeded twice, and
 * the audit chain verifies. Records the figures.
 */
async function expectConverged(
  hub: HubProcess,
  fault: string,
  revision: string,
  faultAt: number,
  progressAtFault: number,
  calls: Snapshot,
): Promise<void> {
  await fleet.waitConverged(appId, revision, N, 480_000);
  const converged = performance.now();
  // Late duplicates would come from retries still in flight: let them land before counting.
  await sleep(SWEEP_MS * 2);
  const jobs = await jobsOf(appId, revision);
  expect(jobs.succeededClusters).toBe(N);
  expect(jobs.states).toEqual({ succeeded: N });
  expect(await duplicateSuccesses()).toEqual([]);
  expect(fleet.refused).toEqual([]);
  const verdict = await api(hub, 'GET', '/api/v1/audit/verify');
  expect(verdict).toMatchObject({ ok: true });
  figures.push({
    fault,
    'acked at fault': `${progressAtFault}/${N}`,
    'converged after fault (s)': ((converged - faultAt) / 1000).toFixed(1),
    'jobs total': jobs.total,
    'jobs retried': jobs.retried,
    'failed agent calls': fleet.counters.failedCalls - calls.failedCalls,
    failovers: fleet.counters.failovers - calls.failovers,
    'failed calls by kind': [...fleet.failures]
      .map(([k, n]) => [k, n - (calls.failures.get(k) ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k}: ${n}`)
      .join(', '),
    'audit events checked': verdict.checked,
  });
}

/** The fleet's failure counters before a fault. */
interface Snapshot {
  failedCalls: number;
  failovers: number;
  failures: Map<string, number>;
}

/** Starts a fan-out of a new image and returns once a fifth of the fleet acknowledged it. */
async function fanOutAndWaitForAFifth(
  hub: HubProcess,
  image: string,
): Promise<{ revision: string; calls: Snapshot }> {
  const calls = {
    failedCalls: fleet.counters.failedCalls,
    failovers: fleet.counters.failovers,
    failures: new Map(fleet.failures),
  };
  const revision = await commit(hub, 'apps/web', image);
  await fleet.waitConverged(appId, revision, Math.ceil(N / 5), 300_000);
  return { revision, calls };
}

let live: HubProcess;

beforeAll(async () => {
  // What `npm start` runs: the compiled hub.
  await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
  dir = await mkdtemp(join(tmpdir(), 'flotilla-faults-'));
  await chmod(dir, 0o711);
  pgServer = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
  git = await startGitHttpServer();

  // A repository with the fleet's application and a one-cluster application.
  const bare = await git.createRepo('faults');
  const wt = join(dir, 'wt');
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@x',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@x',
  };
  await run('git', ['init', '--quiet', '--initial-branch=main', wt]);
  for (const app of ['web', 'solo']) {
    await mkdir(join(wt, 'apps', app), { recursive: true });
    await writeFile(join(wt, 'apps', app, 'deploy.yaml'), deployment(`${app}:0`));
  }
  await run('git', ['-C', wt, 'add', '-A'], { env });
  await run('git', ['-C', wt, 'commit', '--quiet', '-m', 'init'], { env });
  await run('git', ['-C', wt, 'push', '--quiet', bare, 'HEAD:refs/heads/main'], { env });

  live = await startHub();
  db = new pg.Pool({ connectionString: pgServer.url, max: 2 });
  // The pool must not crash the test when Postgres is stopped under it.
  db.on('error', () => undefined);
  await api(live, 'POST', '/api/v1/repositories', { name: 'faults', type: 'git', url: git.url('faults') });
  await api(live, 'POST', '/api/v1/repositories/faults/refresh');

  const agents = await registerAgents(live.url, ADMIN, N, { fleet: 'faults' }, 'edge');
  // Applying takes a moment (up to 1.5 s), so a fault finds jobs leased and not yet reported.
  // The real agent's long-poll wait (30 s).
  fleet = new AgentFleet(agents, { waitSeconds: 30, applyMs: () => Math.random() * 1500 });
  fleet.start();
  const app = await api(live, 'POST', '/api/v1/applications', {
    name: 'web',
    repositoryId: 'faults',
    path: 'apps/web',
    targets: [{ clusterSelector: 'fleet=faults', namespace: 'web' }],
    syncPolicy: { automated: true, prune: true, selfHeal: false },
  });
  appId = app.id;
  const head = (await api(live, 'GET', '/api/v1/repositories/faults')).lastRevision as string;
  await fleet.waitConverged(appId, head, N, 480_000);
}, 900_000);

afterAll(async () => {
  if (figures.length) {
    console.log(
      `\nfleet faults: ${N} agents, job lease ${LEASE_SECONDS} s (agent-kill test ${SHORT_LEASE_SECONDS} s), sweep every ${SWEEP_MS} ms`,
    );
    console.table(figures);
  }
  await fleet?.stop();
  for (const hub of hubs) {
    hub.child.kill('SIGKILL');
    await hub.exited;
  }
  await db?.end();
  await git?.close();
  await pgServer?.stop();
  await rm(dir, { recursive: true, force: true });
}, 120_000);

describe(`faults during a fan-out to ${N} agents`, () => {
  it('a hub SIGKILLed mid-fan-out and started again on the same database: every agent converges, no job lost or doubled', async () => {
    const { revision, calls } = await fanOutAndWaitForAFifth(live, 'web:1');
    const progress = fleet.convergedOn(appId, revision);
    const port = portOf(live);
    const faultAt = performance.now();
    await killHub(live);
    expect(progress).toBeLessThan(N);
    // Same port: the agents keep their configuration and find it again.
    live = await startHub(port);
    await expectConverged(live, 'hub SIGKILL + restart', revision, faultAt, progress, calls);
  }, 900_000);

  it('two replicas on one database, one SIGKILLed mid-fan-out: the other finishes the work', async () => {
    // Half the agents on each replica, each failing over to the other on a connection error, as
    // behind a load balancer: the survivor both serves its own half throughout and takes over
    // the dead replica's agents and the jobs it had leased (once their lease ends).
    const other = await startHub();
    fleet.spread([live.url, other.url]);
    const { revision, calls } = await fanOutAndWaitForAFifth(other, 'web:2');
    const progress = fleet.convergedOn(appId, revision);
    const faultAt = performance.now();
    await killHub(live);
    expect(progress).toBeLessThan(N);
    live = other;
    await expectConverged(live, 'one of two replicas SIGKILLed', revision, faultAt, progress, calls);
  }, 900_000);

  it('Postgres stopped for 30 s mid-fan-out, then started: agents back off and recover, no job lost or doubled', async () => {
    const { revision, calls } = await fanOutAndWaitForAFifth(live, 'web:3');
    const progress = fleet.convergedOn(appId, revision);
    const faultAt = performance.now();
    await pgServer.stop();
    expect(progress).toBeLessThan(N);
    const during = fleet.counters.failedCalls;
    await sleep(30_000);
    const failedDuringOutage = fleet.counters.failedCalls - during;
    // The hub keeps its configured URL, so the server comes back on the same port.
    pgServer = await startEmbeddedPostgres({ dir: join(dir, 'pg'), port: pgServer.port });
    // The hub answered while its database was down (503), it did not hang the agents.
    expect(failedDuringOutage).toBeGreaterThan(0);
    await expectConverged(live, 'Postgres down 30 s', revision, faultAt, progress, calls);
    // The same hub process rode it out.
    expect(live.child.exitCode).toBeNull();
  }, 900_000);
});

describe('an agent SIGKILLed between applying and reporting', () => {
  it('gets the job again once its lease ends and the result is recorded once', async () => {
    // Its own replica, leasing for 5 s; the agent talks to it alone.
    const hub = await startHub(undefined, SHORT_LEASE_SECONDS);
    const cluster = await api(hub, 'POST', '/api/v1/clusters', { name: 'solo', labels: { fleet: 'solo' } });
    const agent = new ProtocolAgent(hub.url);
    await agent.register(cluster.registration.token);
    const app = await api(hub, 'POST', '/api/v1/applications', {
      name: 'solo',
      repositoryId: 'faults',
      path: 'apps/solo',
      targets: [{ clusterSelector: 'fleet=solo', namespace: 'solo' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    });

    const first = agentChild(hub, 'hang-after-apply', agent.credential!);
    const applied = (await first.next()) as { applied: string; attempt: number };
    expect(applied.attempt).toBe(1);
    const faultAt = performance.now();
    first.child.kill('SIGKILL');
    await first.exited;

    // The agent restarts (as its Deployment would) and polls: the job comes back after its lease.
    const second = agentChild(hub, 'report', agent.credential!);
    const again = (await second.next()) as { applied: string; attempt: number };
    const reported = (await second.next()) as { reported: string; status: number };
    const recoveredAt = performance.now();
    expect(await second.exited).toBe(0);
    expect(again).toEqual({ applied: applied.applied, attempt: 2 });
    expect(reported).toMatchObject({ reported: applied.applied, status: 200 });

    const job = (
      await db.query<{ state: string; attempts: number }>(
        'SELECT state, attempts FROM reconcile_jobs WHERE application_id = $1',
        [app.id],
      )
    ).rows;
    expect(job).toEqual([{ state: 'succeeded', attempts: 2 }]);
    const succeeded = await db.query(
      `SELECT 1 FROM audit_events WHERE action = 'job.succeeded' AND details->>'jobId' = $1`,
      [applied.applied],
    );
    expect(succeeded.rowCount).toBe(1);
    expect(await duplicateSuccesses()).toEqual([]);
    expect(await api(hub, 'GET', '/api/v1/audit/verify')).toMatchObject({ ok: true });
    figures.push({
      fault: 'agent SIGKILL after apply',
      'acked at fault': '0/1',
      'converged after fault (s)': ((recoveredAt - faultAt) / 1000).toFixed(1),
      'jobs total': job.length,
      'jobs retried': job.filter((j) => j.attempts > 1).length,
      'failed agent calls': 0,
      failovers: 0,
      'failed calls by kind': '',
      'audit events checked': '',
    });
  }, 300_000);
});

/** A protocol agent in a child process; `next()` resolves with each JSON line it prints. */
function agentChild(hub: HubProcess, mode: 'hang-after-apply' | 'report', credential: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/protocol-agent-child.ts', mode], {
    env: { ...process.env, FLOTILLA_HUB_URL: hub.url, FLOTILLA_AGENT_CREDENTIAL: credential },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    exited,
    async next(): Promise<unknown> {
      const line = await lines.next();
      if (line.done) throw new Error(`agent process ended: ${err}`);
      return JSON.parse(line.value);
    },
  };
}
