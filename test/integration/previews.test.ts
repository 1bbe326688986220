/**
 * Fleet-wide previews (issue 18) against a real hub, a real Git server and agents speaking the
 * real protocol: what each cluster would do, per cluster state and summary, secret values
 * redacted whatever an agent sends, idempotent answers, a foreign cluster's part refused,
 * Disconnected and unanswered clusters unknown, a guardrail denial failing its cluster, an
 * application not created yet, and no desired state, job or status written by any of it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { PreviewJobV1 } from '../../src/protocol/v1/agent-protocol.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const ANSWER_SECONDS = 4;
const CM = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: "1"\n`;
const SECRET = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2-very-secret\n`;

let fx: VcsFixture;
let h: TestHub;
let repo: VcsRepository;
const agents: Record<string, ProtocolAgent> = {};
const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function join(name: string, register: boolean, guardrail?: unknown): Promise<void> {
  const c = await h.api('POST', '/api/v1/clusters', {
    body: { name, labels: { preview: 'yes' }, ...(guardrail ? { guardrail } : {}) },
  });
  expect(c.status, c.text).toBe(201);
  if (!register) return;
  agents[name] = new ProtocolAgent(h.url);
  expect((await agents[name].register(c.body.registration.token)).status).toBe(201);
}

const APP = {
  name: 'pv-web',
  repositoryId: 'pv',
  path: 'a',
  targets: [{ clusterSelector: 'preview=yes', namespace: 'pv-web' }],
  syncPolicy: { automated: false, prune: true, selfHeal: false },
};

/** The one preview job the agent gets now. */
async function previewJob(agent: string): Promise<PreviewJobV1> {
  const { previews } = await agents[agent].pollAll(2);
  expect(previews).toHaveLength(1);
  return previews[0];
}

