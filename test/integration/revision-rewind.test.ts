import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApplicationReconcilerService } from '../../src/hub/applications/application-reconciler.service.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, svnFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const CONFIG = (n: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  n: "${n}"\n`;

let h: TestHub;
beforeAll(async () => {
  // Polling off (the harness default): only refreshes and commits through the API detect revisions.
  h = await startTestHub(inject('postgresUrl'));
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const sweep = () => h.hub.app.get(ApplicationReconcilerService).sweep();

/** A repository, one cluster and one automated application over it, named after `prefix`. */
async function setup(fx: VcsFixture, prefix: string) {
  const repo: VcsRepository = await fx.createRepo();
  await fx.externalCommit(repo, { 'settings.yaml': CONFIG(1) }, 'one');
  const created = await h.api('POST', '/api/v1/repositories', {
    body: {
      name: prefix,
      type: repo.type,
      url: repo.url,
      ...(repo.type === 'git' ? { branch: 'main' } : { path: repo.path ?? undefined }),
      ...(repo.credentials ? { credentials: repo.credentials } : {}),
      pollIntervalSeconds: 60,
    },
  });
  expect(created.status, created.text).toBe(201);
  const cluster = await h.api('POST', '/api/v1/clusters', {
    body: { name: `${prefix}-c`, labels: { fleet: prefix } },
  });
  expect(cluster.status).toBe(201);
  const app = await h.api('POST', '/api/v1/applications', {
    body: {
      name: `${prefix}-app`,
      repositoryId: created.body.id,
      path: '',
      targets: [{ clusterSelector: `fleet=${prefix}`, namespace: 'default' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    },
  });
  expect(app.status, app.text).toBe(201);
  await settle();
  const refresh = async () => {
    const r = await h.api('POST', `/api/v1/repositories/${prefix}/refresh`);
    expect(r.status, r.text).toBe(200);
    await settle();
    return r.body as { lastRevision: string; rewound: { from: string; to: string; at: string } | null };
  };
  const jobRevisions = async () =>
    (
      await h.sql<{ revision: string }>(
        'SELECT revision FROM reconcile_jobs WHERE application_id = $1 ORDER BY created_at, id',
        [app.body.id],
      )
    ).map((j) => j.revision);
  const rewoundEvents = () =>
    h.sql<{ revision: string; details: Record<string, unknown> }>(
      "SELECT revision, details FROM audit_events WHERE action = 'revision.rewound' AND repository_id = $1 ORDER BY seq",
      [created.body.id],
    );
  return { repo, appName: `${prefix}-app`, refresh, jobRevisions, rewoundEvents };
}

describe('revisions never go backwards on their own', () => {
  let fx: VcsFixture;
  beforeAll(async () => {
    fx = await gitFixture(false);
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('git: a force-push to an older commit is recorded, shown and not deployed; forward again deploys', async () => {
    const s = await setup(fx, 'rw-git');
    const c1 = (await s.refresh()).lastRevision;
    await fx.externalCommit(s.repo, { 'settings.yaml': CONFIG(2) }, 'two');
    const c2 = (await s.refresh()).lastRevision;
    expect(await s.jobRevisions()).toEqual([c1, c2]);

    // Force-push main back to c1.
    await fx.rewind(s.repo, c1);
    const rewound = await s.refresh();
    expect(rewound.lastRevision).toBe(c1);
    expect(rewound.rewound).toMatchObject({ from: c2, to: c1 });
    const [event] = await s.rewoundEvents();
    expect(event.revision).toBe(c1);
    expect(event.details).toMatchObject({ repository: 'rw-git', branch: 'main', previous: c2, new: c1 });
    expect((await h.api('GET', `/api/v1/applications/${s.appName}`)).body.rewound).toMatchObject({
      from: c2,
      to: c1,
    });
    // Neither the event path nor the sweep deploys it.
    expect(await sweep()).toBe(0);
    expect(await s.jobRevisions()).toEqual([c1, c2]);

    // A commit on top of the old one is still off the deployed history.
    await fx.externalCommit(s.repo, { 'settings.yaml': CONFIG(3) }, 'three, on one');
    const c3 = (await s.refresh()).lastRevision;
    expect((await h.api('GET', '/api/v1/repositories/rw-git')).body.rewound).toMatchObject({
      from: c2,
      to: c3,
    });
    expect(await sweep()).toBe(0);
    expect(await s.jobRevisions()).toEqual([c1, c2]);

    // An explicit rollback still deploys it (and pins); unpinning goes back to the followed c2.
    expect(
      (await h.api('POST', `/api/v1/applications/${s.appName}/rollback`, { body: { revision: c3 } })).status,
    ).toBe(202);
    expect(await s.jobRevisions()).toEqual([c1, c2, c3]);
    expect((await h.api('POST', `/api/v1/applications/${s.appName}/unpin`)).status).toBe(202);
    expect(await s.jobRevisions()).toEqual([c1, c2, c3, c2]);

    // The branch comes back to c2 and moves past it: automated sync resumes.
    await fx.rewind(s.repo, c2);
    const restored = await s.refresh();
    expect(restored).toMatchObject({ lastRevision: c2, rewound: null });
    await fx.externalCommit(s.repo, { 'settings.yaml': CONFIG(4) }, 'four, on two');
    const c4 = (await s.refresh()).lastRevision;
    expect(await s.jobRevisions()).toEqual([c1, c2, c3, c2, c4]);
    expect((await h.api('GET', `/api/v1/applications/${s.appName}`)).body).toMatchObject({
      rewound: null,
      reconciledRevision: c4,
    });
    expect(await s.rewoundEvents()).toHaveLength(2);
  }, 60_000);
});

describe('SVN: a repository reloaded to an older revision (svnadmin) is a rewind', () => {
  let fx: VcsFixture;
  beforeAll(async () => {
    fx = await svnFixture('svnserve');
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('a lower revision number is not deployed; numbers past the deployed one are', async () => {
    const s = await setup(fx, 'rw-svn');
    const r1 = (await s.refresh()).lastRevision;
    await fx.externalCommit(s.repo, { 'settings.yaml': CONFIG(2) }, 'two');
    const r2 = (await s.refresh()).lastRevision;
    expect(Number(r2)).toBeGreaterThan(Number(r1));
    expect(await s.jobRevisions()).toEqual([r1, r2]);

    await fx.rewind(s.repo, r1);
    const rewound = await s.refresh();
    expect(rewound).toMatchObject({ lastRevision: r1, rewound: { from: r2, to: r1 } });
    expect((await s.rewoundEvents())[0].details).toMatchObject({ previous: r2, new: r1 });
    expect(await sweep()).toBe(0);
    expect(await s.jobRevisions()).toEqual([r1, r2]);

    // Two new commits take the numbers past the deployed one: deployed again.
    await fx.externalCommit(s.repo, { 'settings.yaml': CONFIG(3) }, 'three');
    await fx.externalCommit(s.repo, { 'settings.yaml': CONFIG(4) }, 'four');
    const r4 = await s.refresh();
    expect(Number(r4.lastRevision)).toBeGreaterThan(Number(r2));
    expect(r4.rewound).toBeNull();
    expect(await s.jobRevisions()).toEqual([r1, r2, r4.lastRevision]);
  }, 60_000);
});

describe('a commit through PUT …/files is deployed at once, not at the next poll', () => {
  const cases: [string, () => Promise<VcsFixture>][] = [
    ['git', () => gitFixture(false)],
    ['svn', () => svnFixture('svnserve')],
  ];
  for (const [kind, make] of cases) {
    it(`${kind}: the job is queued when PUT returns (poll interval 60 s, polling off)`, async () => {
      const fx = await make();
      try {
        const s = await setup(fx, `put-${kind}`);
        const first = (await s.refresh()).lastRevision;
        const put = await h.api('PUT', `/api/v1/repositories/put-${kind}/files/settings.yaml`, {
          body: { content: CONFIG(7), message: 'seven' },
        });
        expect(put.status, put.text).toBe(200);
        const committed = put.body.revision.id as string;
        await settle();
        expect(await s.jobRevisions()).toEqual([first, committed]);
        const repo = (await h.api('GET', `/api/v1/repositories/put-${kind}`)).body;
        expect(repo.lastRevision).toBe(committed);
        // Detected once, by the same path as a poll.
        const detected = await h.sql<{ revision: string }>(
          "SELECT revision FROM audit_events WHERE action = 'revision.detected' AND repository_id = $1 ORDER BY seq",
          [repo.id],
        );
        expect(detected.map((d) => d.revision)).toEqual([first, committed]);
        expect((await s.refresh()).lastRevision).toBe(committed);
        expect(await s.jobRevisions()).toEqual([first, committed]);
      } finally {
        await fx.close();
      }
    }, 60_000);
  }
});
