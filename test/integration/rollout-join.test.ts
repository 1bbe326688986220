/**
 * A cluster that joins while a staged rollout runs (issue 16), on the real hub and Postgres with
 * agents speaking the real v1 protocol (they report what a cluster would). The rollout holds it
 * back; when the rollout completes it gets a rollout of its own — without a new commit, which is
 * all the reconcile sweep would have reacted to. The periodic look is off: the test sweeps.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { ApplicationReconcilerService } from '../../src/hub/applications/application-reconciler.service.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { RolloutRunner } from '../../src/hub/rollouts/rollout-runner.service.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

let fx: VcsFixture;
let h: TestHub;
const agents = new Map<string, ProtocolAgent>();
const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const sweep = async () => {
  await settle();
  await h.hub.app.get(RolloutRunner).sweep();
  await settle();
};

/** Every agent answers its jobs (success); returns the clusters that had one. */
async function answer(): Promise<string[]> {
  const got: string[] = [];
  for (const [name, agent] of agents)
    for (const job of await agent.poll()) {
      got.push(name);
      expect((await agent.succeed(job)).status).toBe(200);
    }
  await h.hub.app.get(RolloutRunner).settled();
  await settle();
  return got.sort();
}

async function addCluster(name: string, ring: string): Promise<void> {
  const c = await h.api('POST', '/api/v1/clusters', { body: { name, labels: { fleet: 'yes', ring } } });
  expect(c.status, c.text).toBe(201);
  const agent = new ProtocolAgent(h.url);
  expect((await agent.register(c.body.registration.token)).status).toBe(201);
  await agent.poll();
  agents.set(name, agent);
}

const rollout = async () => (await h.api('GET', '/api/v1/applications/web/rollout')).body;

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'), { FLOTILLA_ROLLOUT_INTERVAL_MS: '0' });
  const repo = await fx.createRepo();
  await fx.externalCommit(
    repo,
    { 'web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n' },
    'initial',
  );
  const r = await h.api('POST', '/api/v1/repositories', {
    body: { name: 'fleet', type: 'git', url: repo.url },
  });
  expect(r.status, r.text).toBe(201);
  await addCluster('c1', 'canary');
  await addCluster('p1', 'prod');
}, 120_000);
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

it('a cluster that joins during a rollout waits for it, then gets a rollout of its own', async () => {
  const res = await h.api('POST', '/api/v1/applications', {
    body: {
      name: 'web',
      repositoryId: 'fleet',
      path: 'web',
      targets: [{ clusterSelector: 'fleet=yes', namespace: 'web' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
      rollout: {
        stages: [
          { name: 'canary', clusterSelector: 'ring=canary' },
          { name: 'prod', clusterSelector: null, requireApproval: true },
        ],
      },
    },
  });
  expect(res.status, res.text).toBe(201);
  await sweep();
  expect(await answer()).toEqual(['c1']);
  await sweep();
  const first = await rollout();
  expect(first.state).toBe('awaiting-approval');

  await addCluster('n1', 'prod');
  expect(await answer()).toEqual([]); // held: it waits for the running rollout to end
  expect((await h.api('POST', '/api/v1/applications/web/rollout/promote', { body: {} })).status).toBe(200);
  await sweep();
  expect(await answer()).toEqual(['p1']);
  await sweep();
  expect((await h.api('GET', `/api/v1/applications/web/rollouts/${first.id}`)).body.state).toBe('completed');

  // the revision is reconciled: the sweep has nothing to do, yet n1 has its own rollout
  await h.hub.app.get(ApplicationReconcilerService).sweep();
  const own = await rollout();
  expect(own.id).not.toBe(first.id);
  const members = own.stages.map((s: any) =>
    s.batches.flatMap((b: any) => b.clusters.map((c: any) => c.name)),
  );
  expect(members).toEqual([[], ['n1']]);
  // its plan keeps the gate; promoted, n1 gets the application and nothing else is sent again
  expect(own.state).toBe('awaiting-approval');
  expect((await h.api('POST', '/api/v1/applications/web/rollout/promote', { body: {} })).status).toBe(200);
  await sweep();
  expect(await answer()).toEqual(['n1']);
  await sweep();
  expect((await rollout()).state).toBe('completed');
  const apps = (await h.api('GET', '/api/v1/applications/web')).body.clusters;
  expect(apps.map((c: any) => [c.clusterName, c.sync])).toEqual([
    ['c1', 'Synced'],
    ['n1', 'Synced'],
    ['p1', 'Synced'],
  ]);
  // and a completed rollout with nothing held starts nothing new
  await sweep();
  expect((await rollout()).state).toBe('completed');
  expect(await answer()).toEqual([]);
});
