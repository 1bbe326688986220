import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rollupHealth } from '../../src/domain/health/health.js';
import type { HealthStatus } from '../../src/domain/health/health.types.js';
import { DEFAULT_MAX_ATTEMPTS, JOB_LEASE_MS } from '../../src/domain/job-lifecycle.js';
import { DispatchSweeperService } from '../../src/hub/dispatch/dispatch-sweeper.service.js';
import { ResourceStatusRepository } from '../../src/hub/dispatch/resource-status.repository.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { JobResultV1, JobV1 } from '../../src/protocol/v1/agent-protocol.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { idOf, ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const CM = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;

let fx: VcsFixture;
let hub: TestHub;
let repo: VcsRepository;
let agent: ProtocolAgent;
let clusterId: string;

const settle = () => hub.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const sweep = () => hub.hub.app.get(DispatchSweeperService).sweep();

/** Creates an application on the test cluster; when automated, its first job is applied. */
async function createApp(
  name: string,
  syncPolicy: { automated: boolean; prune: boolean; selfHeal: boolean },
  ignoreDifferences: string[] = [],
): Promise<string> {
  const res = await hub.api('POST', '/api/v1/applications', {
    body: {
      name,
      repositoryId: 'lifecycle',
      path: 'app',
      targets: [{ clusterSelector: 'lifecycle=yes', namespace: name }],
      syncPolicy,
      ignoreDifferences,
    },
  });
  expect(res.status).toBe(201);
  await settle();
  if (syncPolicy.automated) {
    const [job] = await agent.poll(0);
    expect(job).toMatchObject({ applicationId: res.body.id, kind: 'sync' });
    expect((await agent.succeed(job)).body).toEqual({ recorded: true });
  }
  return res.body.id as string;
}

beforeAll(async () => {
  fx = await gitFixture(false);
  hub = await startTestHub(inject('postgresUrl'));
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'app/one.yaml': CM('one'), 'app/two.yaml': CM('two') }, 'initial');
  await hub.api('POST', '/api/v1/repositories', { body: { name: 'lifecycle', type: 'git', url: repo.url } });
  await hub.api('POST', '/api/v1/repositories/lifecycle/refresh');
  const c = await hub.api('POST', '/api/v1/clusters', {
    body: { name: 'lifecycle-1', labels: { lifecycle: 'yes' } },
  });
  clusterId = c.body.id;
  agent = new ProtocolAgent(hub.url);
  expect((await agent.register(c.body.registration.token)).status).toBe(201);
});
afterAll(async () => {
  await hub?.close();
  await fx?.close();
});

describe('removal jobs', () => {
  it('a removal job failed by lease expiry finishes the application deletion', async () => {
    const id = await createApp('expiring', { automated: true, prune: true, selfHeal: false });
    expect((await hub.api('DELETE', '/api/v1/applications/expiring')).status).toBe(202);
    // The agent takes the removal job on every attempt and never reports (it crashed each time).
    for (let attempt = 1; attempt <= DEFAULT_MAX_ATTEMPTS; attempt++) {
      const jobs = await agent.poll(0);
      expect(jobs).toEqual([expect.objectContaining({ kind: 'remove', applicationId: id, attempt })]);
      // Time passes: the lease ends (the clock is the database row, the lease length is the domain's).
      await hub.sql(`UPDATE reconcile_jobs SET lease_expires_at = now() - $2::interval WHERE id = $1`, [
        jobs[0].id,
        `${JOB_LEASE_MS + 1000} milliseconds`,
      ]);
      const swept = await sweep();
      expect(swept).toMatchObject(
        attempt < DEFAULT_MAX_ATTEMPTS ? { requeued: 1, failed: 0 } : { requeued: 0, failed: 1 },
      );
    }
    const [job] = await hub.sql<{ state: string; error: string }>(
      `SELECT state, error FROM reconcile_jobs WHERE application_id = $1 AND kind = 'remove'`,
      [id],
    );
    expect(job).toEqual({ state: 'failed', error: `agent did not report within its lease, 5 times` });
    expect((await hub.api('GET', '/api/v1/applications/expiring')).status).toBe(404);
    const audit = await hub.api('GET', `/api/v1/audit?action=application.deleted&limit=5`);
    expect(audit.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ applicationId: id, action: 'application.deleted' })]),
    );
    expect(await agent.poll(0)).toEqual([]);
  });

  it('a removal job reported failed finishes the deletion too', async () => {
    const id = await createApp('refused', { automated: true, prune: true, selfHeal: false });
    await hub.api('DELETE', '/api/v1/applications/refused');
    const [job] = await agent.poll(0);
    expect(job).toMatchObject({ kind: 'remove', applicationId: id });
    expect((await agent.fail(job, 'forbidden by the cluster', false)).body).toEqual({ recorded: true });
    expect((await hub.api('GET', '/api/v1/applications/refused')).status).toBe(404);
  });

  it('a deletion request and its removal jobs commit together; the sweeper finishes one cut off before its record went', async () => {
    const id = await createApp('cutoff', { automated: true, prune: true, selfHeal: false });
    expect((await hub.api('DELETE', '/api/v1/applications/cutoff')).status).toBe(202);
    const rows = await hub.sql<{ deleting: boolean; jobs: number }>(
      `SELECT a.deleting, (SELECT count(*)::int FROM reconcile_jobs j
                            WHERE j.application_id = a.id AND j.kind = 'remove' AND j.state = 'queued') AS jobs
         FROM applications a WHERE a.id = $1`,
      [id],
    );
    expect(rows).toEqual([{ deleting: true, jobs: 1 }]);
    // The removal job ends, but the hub dies before removing the record (played in SQL).
    await hub.sql(`UPDATE reconcile_jobs SET state = 'succeeded' WHERE application_id = $1`, [id]);
    expect((await hub.api('GET', '/api/v1/applications/cutoff')).status).toBe(200);
    await sweep();
    expect((await hub.api('GET', '/api/v1/applications/cutoff')).status).toBe(404);
    const audit = await hub.api('GET', `/api/v1/audit?action=application.deleted&application=${id}`);
    expect(audit.body.items).toHaveLength(1);
  });
});

