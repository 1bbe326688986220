import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { JobV1 } from '../../src/protocol/v1/agent-protocol.js';
import { registerAgents } from '../support/agent-fleet.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import type { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

// Results that arrive together are written together (one transaction and one turn of the audit
// chain's lock per batch). These are the guarantees that must hold whatever a batch holds.

const CM = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: batched\ndata:\n  a: "1"\n`;
const N = 24;

let fx: VcsFixture;
let hub: TestHub;
let agents: ProtocolAgent[];
let jobs: JobV1[];

beforeAll(async () => {
  fx = await gitFixture(false);
  hub = await startTestHub(inject('postgresUrl'));
  const repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'app/cm.yaml': CM }, 'initial');
  await hub.api('POST', '/api/v1/repositories', { body: { name: 'batches', type: 'git', url: repo.url } });
  await hub.api('POST', '/api/v1/repositories/batches/refresh');
  agents = await registerAgents(hub.url, hub.adminToken, N, { batch: 'yes' }, 'batch');
  const app = await hub.api('POST', '/api/v1/applications', {
    body: {
      name: 'batched',
      repositoryId: 'batches',
      path: 'app',
      targets: [{ clusterSelector: 'batch=yes', namespace: 'batched' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    },
  });
  expect(app.status).toBe(201);
  await hub.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
  jobs = await Promise.all(agents.map(async (a) => (await a.poll(0)).find((j) => j.kind === 'sync')!));
  expect(jobs.every(Boolean)).toBe(true);
});
afterAll(async () => {
  await hub?.close();
  await fx?.close();
});

describe('job results written in batches', () => {
  it('answers each of many simultaneous results on its own: recorded once, refused alone, chain intact', async () => {
    const duplicateId = randomUUID();
    const [good, refused] = await Promise.all([
      // Every agent reports at once; the first one twice under the same reportId.
      Promise.all([
        ...agents.slice(3).map((a, i) => a.succeed(jobs[i + 3])),
        agents[0].succeed(jobs[0], duplicateId),
        agents[0].succeed(jobs[0], duplicateId),
      ]),
      Promise.all([
        // Another cluster's job: refused, and only that one.
        agents[1].succeed(jobs[2]),
        // A job that does not exist.
        agents[1].call('POST', `/jobs/${randomUUID()}/result`, {
          reportId: randomUUID(),
          outcome: 'succeeded',
          resources: [],
          inventory: [],
        }),
        // A message the database cannot store fails its batch's transaction: written alone
        // again, it fails by itself and the others of its batch are recorded.
        agents[2].fail(jobs[2], 'broken \u0000 message', true),
      ]),
    ]);
    const singles = good.slice(0, N - 3);
    expect(singles.map((r) => [r.status, r.body])).toEqual(singles.map(() => [200, { recorded: true }]));
    const twice = good.slice(N - 3).map((r) => r.body.recorded);
    expect(twice.sort()).toEqual([false, true]);
    expect(refused.map((r) => r.status)).toEqual([403, 404, 400]);
    expect(refused[2].body.message).toContain('NUL');

    // The refused ones left nothing behind: agent 2's job is still leased and takes its real result.
    const [{ state }] = await hub.sql<{ state: string }>(`SELECT state FROM reconcile_jobs WHERE id = $1`, [
      jobs[2].id,
    ]);
    expect(state).toBe('leased');
    expect((await agents[2].succeed(jobs[2])).body).toEqual({ recorded: true });
    expect((await agents[1].succeed(jobs[1])).body).toEqual({ recorded: true });

    // One job.succeeded per job, whatever batch it was written in; the chain verifies.
    const rows = await hub.sql<{ job: string; n: string }>(
      `SELECT details->>'jobId' AS job, count(*) AS n FROM audit_events
        WHERE action = 'job.succeeded' AND details->>'jobId' = ANY($1) GROUP BY 1`,
      [jobs.map((j) => j.id)],
    );
    expect(rows).toHaveLength(N);
    expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    const status = await hub.api('GET', '/api/v1/fleet/status?application=batched&limit=100');
    expect(status.body.items).toHaveLength(N);
    expect(status.body.items.every((i: { sync: string }) => i.sync === 'Synced')).toBe(true);
    expect((await hub.api('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });
});
