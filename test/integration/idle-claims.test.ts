/**
 * The long-polls of an idle cluster send Postgres no claim (each replica remembers that nothing
 * is due), yet every way work becomes claimable still reaches the agent at once, whichever
 * replica it happened on: a job queued, a retry coming due, a lease taken back, and a replica
 * that lost its LISTEN connection (and so may have missed wake-ups) claims again.
 * Two real replicas on one database; the claims are counted on the real repository.
 */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DispatchSweeperService } from '../../src/hub/dispatch/dispatch-sweeper.service.js';
import { JobNotifier } from '../../src/hub/dispatch/job-notifier.repository.js';
import { ReconcileJobRepository } from '../../src/hub/dispatch/reconcile-job.repository.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { WakeUp } from '../../src/domain/wake-up.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const CM = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: "1"\n`;

let fx: VcsFixture;
let repo: VcsRepository;
let a: TestHub;
let b: TestHub;
let apps = 0;
/** An admin token for both replicas (each harness only knows the one it seeded). */
let admin: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const claimsOn = (replica: TestHub) => vi.spyOn(replica.hub.app.get(ReconcileJobRepository), 'claim');

/** Resolves when `replica` hears a wake-up for the cluster (of any kind naming it). */
function heard(replica: TestHub, clusterId: string): Promise<void> {
  return new Promise((resolve) =>
    replica.hub.app.get(JobNotifier).onWake((wake: WakeUp | null) => {
      if (wake && 'clusterIds' in wake && wake.clusterIds.includes(clusterId)) resolve();
    }),
  );
}

/** A registered cluster, its agent on replica `a`, and the same credential on `b`. */
async function joined(name: string): Promise<{ id: string; onA: ProtocolAgent; onB: ProtocolAgent }> {
  const c = await a.api('POST', '/api/v1/clusters', { body: { name, labels: { idle: name } } });
  expect(c.status, c.text).toBe(201);
  const onA = new ProtocolAgent(a.url);
  expect((await onA.register(c.body.registration.token)).status).toBe(201);
  const onB = new ProtocolAgent(b.url);
  onB.credential = onA.credential;
  return { id: c.body.id, onA, onB };
}

/** An application on the cluster labelled idle=<name>, created through replica `via`. */
async function deploy(via: TestHub, name: string): Promise<string> {
  const app = `idle-app-${++apps}`;
  const res = await via.api('POST', '/api/v1/applications', {
    token: admin,
    body: {
      name: app,
      repositoryId: 'idle',
      path: 'a',
      targets: [{ clusterSelector: `idle=${name}`, namespace: app }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    },
  });
  expect(res.status, res.text).toBe(201);
  await via.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
  return res.body.id as string;
}

beforeAll(async () => {
  fx = await gitFixture(false);
  a = await startTestHub(inject('postgresUrl'));
  b = await startTestHub(inject('postgresUrl'), { DATABASE_URL: a.databaseUrl });
  admin = await a.token('admin', 'both-replicas');
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'a/cm.yaml': CM }, 'initial');
  await a.api('POST', '/api/v1/repositories', { body: { name: 'idle', type: 'git', url: repo.url } });
  await a.api('POST', '/api/v1/repositories/idle/refresh');
}, 60_000);
afterAll(async () => {
  vi.restoreAllMocks();
  await b?.close();
  await a?.close();
  await fx?.close();
});

describe('claims of idle clusters', () => {
  it('an idle cluster is claimed for once, then its polls send no claim', async () => {
    const { onA } = await joined('quiet');
    const claims = claimsOn(a);
    expect(await onA.poll(1)).toEqual([]);
    expect(claims).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 3; i++) expect(await onA.poll(1)).toEqual([]);
    expect(claims).toHaveBeenCalledTimes(1);
    // a poll that cannot wait looks in Postgres itself
    expect(await onA.poll(0)).toEqual([]);
    expect(claims).toHaveBeenCalledTimes(2);
    claims.mockRestore();
  });

  it('a job queued on the other replica reaches a poll parked here; then the cluster is idle again', async () => {
    const { onA } = await joined('queued-elsewhere');
    expect(await onA.poll(0)).toEqual([]);
    const claims = claimsOn(a);
    const parked = onA.poll(20);
    await sleep(200);
    const appId = await deploy(b, 'queued-elsewhere');
    const started = Date.now();
    const [job] = await parked;
    expect(job?.applicationId).toBe(appId);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(claims).toHaveBeenCalled();
    // the lease took everything due: once the deployment's wake-ups are all in, the cluster is idle again
    await sleep(500);
    expect(await onA.poll(0)).toEqual([]);
    claims.mockClear();
    expect(await onA.poll(1)).toEqual([]);
    expect(await onA.poll(1)).toEqual([]);
    expect(claims).toHaveBeenCalledTimes(0);
    claims.mockRestore();
  });

  it('a retry is claimed when it comes due, though the cluster was idle meanwhile', async () => {
    const { id, onA, onB } = await joined('retrying');
    await deploy(a, 'retrying');
    const [job] = await onA.poll(0);
    const requeued = heard(b, id);
    expect((await onA.fail(job, 'apply failed', true)).status).toBeLessThan(300);
    await requeued;
    // queued again, 5 s ahead: polls on either replica find nothing yet, and claim only once
    const claims = claimsOn(b);
    expect(await onB.poll(1)).toEqual([]);
    expect(await onB.poll(1)).toEqual([]);
    expect(claims).toHaveBeenCalledTimes(1);
    const due = (
      await a.sql<{ not_before: Date }>('SELECT not_before FROM reconcile_jobs WHERE id = $1', [job.id])
    )[0].not_before;
    // no wake-up announces a job coming due: a parked poll's last look, at the end of its wait,
    // claims because the time the replica remembered has passed
    const [again] = await onB.poll(Math.ceil((due.getTime() - Date.now()) / 1000) + 2);
    expect(again?.id).toBe(job.id);
    expect(again?.attempt).toBe(2);
    claims.mockRestore();
  });

  it('a lease taken back by the sweeper on one replica is handed out by the other', async () => {
    const { id, onA, onB } = await joined('expired');
    await deploy(a, 'expired');
    const [job] = await onA.poll(0);
    expect(await onB.poll(1)).toEqual([]);
    await a.sql("UPDATE reconcile_jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1", [
      job.id,
    ]);
    const wake = heard(b, id);
    await a.hub.app.get(DispatchSweeperService).sweep();
    await wake;
    const [again] = await onB.poll(1);
    expect(again?.id).toBe(job.id);
  });

  it('a replica that lost its LISTEN connection claims again, and finds work queued meanwhile', async () => {
    const { onA } = await joined('unheard');
    expect(await onA.poll(0)).toEqual([]);
    const notifier = a.hub.app.get(JobNotifier);
    // cut every LISTEN connection: replica `a` may now miss wake-ups
    await a.sql(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'flotilla-hub-listen'",
    );
    for (let i = 0; i < 100 && notifier.listening; i++) await sleep(50);
    expect(notifier.listening).toBe(false);
    const appId = await deploy(b, 'unheard');
    const [job] = await onA.poll(1);
    expect(job?.applicationId).toBe(appId);
    for (let i = 0; i < 100 && !notifier.listening; i++) await sleep(100);
    expect(notifier.listening).toBe(true);
  });
});

describe('wake-ups heard while a poll looks', () => {
  it('a wake-up arriving between the look for work and the wait ends that wait at once', async () => {
    const { id } = await joined('between');
    const notifier = a.hub.app.get(JobNotifier);
    const watch = notifier.watch(id);
    try {
      // sent by "another replica" and heard here before this poll waits
      const heardIt = heard(a, id);
      await b.sql('SELECT pg_notify($1, $2)', ['flotilla_jobs', `w:${id}`]);
      await heardIt;
      const started = Date.now();
      await watch.next(20_000);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      watch.close();
    }
    expect(notifier.waiting).toBe(0);
  });
});

describe("the hub's health rules, remembered per replica", () => {
  it('a rule created, changed or deleted on one replica travels with the next lease on the other', async () => {
    const { onB } = await joined('rules');
    const rule = { group: 'example.com', kind: 'Widget', current: 'status.?phase.orValue("") == "Ready"' };
    const nextLease = async () => {
      await deploy(a, 'rules');
      const [job] = await onB.poll(0);
      expect(job, 'a job for the new application').toBeDefined();
      expect((await onB.succeed(job)).status).toBeLessThan(300);
      return job.healthChecks ?? [];
    };
    // b remembers the hub's (empty) list with its first lease
    expect(await nextLease()).toEqual([]);
    const heardCreated = heardChange(b);
    const created = await a.api('POST', '/api/v1/health-checks', { body: rule });
    expect(created.status, created.text).toBe(201);
    await heardCreated;
    expect(await nextLease()).toEqual([rule]);
    const changed = { ...rule, current: 'status.?phase.orValue("") == "Running"' };
    const heard = heardChange(b);
    expect((await a.api('PUT', `/api/v1/health-checks/${created.body.id}`, { body: changed })).status).toBe(
      200,
    );
    await heard;
    expect(await nextLease()).toEqual([changed]);
    const gone = heardChange(b);
    expect((await a.api('DELETE', `/api/v1/health-checks/${created.body.id}`)).status).toBeLessThan(300);
    await gone;
    expect(await nextLease()).toEqual([]);
  });
});

/** Resolves when `replica` hears that the hub's health rules changed. */
function heardChange(replica: TestHub): Promise<void> {
  return new Promise((resolve) =>
    replica.hub.app.get(JobNotifier).onWake((wake) => {
      if (wake?.kind === 'health-checks') resolve();
    }),
  );
}

describe('claims made together', () => {
  it('a fleet polling at once gets each cluster its own job, each job once', async () => {
    const fleet = await Promise.all(Array.from({ length: 24 }, (_, i) => joinedIn('together', i)));
    // the passes the clusters joining trigger are done (a later one would queue the jobs again)
    await a.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
    const appId = await deploy(a, 'together');
    const answers = await Promise.all(fleet.map(({ onA }) => onA.poll(0)));
    answers.forEach((jobs, i) => {
      expect(jobs, `cluster ${i}`).toHaveLength(1);
      expect(jobs[0].applicationId).toBe(appId);
      expect(jobs[0].attempt).toBe(1);
    });
    const rows = await a.sql<{ id: string; cluster_id: string; state: string }>(
      'SELECT id, cluster_id, state FROM reconcile_jobs WHERE application_id = $1',
      [appId],
    );
    expect(rows).toHaveLength(24);
    expect(new Set(answers.map(([j]) => j.id))).toEqual(new Set(rows.map((r) => r.id)));
    // each job went to the cluster it was queued for
    const byId = new Map(rows.map((r) => [r.id, r.cluster_id]));
    answers.forEach(([j], i) => expect(byId.get(j.id)).toBe(fleet[i].id));
    expect(rows.every((r) => r.state === 'leased')).toBe(true);
  });
});

/** A cluster labelled idle=<group>, registered on replica `a`. */
async function joinedIn(group: string, i: number): Promise<{ id: string; onA: ProtocolAgent }> {
  const c = await a.api('POST', '/api/v1/clusters', {
    body: { name: `${group}-${i}`, labels: { idle: group } },
  });
  expect(c.status, c.text).toBe(201);
  const onA = new ProtocolAgent(a.url);
  expect((await onA.register(c.body.registration.token)).status).toBe(201);
  return { id: c.body.id, onA };
}
