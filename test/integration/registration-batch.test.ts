import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UnauthenticatedError, ConflictError } from '../../src/domain/errors.js';
import { AgentRegistrationService } from '../../src/hub/agent-gateway/agent-registration.service.js';
import { ClusterService } from '../../src/hub/clusters/cluster.service.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';

/**
 * A fleet joining at once: creations and registrations that arrive together are written in
 * batches (one transaction and one turn of the audit chain's lock each), and each one is still
 * written exactly once with its audit event. The calls are made in one tick, so the batches are
 * known: the first two go alone (two batches run at once), the rest gather in a third.
 */
let h: TestHub;
/** The hub's clock: a registration token's expiry is reached by moving it. */
let offsetMs = 0;
const actor = { type: 'token' as const, id: 'batch-test', name: 'batch-test' };

beforeAll(async () => {
  h = await startTestHub(
    inject('postgresUrl'),
    {},
    { clock: { now: () => new Date(Date.now() + offsetMs) } },
  );
});
afterAll(async () => {
  await h?.close();
});

/** The audit events of an action: their cluster, details, and the transaction that wrote them. */
const eventsOf = (action: string) =>
  h.sql<{ cluster_id: string; details: { name: string }; xmin: string }>(
    'SELECT cluster_id, details, xmin::text FROM audit_events WHERE action = $1 ORDER BY seq',
    [action],
  );

async function verified(): Promise<boolean> {
  const res = await h.api('GET', '/api/v1/audit/verify');
  expect(res.status).toBe(200);
  return res.body.ok as boolean;
}

describe('a fleet registering at once', () => {
  it('creates clusters in batches: each name once (a repeat in the same batch or another is a conflict), each audited', async () => {
    const clusters = h.hub.app.get(ClusterService);
    const names = Array.from({ length: 30 }, (_, i) => `batch-${i}`);
    // batch-0 again is in another batch than the first; batch-7 and batch-29 in the same one
    const attempts = [...names, 'batch-0', 'batch-7', 'batch-29'];
    const settled = await Promise.allSettled(
      attempts.map((name) => clusters.create({ name, labels: { fleet: 'batch' } }, actor)),
    );

    expect(settled.slice(0, 30).every((s) => s.status === 'fulfilled')).toBe(true);
    for (const [i, s] of settled.slice(30).entries()) {
      expect(s.status).toBe('rejected');
      const error = (s as PromiseRejectedResult).reason as Error;
      expect(error).toBeInstanceOf(ConflictError);
      expect(error.message).toBe(`a cluster named '${attempts[30 + i]}' already exists`);
    }
    const rows = await h.sql<{ id: string; name: string }>(
      `SELECT id, name FROM clusters WHERE labels @> '{"fleet":"batch"}' ORDER BY name`,
    );
    expect(rows.map((r) => r.name).sort()).toEqual([...names].sort());

    const events = await eventsOf('cluster.registered');
    const created = settled.slice(0, 30).map((s) => {
      const c = (s as PromiseFulfilledResult<{ id: string; name: string }>).value;
      return [c.id, c.name];
    });
    // the two batches running at once may commit in either order: compared as sets
    expect(events.map((e) => [e.cluster_id, e.details.name]).sort()).toEqual(created.sort());
    // written in three transactions, not thirty
    expect(new Set(events.map((e) => e.xmin)).size).toBe(3);
    expect(await verified()).toBe(true);
  });

  it('registers agents in batches: each token once, a used or unknown one fails only itself, each audited', async () => {
    const made = [];
    for (let i = 0; i < 20; i++) {
      const res = await h.api('POST', '/api/v1/clusters', { body: { name: `join-${i}` } });
      expect(res.status, res.text).toBe(201);
      made.push(res.body as { id: string; name: string; registration: { token: string } });
    }
    const registrations = h.hub.app.get(AgentRegistrationService);
    const tokens = made.map((c) => c.registration.token);
    // token 0 again lands in another batch than its first use; token 5 in the same one
    const attempts = [...tokens, tokens[0], tokens[5], 'fltreg_not-a-token-of-this-hub'];
    const settled = await Promise.allSettled(
      attempts.map((registrationToken) =>
        registrations.register({
          registrationToken,
          agentVersion: 'batch-0.1',
          kubernetesVersion: 'v1.37.2',
        }),
      ),
    );

    const answers = settled.slice(0, 20).map((s) => {
      expect(s.status).toBe('fulfilled');
      return (s as PromiseFulfilledResult<{ clusterId: string; clusterName: string; credential: string }>)
        .value;
    });
    expect(answers.map((a) => a.clusterId)).toEqual(made.map((c) => c.id));
    for (const s of settled.slice(20)) {
      expect(s.status).toBe('rejected');
      const error = (s as PromiseRejectedResult).reason as Error;
      expect(error).toBeInstanceOf(UnauthenticatedError);
      expect(error.message).toBe('registration token is invalid or was already used');
    }

    const rows = await h.sql<{
      connection_state: string;
      credential_hash: string | null;
      token: string | null;
    }>(
      `SELECT connection_state, credential_hash, registration_token_hash AS token FROM clusters
        WHERE name LIKE 'join-%'`,
    );
    expect(rows).toHaveLength(20);
    expect(rows.every((r) => r.connection_state === 'Connected' && r.credential_hash && !r.token)).toBe(true);
    const events = await eventsOf('cluster.connected');
    expect(events.map((e) => e.cluster_id).sort()).toEqual(made.map((c) => c.id).sort());
    expect(new Set(events.map((e) => e.xmin)).size).toBe(3);
    expect(await verified()).toBe(true);

    // each credential is the one its agent was given
    for (const a of answers) {
      const agent = new ProtocolAgent(h.url);
      agent.credential = a.credential;
      expect((await agent.call('GET', '/jobs?waitSeconds=0')).status).toBe(200);
    }
  });

  it('answers every registration with an expired token that it expired, also twice in one batch', async () => {
    const c = await h.api('POST', '/api/v1/clusters', { body: { name: 'late' } });
    expect(c.status, c.text).toBe(201);
    offsetMs = 25 * 3600_000;
    try {
      const registrations = h.hub.app.get(AgentRegistrationService);
      const dto = { registrationToken: c.body.registration.token as string, agentVersion: 'batch-0.1' };
      // two at once go in two batches; four make the last three share one
      const settled = await Promise.allSettled([1, 2, 3, 4].map(() => registrations.register(dto)));
      for (const s of settled) {
        expect(s.status).toBe('rejected');
        expect(((s as PromiseRejectedResult).reason as Error).message).toMatch(
          /^registration token has expired/,
        );
      }
    } finally {
      offsetMs = 0;
    }
    const [row] = await h.sql<{ connection_state: string; credential_hash: string | null }>(
      "SELECT connection_state, credential_hash FROM clusters WHERE name = 'late'",
    );
    expect(row).toEqual({ connection_state: 'Pending', credential_hash: null });
  });
});
