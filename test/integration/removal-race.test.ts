import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/domain/audit-chain.js';
import { ApplicationRepository } from '../../src/hub/applications/application.repository.js';
import { DesiredStateService } from '../../src/hub/dispatch/desired-state.service.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

// A recompute of an application renders first (slow: a VCS fetch, Helm, Kustomize) and writes
// what it decided afterwards. A deletion can commit in between. This test replays exactly that
// order on the real hub: the recompute's application is read before the deletion, its writes
// come after. Before the fix, its sync job superseded the queued removal job and the deletion
// then finished with the objects still on the cluster, owned by nothing.

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: default\ndata:\n  a: "1"\n';

let fx: VcsFixture;
let h: TestHub;
let agent: ProtocolAgent;

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const jobsOf = (name: string) =>
  h.sql<{ kind: string; state: string }>(
    `SELECT j.kind, j.state FROM reconcile_jobs j JOIN applications a ON a.id = j.application_id
      WHERE a.name = $1 ORDER BY j.created_at`,
    [name],
  );

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  const repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'web/cm.yaml': CM }, 'web');
  expect(
    (await h.api('POST', '/api/v1/repositories', { body: { name: 'fleet', type: 'git', url: repo.url } }))
      .status,
  ).toBe(201);
  const c = await h.api('POST', '/api/v1/clusters', { body: { name: 'race-1', labels: { env: 'race' } } });
  agent = new ProtocolAgent(h.url);
  await agent.register(c.body.registration.token);
});
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('a deletion that commits while a recompute of the application is rendering', () => {
  it('wins: the recompute queues nothing for a deleting application, and its removal job stays', async () => {
    const created = await h.api('POST', '/api/v1/applications', {
      body: {
        name: 'web',
        repositoryId: 'fleet',
        path: 'web',
        targets: [{ clusterSelector: 'env=race' }],
        syncPolicy: { automated: true, prune: true, selfHeal: false },
      },
    });
    expect(created.status).toBe(201);
    await settle();
    const [sync] = await agent.poll(0, 10);
    expect(sync.kind).toBe('sync');
    await agent.succeed(sync);

    // the recompute reads the application (and would start rendering) ...
    const stale = (await h.hub.app.get(ApplicationRepository).findByIdOrName('web'))!;
    // ... the deletion commits meanwhile: a removal job for the cluster ...
    expect((await h.api('DELETE', '/api/v1/applications/web')).status).toBe(202);
    expect(await jobsOf('web')).toEqual([
      { kind: 'sync', state: 'succeeded' },
      { kind: 'remove', state: 'queued' },
    ]);
    // ... and the recompute writes what its render decided
    const outcome = await h.hub.app
      .get(DesiredStateService)
      .reconcile(stale, 'sync', SYSTEM_ACTOR, { dispatch: true, force: true });
    expect(outcome.jobs).toBe(0);
    expect(await jobsOf('web')).toEqual([
      { kind: 'sync', state: 'succeeded' },
      { kind: 'remove', state: 'queued' },
    ]);
    expect(await h.sql(`SELECT 1 FROM desired_states WHERE application_id = $1`, [stale.id])).toEqual([]);

    // the removal goes out and finishes the deletion
    const [removal] = await agent.poll(0, 10);
    expect(removal.kind).toBe('remove');
    await agent.succeed(removal);
    await settle();
    expect((await h.api('GET', '/api/v1/applications/web')).status).toBe(404);
  });
});