describe('policy fixed when queued', () => {
  it('a job leased after the application policy changed carries the policy it was queued with', async () => {
    await createApp('fixed', { automated: false, prune: true, selfHeal: true }, ['/ConfigMap/fixed/one']);
    expect((await hub.api('POST', '/api/v1/applications/fixed/sync')).status).toBe(202);
    // Not automated: the change below re-renders but queues nothing, so the queued job stays.
    const changed = await hub.api('PATCH', '/api/v1/applications/fixed', {
      body: { syncPolicy: { automated: false, prune: false, selfHeal: false }, ignoreDifferences: [] },
    });
    expect(changed.status).toBe(200);
    await settle();
    const jobs = await agent.poll(0);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      kind: 'sync',
      prune: true,
      selfHeal: true,
      ignoreDifferences: ['/ConfigMap/fixed/one'],
    });
    await agent.succeed(jobs[0]);
    // The next job takes the policy of now.
    await hub.api('POST', '/api/v1/applications/fixed/sync');
    const [next] = await agent.poll(0);
    expect(next).toMatchObject({ prune: false, selfHeal: false, ignoreDifferences: [] });
    await agent.succeed(next);
  });
});

describe('a job result is the latest status', () => {
  it('a succeeded sync clears drift and records the health it reports', async () => {
    const id = await createApp('drifting', { automated: true, prune: true, selfHeal: true });
    const resources = ['/ConfigMap/drifting/one', '/ConfigMap/drifting/two'];
    await agent.status({
      resources: resources.map((resource) => ({
        applicationId: id,
        resource,
        health: 'Current' as const,
        drifted: true,
        diff: '- data.a: 2\n+ data.a: 1',
      })),
      events: [],
    });
    expect((await hub.api('GET', '/api/v1/applications/drifting')).body.clusters[0].sync).toBe('OutOfSync');

    await hub.api('POST', '/api/v1/applications/drifting/sync');
    const [job] = await agent.poll(0);
    const ids = (await agent.bundle(job.bundleDigest!)).map(idOf).sort();
    expect(ids).toEqual(resources);
    const result: JobResultV1 = {
      reportId: randomUUID(),
      outcome: 'succeeded',
      resources: ids.map((rid) => ({
        id: rid,
        action: 'configured',
        health: 'InProgress',
        healthMessage: 'waiting for rollout',
      })),
      inventory: ids,
    };
    expect((await agent.call('POST', `/jobs/${job.id}/result`, result)).body).toEqual({ recorded: true });
    // No status report follows: the result alone is the truth about these objects.
    const rows = await hub.sql(
      `SELECT resource, drifted, diff, health, health_message FROM resource_status
       WHERE application_id = $1 ORDER BY resource`,
      [id],
    );
    expect(rows).toEqual(
      resources.map((resource) => ({
        resource,
        drifted: false,
        diff: null,
        health: 'InProgress',
        health_message: 'waiting for rollout',
      })),
    );
    expect((await hub.api('GET', '/api/v1/applications/drifting')).body.clusters[0].sync).toBe('Synced');
  });

  it('a failed sync leaves drift as the agent last reported it', async () => {
    const id = await createApp('stuck', { automated: true, prune: true, selfHeal: true });
    await agent.status({
      resources: [
        {
          applicationId: id,
          resource: '/ConfigMap/stuck/one',
          health: 'Current',
          drifted: true,
          diff: '- a\n+ b',
        },
      ],
      events: [],
    });
    await hub.api('POST', '/api/v1/applications/stuck/sync');
    const [job] = await agent.poll(0);
    await agent.fail(job, 'the API server refused the object', false);
    const [row] = await hub.sql<{ drifted: boolean; diff: string }>(
      `SELECT drifted, diff FROM resource_status WHERE application_id = $1 AND resource = '/ConfigMap/stuck/one'`,
      [id],
    );
    expect(row).toEqual({ drifted: true, diff: '- a\n+ b' });
  });
});

