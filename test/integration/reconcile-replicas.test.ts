import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApplicationReconcilerService } from '../../src/hub/applications/application-reconciler.service.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const CONFIG = (n: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  n: "${n}"\n`;
const APPS = 6;

let fx: VcsFixture;
let a: TestHub;
let b: TestHub;
let repo: VcsRepository;

beforeAll(async () => {
  fx = await gitFixture(false);
  // Two replicas on one database that lose every revision event: only the sweep deploys.
  const lose = { FLOTILLA_TEST_FLEET_EVENT_FAULT: 'drop' };
  a = await startTestHub(inject('postgresUrl'), lose);
  b = await startTestHub(inject('postgresUrl'), { ...lose, DATABASE_URL: a.databaseUrl });
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'settings.yaml': CONFIG(1) }, 'one');
}, 60_000);
afterAll(async () => {
  await b?.close();
  await a?.close();
  await fx?.close();
});

describe('the reconcile sweep on two replicas', () => {
  it('each application behind its repository is reconciled by exactly one replica', async () => {
    const created = await a.api('POST', '/api/v1/repositories', {
      body: { name: 'shared', type: 'git', url: repo.url, pollIntervalSeconds: 60 },
    });
    expect(created.status).toBe(201);
    const first = (await a.api('POST', '/api/v1/repositories/shared/refresh')).body.lastRevision as string;
    expect(
      (await a.api('POST', '/api/v1/clusters', { body: { name: 'rep-c', labels: { lane: 'rep' } } })).status,
    ).toBe(201);
    for (let i = 0; i < APPS; i++) {
      const app = await a.api('POST', '/api/v1/applications', {
        body: {
          name: `rep-${i}`,
          repositoryId: created.body.id,
          path: '',
          targets: [{ clusterSelector: 'lane=rep', namespace: `ns-${i}` }],
          syncPolicy: { automated: true, prune: true, selfHeal: false },
        },
      });
      expect(app.status, app.text).toBe(201);
    }
    const sweeps = () => Promise.all([a, b].map((h) => h.hub.app.get(ApplicationReconcilerService).sweep()));
    // Reconciled at creation: nothing to do.
    expect(await sweeps()).toEqual([0, 0]);

    await fx.externalCommit(repo, { 'settings.yaml': CONFIG(2) }, 'two');
    const second = (await a.api('POST', '/api/v1/repositories/shared/refresh')).body.lastRevision as string;
    expect(second).not.toBe(first);
    const [x, y] = await sweeps();
    expect(x + y).toBe(APPS);
    const jobs = await a.sql<{ name: string; n: string }>(
      `SELECT a.name, count(*) AS n FROM reconcile_jobs j JOIN applications a ON a.id = j.application_id
       WHERE j.revision = $1 GROUP BY a.name ORDER BY a.name`,
      [second],
    );
    expect(jobs).toEqual(Array.from({ length: APPS }, (_, i) => ({ name: `rep-${i}`, n: '1' })));
    expect(await sweeps()).toEqual([0, 0]);
  }, 120_000);
});
