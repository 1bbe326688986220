import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HttpHubClient } from '../../src/agent/hub-client.js';
import { ReportBuffer } from '../../src/agent/report-buffer.js';
import { JobNotifier } from '../../src/hub/dispatch/job-notifier.repository.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { AgentEventV1, JobV1 } from '../../src/protocol/v1/agent-protocol.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { waitFor } from '../k8s/agent/agent-test-kit.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

/**
 * What one agent credential can reach: its own cluster's applications only, a bounded number
 * of events, one parked long-poll, nothing after revocation — and Secret values never stored
 * from what any agent sends.
 */

const BUDGET = 60; // FLOTILLA_AGENT_STATUS_BUDGET of this hub: 60 events a minute, one a second
const SECRET_VALUE = 'c3VwZXItc2VjcmV0LXZhbHVl'; // base64 of "super-secret-value"
const LIVE_VALUE = 'bGl2ZS1zdG9sZW4tdmFsdWU='; // base64 of "live-stolen-value"
const SECRET = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  password: ${SECRET_VALUE}\n`;
const CM = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: "1"\n`;

let fx: VcsFixture;
let h: TestHub;
let repo: VcsRepository;
let viewer: string;
let operator: string;
const agents: Record<string, ProtocolAgent> = {};
const ids: Record<string, string> = {};
const apps: Record<string, string> = {};

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const event = (applicationId: string, extra: Partial<AgentEventV1> = {}): AgentEventV1 => ({
  type: 'drift.detected',
  applicationId,
  resource: '/ConfigMap/scope-a/cm',
  diff: '- /data/a: "2"\n+ /data/a: "1"',
  time: new Date().toISOString(),
  ...extra,
});

async function join(name: string, labels: Record<string, string>): Promise<ProtocolAgent> {
  const c = await h.api('POST', '/api/v1/clusters', { body: { name, labels } });
  expect(c.status, c.text).toBe(201);
  ids[name] = c.body.id;
  const agent = new ProtocolAgent(h.url);
  expect((await agent.register(c.body.registration.token)).status).toBe(201);
  agents[name] = agent;
  return agent;
}