describe('sync hooks in a job result', () => {
  it('are validated and recorded in the job audit event, and a malformed one is refused', async () => {
    await createApp('hooked', { automated: false, prune: true, selfHeal: false });
    await hub.api('POST', '/api/v1/applications/hooked/sync');
    const [job] = await agent.poll(0);
    const ids = (await agent.bundle(job.bundleDigest!)).map(idOf).sort();
    const hooks = [
      {
        phase: 'PreSync',
        resource: 'batch/Job/hooked/migrate',
        outcome: 'succeeded',
        message: 'job completed',
      },
      { phase: 'SyncFail', resource: '/ConfigMap/hooked/alert', outcome: 'succeeded' },
    ] as const;
    const result = (extra: object) => ({
      reportId: randomUUID(),
      outcome: 'failed',
      retryable: false,
      message: 'sync wave 1 not healthy',
      resources: ids.map((rid) => ({ id: rid, action: 'skipped' })),
      inventory: [],
      ...extra,
    });
    const bad = await agent.call(
      'POST',
      `/jobs/${job.id}/result`,
      result({ hooks: [{ ...hooks[0], phase: 'Later' }] }),
    );
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('phase');
    const ok = await agent.call('POST', `/jobs/${job.id}/result`, result({ hooks }));
    expect(ok.body).toEqual({ recorded: true });
    const [event] = await hub.sql<{ hooks: unknown }>(
      `SELECT details->'hooks' AS hooks FROM audit_events WHERE action = 'job.failed' AND details->>'jobId' = $1`,
      [job.id],
    );
    expect(event.hooks).toEqual(hooks);
  });
});

describe('a leased job after lease expiry', () => {
  it('is handed out again at once with one more attempt, and its late first result is still taken', async () => {
    await createApp('late', { automated: false, prune: true, selfHeal: false });
    await hub.api('POST', '/api/v1/applications/late/sync');
    const before = Date.now();
    const [first] = await agent.poll(0);
    // The set-based lease in SQL grants the lease the domain sets (leaseUntil: now + JOB_LEASE_MS).
    const leaseEnd = new Date(first.leaseExpiresAt).getTime();
    expect(leaseEnd).toBeGreaterThanOrEqual(before + JOB_LEASE_MS - 1000);
    expect(leaseEnd).toBeLessThanOrEqual(Date.now() + JOB_LEASE_MS + 1000);
    expect(first.attempt).toBe(1);
    await hub.sql(`UPDATE reconcile_jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [
      first.id,
    ]);
    expect(await sweep()).toMatchObject({ requeued: 1, failed: 0 });
    const [again] = await agent.poll(0);
    expect(again).toMatchObject({ id: first.id, attempt: 2 } satisfies Partial<JobV1>);
    expect((await agent.succeed(first)).body).toEqual({ recorded: true });
    expect((await agent.succeed(again)).body).toEqual({ recorded: false });
  });
});

describe('worst health: SQL and domain agree', () => {
  const combinations: HealthStatus[][] = [
    ['Current'],
    ['Unknown'],
    ['NotFound'],
    ['InProgress'],
    ['Current', 'Unknown'],
    ['NotFound', 'Unknown'],
    ['InProgress', 'Unknown'],
    ['NotFound', 'InProgress'],
    ['InProgress', 'NotFound'],
    ['Current', 'NotFound', 'Unknown'],
    ['Terminating', 'NotFound'],
    ['Terminating', 'InProgress', 'Unknown'],
    ['Failed', 'Terminating', 'NotFound'],
    ['Current', 'Unknown', 'InProgress', 'NotFound', 'Terminating', 'Failed'],
  ];

  it.each(combinations.map((c) => [c.join(' + '), c] as const))(
    '%s: summaryByCluster picks the status rollupHealth picks',
    async (_name, statuses) => {
      const applicationId = randomUUID();
      for (const [i, health] of statuses.entries())
        await hub.sql(
          `INSERT INTO resource_status (application_id, cluster_id, resource, health) VALUES ($1, $2, $3, $4)`,
          [applicationId, clusterId, `/ConfigMap/ns/r${i}`, health],
        );
      const summary = await hub.hub.app.get(ResourceStatusRepository).summaryByCluster(applicationId);
      const expected = rollupHealth(statuses.map((status) => ({ status, message: status }))).status;
      expect(summary.get(clusterId)).toEqual({ health: expected, drifted: false, count: statuses.length });
    },
  );
});
