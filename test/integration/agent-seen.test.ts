import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DispatchSweeperService } from '../../src/hub/dispatch/dispatch-sweeper.service.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';

/** Every authenticated agent call counts as the agent being seen, not only its heartbeat. */
let h: TestHub;
let agent: ProtocolAgent;
let clusterId = '';

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
  const c = await h.api('POST', '/api/v1/clusters', { body: { name: 'seen-1' } });
  clusterId = c.body.id;
  agent = new ProtocolAgent(h.url);
  expect((await agent.register(c.body.registration.token)).status).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

/** Waits (up to 5 s) for `check` to hold. */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Row {
  connection_state: string;
  last_seen_at: Date;
  /** Row version: changes with every write; xmax also with a row lock. */
  xmin: string;
  xmax: string;
}
const row = async (hub = h) =>
  (
    await hub.sql<Row>(
      'SELECT connection_state, last_seen_at, xmin::text, xmax::text FROM clusters WHERE id = $1',
      [clusterId],
    )
  )[0];

/** The cluster as if its agent had been silent for 10 minutes, and the sweeper had noticed. */
async function silence(hub = h): Promise<Date> {
  await hub.sql("UPDATE clusters SET last_seen_at = now() - interval '10 minutes' WHERE id = $1", [
    clusterId,
  ]);
  await hub.hub.app.get(DispatchSweeperService).sweep();
  const r = await row(hub);
  expect(r.connection_state).toBe('Disconnected');
  return r.last_seen_at;
}

const connectedEvents = async (hub = h) =>
  (await hub.api('GET', `/api/v1/audit?cluster=${clusterId}&action=cluster.connected&limit=100`)).body.items
    .length as number;

describe('an agent is seen on every call', () => {
  it('after a hub restart, the first long-poll flips the cluster Connected and moves lastSeenAt, no heartbeat', async () => {
    const { databaseUrl, adminToken } = h;
    await h.close();
    h = await startTestHub(inject('postgresUrl'), {
      DATABASE_URL: databaseUrl,
      FLOTILLA_ADMIN_TOKEN: adminToken,
    });
    agent = Object.assign(new ProtocolAgent(h.url), { credential: agent.credential, clusterId });
    const before = await silence();
    const events = await connectedEvents();
    // Seen when the poll arrives, not when it ends: look while it is still parked.
    const poll = agent.poll(3);
    await new Promise((r) => setTimeout(r, 1000));
    const during = await row();
    expect(during.connection_state).toBe('Connected');
    expect(during.last_seen_at.getTime()).toBeGreaterThan(before.getTime() + 9 * 60_000);
    expect(await poll).toEqual([]);
    expect(await connectedEvents()).toBe(events + 1);
    const cluster = (await h.api('GET', `/api/v1/clusters/${clusterId}`)).body;
    expect(cluster).toMatchObject({ connectionState: 'Connected' });
  });

  it('a bundle download counts too, even one the hub answers 404', async () => {
    await silence();
    const res = await agent.call('GET', `/bundles/${'0'.repeat(64)}`);
    expect(res.status).toBe(404);
    expect((await row()).connection_state).toBe('Connected');
  });

  it('the end of a long-poll counts as well: a parked poll does not age the cluster', async () => {
    const start = Date.now();
    expect(await agent.poll(7)).toEqual([]);
    // The start of the poll was within 5 s of the previous call, its end was not; a Connected
    // cluster's time is written with the next batch, within a second.
    await until(async () => (await row()).last_seen_at.getTime() >= start + 6_000);
  });

  it('the times of Connected clusters are written together, one statement per second', async () => {
    const other = await h.api('POST', '/api/v1/clusters', { body: { name: 'seen-2' } });
    const agent2 = new ProtocolAgent(h.url);
    expect((await agent2.register(other.body.registration.token)).status).toBe(201);
    const ids = [clusterId, other.body.id as string];
    await h.sql(`UPDATE clusters SET last_seen_at = now() - interval '1 minute' WHERE id = ANY($1::uuid[])`, [
      ids,
    ]);
    const old = Date.now() - 30_000;
    await agent.poll(0);
    await agent2.call('POST', '/heartbeat', { agentVersion: 'test-0.1', kubernetesVersion: 'v1.37.2' });
    const seen = () =>
      h.sql<{ last_seen_at: Date; xmin: string }>(
        'SELECT last_seen_at, xmin::text FROM clusters WHERE id = ANY($1::uuid[])',
        [ids],
      );
    await until(async () => (await seen()).every((r) => r.last_seen_at.getTime() > old));
    const rows = await seen();
    // one transaction wrote both rows
    expect(rows[0].xmin).toBe(rows[1].xmin);
  });

  it('a call within 5 s of the last one writes nothing, not even a row lock', async () => {
    await agent.poll(0);
    const before = await row();
    await agent.poll(0);
    await agent.call('POST', '/heartbeat', { agentVersion: 'test-0.1', kubernetesVersion: 'v1.37.2' });
    const after = await row();
    expect({ xmin: after.xmin, xmax: after.xmax }).toEqual({ xmin: before.xmin, xmax: before.xmax });
    expect(after.last_seen_at).toEqual(before.last_seen_at);
    // A heartbeat with a new version is news, whenever it comes.
    await agent.call('POST', '/heartbeat', { agentVersion: 'test-0.2' });
    expect((await h.api('GET', `/api/v1/clusters/${clusterId}`)).body.agentVersion).toBe('test-0.2');
  });

  it('a heartbeat stores the API versions the agent reports, and writes nothing when they are the same', async () => {
    const versions = ['apps/v1', 'monitoring.coreos.com/v1', 'v1'];
    const send = (apiVersions: unknown) =>
      agent.call('POST', '/heartbeat', { agentVersion: 'test-0.2', apiVersions });
    expect((await send(versions)).status).toBeLessThan(300);
    const stored = await h.sql<{ api_versions: string[]; xmin: string }>(
      'SELECT api_versions, xmin FROM clusters WHERE id = $1',
      [clusterId],
    );
    expect(stored[0].api_versions).toEqual(versions);
    await send(versions);
    const again = await h.sql<{ xmin: string }>('SELECT xmin FROM clusters WHERE id = $1', [clusterId]);
    expect(again[0].xmin).toBe(stored[0].xmin);
    // anything that is not a group/version is refused, so no hostile value reaches helm's arguments
    for (const bad of [['--set=x'], ['apps/v1 x'], 'apps/v1', Array(2001).fill('v1')]) {
      const res = await send(bad);
      expect(res.status, JSON.stringify(bad).slice(0, 40)).toBe(400);
    }
  });

  it('a refused credential is not seen', async () => {
    await silence();
    const stranger = Object.assign(new ProtocolAgent(h.url), { credential: 'fltagent_not-a-credential' });
    expect((await stranger.call('GET', '/jobs?waitSeconds=0')).status).toBe(401);
    expect((await row()).connection_state).toBe('Disconnected');
  });
});