async function application(name: string, selector: string, path: string): Promise<void> {
  const res = await h.api('POST', '/api/v1/applications', {
    body: {
      name,
      repositoryId: 'scope',
      path,
      targets: [{ clusterSelector: selector, namespace: name }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    },
  });
  expect(res.status, res.text).toBe(201);
  apps[name] = res.body.id;
  await settle();
}

const auditText = async (query: string) =>
  JSON.stringify((await h.api('GET', `/api/v1/audit?${query}&limit=500`)).body.items);

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'), { FLOTILLA_AGENT_STATUS_BUDGET: String(BUDGET) });
  viewer = await h.token('viewer');
  operator = await h.token('operator');
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'a/cm.yaml': CM, 's/secret.yaml': SECRET }, 'initial');
  await h.api('POST', '/api/v1/repositories', { body: { name: 'scope', type: 'git', url: repo.url } });
  await h.api('POST', '/api/v1/repositories/scope/refresh');
  await join('scope-a', { site: 'a' });
  await join('scope-b', { site: 'b' });
  await join('scope-c', { site: 'c' });
  await application('scope-a', 'site=a', 'a');
  await application('scope-s', 'site=c', 's');
  for (const name of ['scope-a', 'scope-c']) await agents[name].succeed((await agents[name].poll())[0]);
}, 60_000);
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('an agent reports on its own cluster only', () => {
  it("status and drift events for an application not deployed to the caller's cluster are ignored and counted", async () => {
    const res = await agents['scope-b'].status({
      resources: [
        {
          applicationId: apps['scope-a'],
          resource: '/ConfigMap/scope-a/cm',
          health: 'Failed',
          drifted: true,
          diff: '- /data/a: "forged"',
        },
      ],
      events: [event(apps['scope-a']), event(randomUUID())],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ recorded: true, ignored: 3 });
    const rows = await h.sql('SELECT cluster_id FROM resource_status WHERE application_id = $1', [
      apps['scope-a'],
    ]);
    expect(rows.map((r) => r.cluster_id)).toEqual([ids['scope-a']]);
    expect(await auditText(`cluster=${ids['scope-b']}&action=drift.*`)).toBe('[]');

    // The same report from the cluster the application is deployed to is taken.
    const own = await agents['scope-a'].status({ resources: [], events: [event(apps['scope-a'])] });
    expect(own.body).toEqual({ recorded: true, ignored: 0 });
    expect(await auditText(`cluster=${ids['scope-a']}&action=drift.detected`)).toContain(apps['scope-a']);
  });

  it('caps events per report and the size of a diff (400 naming the limit)', async () => {
    const many = await agents['scope-a'].status({
      resources: [],
      events: Array.from({ length: 501 }, () => event(apps['scope-a'])),
    });
    expect(many.status).toBe(400);
    expect(many.body.message).toMatch(/events must contain no more than 500 elements/);
    const big = await agents['scope-a'].status({
      resources: [],
      events: [event(apps['scope-a'], { diff: 'x'.repeat(16_385) })],
    });
    expect(big.status).toBe(400);
    expect(big.body.message).toMatch(/diff must be shorter than or equal to 16384 characters/);
  });

  it("a credential's status budget answers 429 with Retry-After; the agent's buffer keeps the report and delivers it after the wait", async () => {
    const agent = await join('scope-rate', { site: 'rate' });
    const events = (n: number) => Array.from({ length: n }, () => event(randomUUID()));
    expect((await agent.status({ resources: [], events: events(29) })).status).toBe(200); // 30 of 60
    expect((await agent.status({ resources: [], events: events(29) })).status).toBe(200); // 60 of 60
    const refused = await agent.call('POST', '/status', {
      reportId: randomUUID(),
      resources: [],
      events: [],
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another credential has its own budget.
    expect((await agents['scope-b'].status({ resources: [], events: [] })).status).toBe(200);

    // The real agent's client and buffer against the real hub.
    const client = new HttpHubClient(h.url);
    client.setCredential(agent.credential!);
    const throttled: number[] = [];
    const rejected: string[] = [];
    const buffer = new ReportBuffer(client, 10, {
      throttled: (ms) => throttled.push(ms),
      rejected: (_r, e) => rejected.push(e.message),
    });
    const reportId = randomUUID();
    buffer.push({ type: 'status', body: { reportId, resources: [], events: events(4) } });
    expect(await buffer.flush()).toBe(false);
    expect(buffer.size).toBe(1);
    expect(throttled.length).toBe(1);
    expect(throttled[0]).toBeGreaterThanOrEqual(1000);
    expect(await buffer.flush()).toBe(false); // still waiting: nothing sent
    await waitFor('buffer delivered after Retry-After', () => buffer.size === 0, 15_000, 100);
    expect(rejected).toEqual([]);
    expect(await h.sql('SELECT 1 FROM agent_reports WHERE report_id = $1', [reportId])).toHaveLength(1);
  }, 30_000);
});

describe('long-poll and credentials', () => {
  it('one parked long-poll per cluster: the newer wins and the older is answered at once with no work', async () => {
    const agent = agents['scope-a'];
    const older = agent.poll(20);
    await waitFor('older poll parked', () => h.hub.app.get(JobNotifier).waiting === 1);
    const started = Date.now();
    const newer = agent.poll(20);
    expect(await older).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
    const sync = await h.api('POST', '/api/v1/applications/scope-a/sync');
    expect(sync.status).toBe(202);
    const jobs: JobV1[] = await newer;
    expect(jobs).toHaveLength(1);
    await agent.succeed(jobs[0]);
  });

  it('a parked poll whose agent hung up ends on the hub at once, not at its deadline', async () => {
    const agent = agents['scope-a'];
    const notifier = h.hub.app.get(JobNotifier);
    const hangUp = new AbortController();
    const poll = fetch(`${h.url}/api/v1/agent/jobs?waitSeconds=20`, {
      headers: { authorization: `Bearer ${agent.credential}` },
      signal: hangUp.signal,
    });
    await waitFor('poll parked', () => notifier.waiting === 1);
    hangUp.abort();
    await expect(poll).rejects.toThrow(/abort/i);
    const started = Date.now();
    await waitFor('the hub let go of the poll', () => notifier.waiting === 0, 5_000, 20);
    expect(Date.now() - started).toBeLessThan(5_000);
    // and answered polls keep working: the next one gets its job
    const sync = await h.api('POST', '/api/v1/applications/scope-a/sync');
    expect(sync.status).toBe(202);
    const jobs: JobV1[] = await agent.poll(5);
    expect(jobs).toHaveLength(1);
    await agent.succeed(jobs[0]);
  });

  it('revoking a credential (operator, audited) ends its parked poll, answers 401 and asks for re-registration', async () => {
    const agent = agents['scope-b'];
    expect(
      (await h.api('POST', '/api/v1/clusters/scope-b/credentials/revoke', { token: viewer })).status,
    ).toBe(403);
    const parked = agent.poll(20);
    await waitFor('poll parked', () => h.hub.app.get(JobNotifier).waiting === 1);
    const started = Date.now();
    const revoked = await h.api('POST', '/api/v1/clusters/scope-b/credentials/revoke', { token: operator });
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.body).toMatchObject({ name: 'scope-b', registered: false, connectionState: 'Pending' });
    expect(await parked).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const [method, path, body] of [
      ['GET', '/jobs?waitSeconds=0', undefined],
      ['POST', '/heartbeat', { agentVersion: 'x' }],
      ['POST', '/status', { reportId: randomUUID(), resources: [], events: [] }],
    ] as const) {
      const res = await agent.call(method, path, body);
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/revoked/);
    }
    expect((await h.api('GET', '/api/v1/clusters/scope-b')).body).toMatchObject({
      registered: false,
      connectionState: 'Pending',
    });
    const audit = (
      await h.api('GET', `/api/v1/audit?cluster=${ids['scope-b']}&action=cluster.credential-revoked`)
    ).body.items;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ details: { name: 'scope-b', hadCredential: true } });

    // A new registration token brings it back with a new credential.
    const token = await h.api('POST', '/api/v1/clusters/scope-b/registration-token');
    const again = new ProtocolAgent(h.url);
    expect((await again.register(token.body.token)).status).toBe(201);
    expect(await again.poll(0)).toEqual([]);
    agents['scope-b'] = again;
  });

  it('clusters are found by an index on the credential hash', async () => {
    const rows = await h.sql(
      "SELECT indexdef FROM pg_indexes WHERE tablename = 'clusters' AND indexname = 'clusters_credential_hash_key'",
    );
    expect(rows[0]?.indexdef).toMatch(/UNIQUE INDEX .* \(credential_hash\)/);
  });
});

