import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { HttpHubClient } from '../../src/agent/hub-client.js';
import { ClusterStateStore } from '../../src/agent/state-store.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { namespace, testAgent, uniq, waitFor } from '../k8s/agent/agent-test-kit.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

/**
 * A Secret edited live, end to end: a real agent (in-process, speaking HTTP to a real hub) on a
 * real API server. What a viewer can read from the hub — resource status and the audit trail —
 * shows that the Secret drifted and never holds the desired or the live value.
 */

const b64 = (s: string) => Buffer.from(s).toString('base64');
const desired = `desired-${randomBytes(6).toString('hex')}`;
const live = `live-${randomBytes(6).toString('hex')}`;

let git: VcsFixture;
let h: TestHub;
let repo: VcsRepository;
let kube: KubeClusterClient;
let viewer: string;
let stopAgent: (() => Promise<void>) | null = null;
const appNs = uniq('secret-e2e');

beforeAll(async () => {
  git = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  viewer = await h.token('viewer');
  repo = await git.createRepo();
  await git.externalCommit(
    repo,
    {
      'app/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ntype: Opaque\ndata:\n  password: ${b64(desired)}\n`,
    },
    'a secret',
  );
  expect(
    (await h.api('POST', '/api/v1/repositories', { body: { name: 'secrets', type: 'git', url: repo.url } }))
      .status,
  ).toBe(201);
  kube = KubeClusterClient.fromConfig({ kubeconfig: inject('k8sClusters')[0].kubeconfig });
  await kube.apply(namespace(appNs));
  const agentNs = uniq('secret-e2e-agent');
  await kube.apply(namespace(agentNs));
  const c = await h.api('POST', '/api/v1/clusters', {
    body: { name: 'secret-e2e', labels: { e2e: 'secret' } },
  });
  expect(c.status, c.text).toBe(201);
  const { agent } = testAgent({
    client: kube,
    hub: new HttpHubClient(h.url),
    store: new ClusterStateStore(kube, agentNs, 'cred'),
    namespace: agentNs,
    registrationToken: c.body.registration.token as string,
  });
  await agent.start();
  stopAgent = () => agent.stop();
  const app = await h.api('POST', '/api/v1/applications', {
    body: {
      name: 'secret-e2e',
      repositoryId: 'secrets',
      path: 'app',
      targets: [{ clusterSelector: 'e2e=secret', namespace: appNs }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    },
  });
  expect(app.status, app.text).toBe(201);
  await h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
}, 120_000);

afterAll(async () => {
  await stopAgent?.();
  kube?.close();
  await h?.close();
  await git?.close();
});

describe('a live-edited Secret, end to end', () => {
  it('is shown drifted with redacted markers; resource status and audit never hold either value', async () => {
    await waitFor(
      'secret applied',
      async () =>
        (await kube.get({ apiVersion: 'v1', kind: 'Secret', namespace: appNs, name: 'creds' })) !== null,
      30_000,
      100,
    );
    const patched = await kube.transport.request(
      'PATCH',
      `/api/v1/namespaces/${appNs}/secrets/creds?fieldManager=intruder`,
      { contentType: 'application/merge-patch+json', body: { data: { password: b64(live) } } },
    );
    expect(patched.status).toBe(200);
    const resource = `/Secret/${appNs}/creds`;
    const row = await waitFor(
      'drift reported to the hub',
      async () =>
        (
          (await h.api('GET', '/api/v1/applications/secret-e2e/resources', { token: viewer })).body.items as {
            resource: string;
            drifted: boolean;
            diff: string | null;
          }[]
        ).find((r) => r.resource === resource && r.drifted),
      30_000,
      100,
    );
    expect(row.diff).toMatch(
      /^- \/data\/password: \(redacted hmac:[0-9a-f]{12}\)\n\+ \/data\/password: \(redacted hmac:[0-9a-f]{12}\)$/,
    );
    const audit = await h.api('GET', `/api/v1/audit?resource=${encodeURIComponent(resource)}&limit=100`, {
      token: viewer,
    });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('drift.detected');
    const resources = await h.api('GET', '/api/v1/applications/secret-e2e/resources', { token: viewer });
    const everything = await h.api('GET', '/api/v1/audit?limit=500', { token: viewer });
    for (const text of [resources.text, audit.text, everything.text, h.logs.join('\n')])
      for (const value of [desired, live])
        for (const form of [value, b64(value)]) expect(text).not.toContain(form);
  }, 60_000);
});