/** Everything a preview must not touch: jobs, desired state, status, inventory, deployments. */
const counts = async () =>
  (
    await h.sql(
      `SELECT (SELECT count(*) FROM reconcile_jobs)::int AS jobs,
              (SELECT count(*) FROM deployments)::int AS deployments,
              (SELECT md5(coalesce(string_agg(d::text, ',' ORDER BY d.application_id, d.cluster_id), '')) FROM desired_states d) AS desired,
              (SELECT md5(coalesce(string_agg(f::text, ',' ORDER BY f.application_id, f.cluster_id), '')) FROM fleet_status f) AS status,
              (SELECT count(*) FROM resource_status)::int AS resources`,
    )
  )[0] as Record<string, number | string>;

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'), {
    FLOTILLA_PREVIEW_ANSWER_SECONDS: String(ANSWER_SECONDS),
    FLOTILLA_SWEEP_INTERVAL_MS: '200',
  });
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'a/cm.yaml': CM, 'a/secret.yaml': SECRET }, 'initial');
  await h.api('POST', '/api/v1/repositories', { body: { name: 'pv', type: 'git', url: repo.url } });
  await h.api('POST', '/api/v1/repositories/pv/refresh');
  await join('pv-a', true);
  await join('pv-b', true);
  await join('pv-off', false);
  await join('pv-guarded', true, { allowedNamespaces: ['elsewhere'] });
  const created = await h.api('POST', '/api/v1/applications', { body: APP });
  expect(created.status, created.text).toBe(201);
  await settle();
}, 90_000);
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('previews', () => {
  it('renders for every cluster, asks the connected agents, aggregates their answers, redacts secrets, writes nothing', async () => {
    const before = await counts();
    const res = await h.api('POST', '/api/v1/applications/pv-web/previews', { body: {} });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ applicationName: 'pv-web', projectName: 'default', state: 'running' });
    const byName = Object.fromEntries(res.body.clusters.map((c: any) => [c.clusterName, c]));
    expect(byName['pv-off']).toMatchObject({ state: 'unknown' });
    expect(byName['pv-guarded'].state).toBe('failed');
    expect(byName['pv-guarded'].policyDenials.length).toBeGreaterThan(0);
    expect(byName['pv-a'].state).toBe('pending');

    const a = await previewJob('pv-a');
    expect(a).toMatchObject({ applicationName: 'pv-web', prune: true, revision: res.body.revision });
    expect((await agents['pv-a'].bundle(a.bundleDigest)).length).toBe(2);
    // an agent that leaks a Secret value: the hub redacts it on receipt
    const leak = await agents['pv-a'].answerPreview(a, [
      {
        id: '/Secret/pv-web/s',
        action: 'change',
        changes: [{ path: '/data/password', op: 'replace', before: 'old', after: 'aHVudGVyMg==' }],
      },
      {
        id: '/ConfigMap/pv-web/cm',
        action: 'change',
        message: 'value hunter2-very-secret quoted',
        changes: [{ path: '/data/a', op: 'replace', before: '0', after: '1' }],
      },
    ]);
    expect(leak.status, JSON.stringify(leak.body)).toBe(200);
    expect(leak.body.recorded).toBe(true);
    const b = await previewJob('pv-b');
    // a foreign cluster's part: 403; unknown: 404
    expect((await agents['pv-a'].answerPreview(b, [])).status).toBe(403);
    expect(
      (
        await agents['pv-a'].call('POST', `/previews/${randomUUID()}/result`, {
          reportId: randomUUID(),
          outcome: 'completed',
          objects: [],
        })
      ).status,
    ).toBe(404);
    const reportId = randomUUID();
    expect(
      (await agents['pv-b'].answerPreview(b, [{ id: '/ConfigMap/pv-web/cm', action: 'unchanged' }], reportId))
        .body,
    ).toEqual({ recorded: true });
    // the same report again: ignored; another report: 409
    expect((await agents['pv-b'].answerPreview(b, [], reportId)).body).toEqual({ recorded: false });
    expect((await agents['pv-b'].answerPreview(b, [])).status).toBe(409);

    const got = await h.api('GET', `/api/v1/previews/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body.state).toBe('complete');
    expect(got.body.clusters.map((c: any) => [c.clusterName, c.state])).toEqual([
      ['pv-guarded', 'failed'],
      ['pv-a', 'changes'],
      ['pv-off', 'unknown'],
      ['pv-b', 'in-sync'],
    ]);
    expect(got.body.summary).toMatchObject({
      clusters: 4,
      changing: 1,
      inSync: 1,
      failing: 1,
      unknown: 1,
      changes: 2,
    });
    expect(got.body.summary.text).toBe(
      '1 cluster changes 2 objects (0 to create, 2 to change, 0 to prune), 1 fails, 1 unknown, 1 in sync',
    );
    const text = JSON.stringify(got.body);
    expect(text).not.toContain('aHVudGVyMg==');
    expect(text).not.toContain('hunter2-very-secret');
    expect(text).toContain('(redacted)');

    const list = await h.api('GET', '/api/v1/applications/pv-web/previews');
    expect(list.body.items[0]).toMatchObject({ id: res.body.id, state: 'complete' });
    expect(list.body.items[0].clusters).toBeUndefined();
    // nothing of the fleet changed
    expect(await counts()).toEqual(before);
    const audit = await h.api('GET', '/api/v1/audit?action=preview.requested');
    expect(JSON.stringify(audit.body)).toContain('"clusterCount":4');
  });

  it('a part nobody answers shows unknown once the preview expired, and is not handed out again', async () => {
    const res = await h.api('POST', '/api/v1/applications/pv-web/previews', { body: {} });
    expect(res.status, res.text).toBe(201);
    await sleep(ANSWER_SECONDS * 1000 + 600);
    expect((await agents['pv-a'].pollAll(0)).previews).toEqual([]);
    const got = await h.api('GET', `/api/v1/previews/${res.body.id}`);
    const a = got.body.clusters.find((c: any) => c.clusterName === 'pv-a');
    expect(a).toMatchObject({ state: 'unknown', reason: 'no answer before the preview expired' });
    expect(got.body.state).toBe('expired');
  });

  it('refuses both refs (400), an unknown revision and an unknown application (404)', async () => {
    const both = await h.api('POST', '/api/v1/applications/pv-web/previews', {
      body: { revision: '1', branch: 'main' },
    });
    expect(both.status).toBe(400);
    const bad = await h.api('POST', '/api/v1/applications/pv-web/previews', {
      body: { revision: 'f'.repeat(40) },
    });
    expect(bad.status, bad.text).toBe(404);
    expect(bad.body.message).toBe(`revision of the repository '${'f'.repeat(40)}' not found`);
    expect((await h.api('POST', '/api/v1/applications/nope/previews', { body: {} })).status).toBe(404);
    expect((await h.api('GET', `/api/v1/previews/${randomUUID()}`)).status).toBe(404);
  });

  it('previews an application not created yet, validated like its creation', async () => {
    const res = await h.api('POST', '/api/v1/previews', {
      body: { application: { ...APP, name: 'pv-new' } },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ applicationId: null, applicationName: 'pv-new' });
    const { previews } = await agents['pv-b'].pollAll(2);
    expect(previews.find((p) => p.id && p.applicationId === null)?.applicationName).toBe('pv-new');
    const invalid = await h.api('POST', '/api/v1/previews', {
      body: { application: { ...APP, targets: [{ clusterSelector: 'a in (' }] } },
    });
    expect(invalid.status).toBe(400);
    expect((await h.api('GET', '/api/v1/applications/pv-new')).status).toBe(404);
  });

  it('viewers read; viewers cannot ask', async () => {
    const viewer = await h.token('viewer');
    const res = await h.api('POST', '/api/v1/applications/pv-web/previews', { token: viewer, body: {} });
    expect(res.status).toBe(403);
    expect((await h.api('GET', '/api/v1/applications/pv-web/previews', { token: viewer })).status).toBe(200);
  });
});