describe('secret values never stored from what an agent sends', () => {
  it('a Secret diff from an old or hostile agent is redacted in resource status and audit', async () => {
    const resource = '/Secret/scope-s/creds';
    const diff = `- /data/password: "${LIVE_VALUE}"\n+ /data/password: "${SECRET_VALUE}"`;
    const res = await agents['scope-c'].status({
      resources: [{ applicationId: apps['scope-s'], resource, health: 'Current', drifted: true, diff }],
      events: [event(apps['scope-s'], { resource, diff })],
    });
    expect(res.body).toEqual({ recorded: true, ignored: 0 });
    const status = await h.api('GET', '/api/v1/applications/scope-s/resources', { token: viewer });
    const audit = await auditText(`application=${apps['scope-s']}`);
    for (const text of [status.text, audit]) {
      expect(text).not.toContain(LIVE_VALUE);
      expect(text).not.toContain(SECRET_VALUE);
    }
    expect(status.body.items.find((r: { resource: string }) => r.resource === resource).diff).toBe(
      '- /data/password: (redacted)\n+ /data/password: (redacted)',
    );
  });

  it("a failed job's messages lose the bundle's secret values (an API server error can quote them)", async () => {
    await h.api('POST', '/api/v1/applications/scope-s/sync');
    const [job] = await agents['scope-c'].poll(0);
    const quoted = `Secret "creds" is invalid: data[password]: Invalid value: "${SECRET_VALUE}" / super-secret-value`;
    const res = await agents['scope-c'].call('POST', `/jobs/${job.id}/result`, {
      reportId: randomUUID(),
      outcome: 'failed',
      retryable: false,
      message: quoted,
      resources: [{ id: '/Secret/scope-s/creds', action: 'failed', message: quoted }],
      inventory: [],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const texts = [
      await auditText(`application=${apps['scope-s']}`),
      (await h.api('GET', '/api/v1/applications/scope-s/resources', { token: viewer })).text,
      (await h.api('GET', '/api/v1/applications/scope-s/history', { token: viewer })).text,
      JSON.stringify(await h.sql('SELECT error, result FROM reconcile_jobs WHERE id = $1', [job.id])),
    ];
    for (const text of texts) {
      expect(text).not.toContain(SECRET_VALUE);
      expect(text).not.toContain('super-secret-value');
    }
    expect(texts[0]).toContain('Invalid value: \\"(redacted)\\"');
  });
});
