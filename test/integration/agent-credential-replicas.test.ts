import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DispatchSweeperService } from '../../src/hub/dispatch/dispatch-sweeper.service.js';
import { JobNotifier } from '../../src/hub/dispatch/job-notifier.repository.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';

/**
 * Each hub replica remembers which cluster an agent credential belongs to (so idle agents cost
 * no credential read per call); a revoked or replaced credential, or a deleted cluster, must
 * still stop working at once on every replica, not only the one that made the change.
 * (Operators call replica `a`: the test harness knows only its admin token.)
 */

let a: TestHub;
let b: TestHub;

beforeAll(async () => {
  a = await startTestHub(inject('postgresUrl'));
  // A second replica on the same database.
  b = await startTestHub(inject('postgresUrl'), { DATABASE_URL: a.databaseUrl });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

/** A cluster whose agent is registered on replica `a`, with a client of the same credential per replica. */
async function joined(name: string): Promise<{ id: string; onA: ProtocolAgent; onB: ProtocolAgent }> {
  const c = await a.api('POST', '/api/v1/clusters', { body: { name } });
  expect(c.status, c.text).toBe(201);
  const onA = new ProtocolAgent(a.url);
  expect((await onA.register(c.body.registration.token)).status).toBe(201);
  return { id: c.body.id, onA, onB: sameCredential(onA, b) };
}

function sameCredential(agent: ProtocolAgent, replica: TestHub): ProtocolAgent {
  const other = new ProtocolAgent(replica.url);
  other.credential = agent.credential;
  return other;
}

/**
 * Resolves when both replicas hear the cluster's next wake-up: Postgres delivers a NOTIFY to
 * every listener a moment after the commit, and from then on each must refuse the old credential.
 */
function heardOnBoth(clusterId: string): Promise<void> {
  const heard = (replica: TestHub) =>
    new Promise<void>((resolve) =>
      replica.hub.app.get(JobNotifier).onWake((wake) => {
        if (wake?.kind === 'cluster' && wake.clusterIds.includes(clusterId)) resolve();
      }),
    );
  return Promise.all([heard(a), heard(b)]).then(() => undefined);
}

/** Calls each replica twice, so both remember the credential. */
async function warm(...agents: ProtocolAgent[]): Promise<void> {
  for (const agent of agents)
    for (let i = 0; i < 2; i++) {
      expect((await agent.call('GET', '/jobs?waitSeconds=0')).status).toBe(200);
      expect((await agent.call('POST', '/heartbeat', { agentVersion: 'test' })).status).toBeLessThan(300);
    }
}

async function expectRejected(agent: ProtocolAgent): Promise<void> {
  for (const [method, path, body] of [
    ['GET', '/jobs?waitSeconds=0', undefined],
    ['POST', '/heartbeat', { agentVersion: 'test' }],
  ] as const) {
    const res = await agent.call(method, path, body);
    expect(res.status, `${method} ${path} on ${agent.hubUrl}`).toBe(401);
  }
}

describe('agent credentials with two hub replicas on one database', () => {
  it('a credential revoked on one replica is refused at once by both', async () => {
    const { id, onA, onB } = await joined('revoked-on-a');
    await warm(onA, onB);
    const heard = heardOnBoth(id);
    const revoked = await a.api('POST', '/api/v1/clusters/revoked-on-a/credentials/revoke');
    expect(revoked.status, revoked.text).toBe(200);
    await heard;
    await expectRejected(onB);
    await expectRejected(onA);
  });

  it('a credential replaced by a new registration is refused at once by both; the new one works on both', async () => {
    const { id, onA, onB } = await joined('rotated');
    await warm(onA, onB);
    const token = await a.api('POST', '/api/v1/clusters/rotated/registration-token');
    expect(token.status, token.text).toBe(201);
    const heard = heardOnBoth(id);
    const fresh = new ProtocolAgent(b.url);
    expect((await fresh.register(token.body.token)).status).toBe(201);
    expect(fresh.credential).not.toBe(onA.credential);
    await heard;
    await expectRejected(onA);
    await expectRejected(onB);
    await warm(fresh, sameCredential(fresh, a));
  });

  it("a deleted cluster's credential is refused at once by both", async () => {
    const { id, onA, onB } = await joined('deleted');
    await warm(onA, onB);
    const heard = heardOnBoth(id);
    const deleted = await a.api('DELETE', '/api/v1/clusters/deleted');
    expect(deleted.status, deleted.text).toBeLessThan(300);
    await heard;
    await expectRejected(onA);
    await expectRejected(onB);
  });

  it('a cluster another replica found silent and marked Disconnected is Connected again with its next call', async () => {
    const { id, onA, onB } = await joined('silent');
    await warm(onA, onB);
    await a.sql("UPDATE clusters SET last_seen_at = now() - interval '10 minutes' WHERE id = $1", [id]);
    const heard = heardOnBoth(id);
    await a.hub.app.get(DispatchSweeperService).sweep();
    const state = async () =>
      (await a.sql<{ s: string }>('SELECT connection_state AS s FROM clusters WHERE id = $1', [id]))[0].s;
    expect(await state()).toBe('Disconnected');
    await heard;
    expect((await onB.call('GET', '/jobs?waitSeconds=0')).status).toBe(200);
    expect(await state()).toBe('Connected');
  });
});
