/**
 * Lease renewal against the real hub (short lease, fast sweeper): a renewal extends the lease
 * from now, keeps a job from being handed out again while its agent still works on it, and is
 * refused for another cluster's job (403), an unknown one (404) and a finished one (409).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HttpHubClient, HubRejectedError } from '../../src/agent/hub-client.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { JobV1 } from '../../src/protocol/v1/agent-protocol.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const LEASE_SECONDS = 2;
const CM = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: "1"\n`;

let fx: VcsFixture;
let h: TestHub;
let repo: VcsRepository;
const agents: Record<string, ProtocolAgent> = {};
let appCount = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();

async function join(name: string): Promise<void> {
  const c = await h.api('POST', '/api/v1/clusters', { body: { name, labels: { lease: name } } });
  expect(c.status, c.text).toBe(201);
  agents[name] = new ProtocolAgent(h.url);
  expect((await agents[name].register(c.body.registration.token)).status).toBe(201);
}

/** A new application on cluster `lease-a`, and its job as leased by that cluster's agent. */
async function leasedJob(): Promise<JobV1> {
  const name = `lease-app-${++appCount}`;
  const res = await h.api('POST', '/api/v1/applications', {
    body: {
      name,
      repositoryId: 'lease',
      path: 'a',
      targets: [{ clusterSelector: 'lease=lease-a', namespace: name }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    },
  });
  expect(res.status, res.text).toBe(201);
  await settle();
  const [job] = await agents['lease-a'].poll();
  expect(job?.applicationId).toBe(res.body.id);
  return job;
}

const jobRow = async (id: string) =>
  (await h.sql('SELECT state, attempts, lease_expires_at FROM reconcile_jobs WHERE id = $1', [id]))[0] as {
    state: string;
    attempts: number;
    lease_expires_at: Date;
  };

const renew = (agent: string, jobId: string) => agents[agent].call('POST', `/jobs/${jobId}/lease`);

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'), {
    FLOTILLA_JOB_LEASE_SECONDS: String(LEASE_SECONDS),
    FLOTILLA_SWEEP_INTERVAL_MS: '200',
  });
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'a/cm.yaml': CM }, 'initial');
  await h.api('POST', '/api/v1/repositories', { body: { name: 'lease', type: 'git', url: repo.url } });
  await h.api('POST', '/api/v1/repositories/lease/refresh');
  await join('lease-a');
  await join('lease-b');
}, 60_000);
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('job lease renewal', () => {
  it('jobs carry the lease length; a renewal extends the lease from now', async () => {
    const job = await leasedJob();
    expect(job.leaseSeconds).toBe(LEASE_SECONDS);
    const before = (await jobRow(job.id)).lease_expires_at;
    await sleep(300);
    const res = await renew('lease-a', job.id);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.leaseSeconds).toBe(LEASE_SECONDS);
    const after = await jobRow(job.id);
    expect(after.lease_expires_at.getTime()).toBeGreaterThan(before.getTime());
    expect(new Date(res.body.leaseExpiresAt as string).getTime()).toBe(after.lease_expires_at.getTime());
    expect(after).toMatchObject({ state: 'leased', attempts: 1 });
    expect((await agents['lease-a'].succeed(job)).status).toBe(200);
  });

  it('keeps a job leased past its lease while renewed (through the agent client), then lets it go', async () => {
    const job = await leasedJob();
    const client = new HttpHubClient(h.url);
    client.setCredential(agents['lease-a'].credential!);
    // Renewed every half lease for three leases: never handed out again.
    for (let i = 0; i < 6; i++) {
      await sleep((LEASE_SECONDS * 1000) / 2);
      expect((await client.renewLease(job.id)).leaseSeconds).toBe(LEASE_SECONDS);
    }
    expect((await agents['lease-a'].poll()).map((j) => j.id)).not.toContain(job.id);
    expect(await jobRow(job.id)).toMatchObject({ state: 'leased', attempts: 1 });
    // Not renewed any more: the sweeper takes the lease back and hands the job out again …
    await sleep(LEASE_SECONDS * 1000 + 800);
    const again = (await agents['lease-a'].poll()).filter((j) => j.id === job.id);
    expect(again.map((j) => j.attempt)).toEqual([2]);
    // … and the renewal of the lapsed first attempt's lease is refused once the job has finished.
    expect((await agents['lease-a'].succeed(again[0])).status).toBe(200);
    const refused = await client.renewLease(job.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HubRejectedError);
    expect((refused as HubRejectedError).status).toBe(409);
    client.close();
  });

  it("refuses another cluster's job (403), an unknown job (404) and a bad id (400), changing nothing", async () => {
    const job = await leasedJob();
    const before = await jobRow(job.id);
    const foreign = await renew('lease-b', job.id);
    expect(foreign.status).toBe(403);
    expect(foreign.body.message).toContain('another cluster');
    expect((await renew('lease-a', randomUUID())).status).toBe(404);
    expect((await renew('lease-a', 'not-a-uuid')).status).toBe(400);
    expect(await jobRow(job.id)).toEqual(before);
    const anonymous = await fetch(`${h.url}/api/v1/agent/jobs/${job.id}/lease`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    expect((await agents['lease-a'].succeed(job)).status).toBe(200);
  });

  it('refuses to renew a finished job (409) and a job taken back by the sweeper (409)', async () => {
    const done = await leasedJob();
    expect((await agents['lease-a'].succeed(done)).status).toBe(200);
    const finished = await renew('lease-a', done.id);
    expect(finished.status).toBe(409);
    expect(finished.body.message).toContain('already succeeded');

    const lapsed = await leasedJob();
    await sleep(LEASE_SECONDS * 1000 + 800);
    expect((await jobRow(lapsed.id)).state).toBe('queued');
    const taken = await renew('lease-a', lapsed.id);
    expect(taken.status).toBe(409);
    expect(taken.body.message).toContain('only a leased job');
  });
});
