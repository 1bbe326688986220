import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

/**
 * The hub checks a cluster's registered guardrail at render, as its agent would before applying:
 * an object outside it fails that cluster's render (naming the object and the rule, audited as
 * `policy.denied`) and nothing is sent there, while a cluster without a guardrail gets the bundle.
 * A new revision refused alike is audited again; the same revision is not.
 */
const EVIL = `apiVersion: v1
kind: ConfigMap
metadata:
  name: evil
  namespace: kube-system
data:
  a: "1"
`;
const teamConfig = (v: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  v: "${v}"\n`;

let fx: VcsFixture;
let h: TestHub;
let repo: VcsRepository;
let appId = '';
const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const denied = async () =>
  (
    (await h.api('GET', '/api/v1/audit?action=policy.denied&limit=50')).body.items as Array<{
      applicationId: string;
      revision: string | null;
      details: Record<string, any>;
    }>
  ).filter((e) => e.applicationId === appId);
const jobsOn = (cluster: string) =>
  h.sql(
    `SELECT j.id FROM reconcile_jobs j JOIN clusters c ON c.id = j.cluster_id WHERE j.application_id = $1 AND c.name = $2`,
    [appId, cluster],
  );

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'app/evil.yaml': EVIL, 'app/team.yaml': teamConfig('1') }, 'initial');
  const r = await h.api('POST', '/api/v1/repositories', {
    body: { name: 'fleet', type: 'git', url: repo.url },
  });
  expect(r.status, r.text).toBe(201);
  await h.api('POST', '/api/v1/repositories/fleet/refresh');
  const narrow = await h.api('POST', '/api/v1/clusters', {
    body: { name: 'narrow', labels: { env: 'x' }, guardrail: { allowedNamespaces: ['team-a'] } },
  });
  expect(narrow.status, narrow.text).toBe(201);
  const wide = await h.api('POST', '/api/v1/clusters', { body: { name: 'wide', labels: { env: 'x' } } });
  expect(wide.status, wide.text).toBe(201);
  const app = await h.api('POST', '/api/v1/applications', {
    body: {
      name: 'guarded',
      repositoryId: 'fleet',
      path: 'app',
      targets: [{ clusterSelector: 'env=x', namespace: 'team-a' }],
      syncPolicy: { automated: true, prune: false, selfHeal: false },
    },
  });
  expect(app.status, app.text).toBe(201);
  appId = app.body.id;
  await settle();
});
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe("the cluster's guardrail at render", () => {
  it('fails the render for the guarded cluster only, naming the object and rule; nothing sent there', async () => {
    const status = await h.api('GET', '/api/v1/fleet/status?application=guarded');
    const rows = Object.fromEntries(
      (status.body.items as Array<{ clusterName: string; sync: string; message: string | null }>).map((r) => [
        r.clusterName,
        r,
      ]),
    );
    expect(rows.narrow.sync).toBe('Failed');
    expect(rows.narrow.message).toBe(
      'policy refused 1 object(s): app/evil.yaml: ConfigMap kube-system/evil: namespace kube-system is not allowed (rule namespaces: team-a)',
    );
    expect(rows.wide.sync).not.toBe('Failed');
    expect(await jobsOn('narrow')).toHaveLength(0);
    expect(await jobsOn('wide')).toHaveLength(1);

    const events = await denied();
    expect(events).toHaveLength(1);
    expect(events[0].details).toMatchObject({
      project: 'default',
      clusters: ['narrow'],
      refusals: [
        { resource: '/ConfigMap/kube-system/evil', rule: 'namespaces', message: expect.any(String) },
      ],
    });
  });

  it('audits a new revision refused alike again, but not the same revision', async () => {
    await h.api('POST', '/api/v1/applications/guarded/sync');
    await settle();
    expect(await denied()).toHaveLength(1);

    await fx.externalCommit(repo, { 'app/team.yaml': teamConfig('2') }, 'unrelated change');
    await h.api('POST', '/api/v1/repositories/fleet/refresh');
    await settle();
    const events = await denied();
    expect(events).toHaveLength(2);
    expect(events[0].revision).not.toBe(events[1].revision);
    expect(events[0].details.refusals).toEqual(events[1].details.refusals);
  });
});
