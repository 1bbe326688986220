import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

// Generated applications (issue 20) through the real hub against a real Git HTTP server: the
// directories of a repository become applications, commits add and remove them, and generated
// applications are changed through their generator only.

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;
const SYNC = { automated: true, prune: true, selfHeal: false };

let fx: VcsFixture;
let h: TestHub;
let repo: VcsRepository;

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const commit = async (files: Record<string, string | null>) => {
  await fx.externalCommit(repo, files, 'change');
  expect((await h.api('POST', '/api/v1/repositories/fleet/refresh')).status).toBe(200);
  await settle();
};
const dirsGenerator = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  repositoryId: 'fleet',
  directories: { glob: 'apps/*' },
  template: {
    name: `${name}-\${dir.name}`,
    path: '${dir.path}',
    targets: [{ clusterSelector: 'env=gen', namespace: '${dir.name}' }],
    syncPolicy: SYNC,
  },
  ...extra,
});
const generated = async (generator: string) =>
  (
    await h.sql<{ name: string; deleting: boolean }>(
      `SELECT a.name, a.deleting FROM applications a JOIN generators g ON g.id = a.generated_by
      WHERE g.name = $1 ORDER BY a.name`,
      [generator],
    )
  ).map((r) => (r.deleting ? `${r.name} (deleting)` : r.name));
const audit = async (action: string) =>
  (await h.api('GET', `/api/v1/audit?action=${action}&limit=200`)).body.items as Array<{
    details: Record<string, any>;
  }>;

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  repo = await fx.createRepo();
  await fx.externalCommit(
    repo,
    { 'apps/a/cm.yaml': cm('a'), 'apps/b/cm.yaml': cm('b'), 'README.md': 'x' },
    'initial',
  );
  const r = await h.api('POST', '/api/v1/repositories', {
    body: { name: 'fleet', type: 'git', url: repo.url },
  });
  expect(r.status).toBe(201);
  await h.api('POST', '/api/v1/repositories/fleet/refresh');
  await settle();
});
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('directories generator', () => {
  it('one application per directory; commits add and remove them', async () => {
    const res = await h.api('POST', '/api/v1/generators', { body: dirsGenerator('dirs') });
    expect(res.status).toBe(201);
    expect(res.body.status.applications).toEqual(['dirs-a', 'dirs-b']);
    expect(res.body.status.errors).toEqual([]);
    expect(res.body.applications.map((a: any) => [a.name, a.path, a.targets[0].namespace])).toEqual([
      ['dirs-a', 'apps/a', 'a'],
      ['dirs-b', 'apps/b', 'b'],
    ]);
    const app = await h.api('GET', '/api/v1/applications/dirs-a');
    expect(app.body.generatedBy).toBe(res.body.id);

    await commit({ 'apps/c/cm.yaml': cm('c'), 'apps/a/cm.yaml': null });
    expect(await generated('dirs')).toEqual(['dirs-b', 'dirs-c']);
    expect((await h.api('GET', '/api/v1/applications/dirs-a')).status).toBe(404);
    const g = (await h.api('GET', '/api/v1/generators/dirs')).body;
    expect(g.status.applications).toEqual(['dirs-b', 'dirs-c']);
    expect(g.status.revision).toMatch(/^[0-9a-f]{40}$/);

    // every create and delete of a generated application is audited, naming the generator
    const created = (await audit('application.created')).filter((e) => e.details.generator === 'dirs');
    expect(created.map((e) => e.details.name).sort()).toEqual(['dirs-a', 'dirs-b', 'dirs-c']);
    const deleted = (await audit('application.deletion-requested')).filter(
      (e) => e.details.generator === 'dirs',
    );
    expect(deleted.map((e) => e.details.name)).toEqual(['dirs-a']);
  });

  it('a generated application cannot be changed or deleted directly: 409 naming the generator', async () => {
    const patch = await h.api('PATCH', '/api/v1/applications/dirs-b', { body: { path: 'apps/c' } });
    expect(patch.status).toBe(409);
    expect(patch.body.message).toContain("generator 'dirs'");
    const del = await h.api('DELETE', '/api/v1/applications/dirs-b');
    expect(del.status).toBe(409);
    expect(del.body.message).toContain("generator 'dirs'");
    expect((await h.api('GET', '/api/v1/applications/dirs-b')).body.path).toBe('apps/b');
  });

  it('a changed template updates the applications it made', async () => {
    const res = await h.api('PATCH', '/api/v1/generators/dirs', {
      body: {
        template: {
          ...dirsGenerator('dirs').template,
          targets: [{ clusterSelector: 'env=gen2', namespace: 'x-${dir.name}' }],
        },
      },
    });
    expect(res.status).toBe(200);
    const b = (await h.api('GET', '/api/v1/applications/dirs-b')).body;
    expect(b.targets).toEqual([{ clusterSelector: 'env=gen2', namespace: 'x-b' }]);
  });

  it('template health checks reach every generated application; a refused rule names its place', async () => {
    const rule = { group: 'example.com', kind: 'Widget', current: 'status.?phase.orValue("") == "Ready"' };
    const bad = await h.api('PATCH', '/api/v1/generators/dirs', {
      body: {
        template: {
          ...dirsGenerator('dirs').template,
          healthChecks: [{ ...rule, current: 'status.phase ==' }],
        },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe(
      'template.healthChecks[0].current: Unexpected token: EOF (line 1, column 16)',
    );
    const res = await h.api('PATCH', '/api/v1/generators/dirs', {
      body: {
        template: {
          ...dirsGenerator('dirs').template,
          targets: [{ clusterSelector: 'env=gen2', namespace: 'x-${dir.name}' }],
          healthChecks: [rule],
        },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    for (const name of ['dirs-b', 'dirs-c'])
      expect((await h.api('GET', `/api/v1/applications/${name}`)).body.healthChecks).toEqual([rule]);
  });

  it('a name taken by an application it did not make is a status error, never an overwrite', async () => {
    const own = await h.api('POST', '/api/v1/applications', {
      body: {
        name: 'dirs-d',
        repositoryId: 'fleet',
        path: 'apps/b',
        targets: [{ clusterSelector: 'env=x' }],
        syncPolicy: SYNC,
      },
    });
    expect(own.status).toBe(201);
    await commit({ 'apps/d/cm.yaml': cm('d') });
    const g = (await h.api('GET', '/api/v1/generators/dirs')).body;
    expect(g.status.errors.join('\n')).toContain(
      "application 'dirs-d' exists and was not made by this generator",
    );
    expect(g.status.applications).toEqual(['dirs-b', 'dirs-c']);
    const d = (await h.api('GET', '/api/v1/applications/dirs-d')).body;
    expect([d.generatedBy, d.path]).toEqual([null, 'apps/b']);
  });

  it('deleting the generator deletes its applications', async () => {
    expect((await h.api('DELETE', '/api/v1/generators/dirs')).status).toBe(204);
    expect((await h.api('GET', '/api/v1/generators/dirs')).status).toBe(404);
    for (const n of ['dirs-b', 'dirs-c'])
      expect((await h.api('GET', `/api/v1/applications/${n}`)).status).toBe(404);
    expect((await h.api('GET', '/api/v1/applications/dirs-d')).status).toBe(200);
  });
});

describe('removal and preserveOnDelete', () => {
  it('removal jobs prune unless the generator preserves on delete', async () => {
    const c = await h.api('POST', '/api/v1/clusters', {
      body: { name: 'gen-target', labels: { env: 'gen' } },
    });
    expect(c.status).toBe(201);
    await settle();
    for (const [name, preserve] of [
      ['keep', true],
      ['drop', false],
    ] as const) {
      const res = await h.api('POST', '/api/v1/generators', {
        body: dirsGenerator(name, { preserveOnDelete: preserve }),
      });
      expect(res.status).toBe(201);
    }
    await settle();
    // Both b applications must have gone out to the cluster before b is removed: an application
    // never dispatched anywhere is removed without a job. The settle above does not cover a
    // reconcile still rendering, so wait for both sync jobs.
    for (let i = 0; i < 100; i++) {
      const syncs = await h.sql<{ n: string }>(
        `SELECT count(*) AS n FROM reconcile_jobs j JOIN applications a ON a.id = j.application_id
          WHERE j.kind = 'sync' AND a.name IN ('keep-b', 'drop-b')`,
      );
      if (Number(syncs[0].n) >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await commit({ 'apps/b/cm.yaml': null });
    const jobs = await h.sql<{ name: string; prune: boolean }>(
      `SELECT a.name, j.prune FROM reconcile_jobs j JOIN applications a ON a.id = j.application_id
        WHERE j.kind = 'remove' AND a.name IN ('keep-b', 'drop-b') ORDER BY a.name`,
    );
    expect(jobs).toEqual([
      { name: 'drop-b', prune: true },
      { name: 'keep-b', prune: false },
    ]);
    expect(await generated('keep')).toEqual(['keep-b (deleting)', 'keep-c', 'keep-d']);
    const g = (await h.api('GET', '/api/v1/generators/keep')).body;
    expect(g.status.applications).toEqual(['keep-c', 'keep-d']);
  });
});

describe('clusters generator and matrix', () => {
  it('one application per matching cluster, targeted at that cluster alone; recomputed when clusters change', async () => {
    await h.api('POST', '/api/v1/clusters', { body: { name: 'm-eu', labels: { tier: 'm', region: 'eu' } } });
    await settle();
    const res = await h.api('POST', '/api/v1/generators', {
      body: {
        name: 'mx',
        repositoryId: 'fleet',
        directories: { glob: 'apps/*' },
        clusters: { selector: 'tier=m' },
        template: {
          name: 'mx-${dir.name}-${cluster.name}',
          path: '${dir.path}',
          targets: [{ clusterSelector: 'tier=m', values: { region: '${cluster.labels.region}' } }],
          syncPolicy: SYNC,
        },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.status.applications).toEqual(['mx-c-m-eu', 'mx-d-m-eu']);
    const app = res.body.applications[0];
    expect(app.targets).toEqual([
      { clusterSelector: 'tier=m,flotilla.io/cluster-name=m-eu', values: { region: 'eu' } },
    ]);
    // the target reaches exactly that cluster
    const st = (await h.api('GET', '/api/v1/applications/mx-c-m-eu')).body;
    expect(st.clusters.map((c: any) => c.clusterName)).toEqual(['m-eu']);

    await h.api('POST', '/api/v1/clusters', { body: { name: 'm-us', labels: { tier: 'm', region: 'us' } } });
    await settle();
    expect(await generated('mx')).toEqual(['mx-c-m-eu', 'mx-c-m-us', 'mx-d-m-eu', 'mx-d-m-us']);
    await h.api('PATCH', '/api/v1/clusters/m-eu', { body: { labels: { tier: 'other' } } });
    await settle();
    // a cluster that may have the objects: removal jobs out (no agent here to finish them)
    expect(await generated('mx')).toEqual([
      'mx-c-m-eu (deleting)',
      'mx-c-m-us',
      'mx-d-m-eu (deleting)',
      'mx-d-m-us',
    ]);
    expect((await h.api('DELETE', '/api/v1/clusters/m-us')).status).toBe(204);
    await settle();
    expect((await generated('mx')).filter((n) => !n.endsWith('(deleting)'))).toEqual([]);
  });
});

describe('project rules and bad input', () => {
  it('every generated application is held to its project: refused ones are status errors', async () => {
    const p = await h.api('POST', '/api/v1/projects', {
      body: {
        name: 'narrow',
        sources: [{ repository: 'fleet', path: 'apps/c' }],
        clusterSelector: 'env=gen',
        objects: { namespaces: ['*'], allowedKinds: [], deniedKinds: [], allowSecrets: true },
      },
    });
    expect(p.status).toBe(201);
    const res = await h.api('POST', '/api/v1/generators', {
      body: dirsGenerator('nar', { project: 'narrow' }),
    });
    expect(res.status).toBe(201);
    expect(res.body.status.applications).toEqual(['nar-c']);
    expect(res.body.status.errors).toEqual([expect.stringMatching(/^apps\/d: .*narrow/)]);
  });

  it('an operator of another project cannot create one there', async () => {
    const t = await h.api('POST', '/api/v1/tokens', {
      body: { name: 'other-op', projects: { default: 'operator' } },
    });
    const res = await h.api('POST', '/api/v1/generators', {
      token: t.body.token,
      body: dirsGenerator('sneak', { project: 'narrow' }),
    });
    expect(res.status).toBe(403);
  });

  it.each([
    [{ directories: { glob: 'apps/../x' } }, 'directories.glob'],
    [{ directories: undefined }, 'directories, clusters, or both'],
    [{ clusters: { selector: 'a in' } }, 'clusters.selector'],
  ])('%j is a 400 naming the problem', async (extra, text) => {
    const res = await h.api('POST', '/api/v1/generators', { body: dirsGenerator('bad', extra) });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(text);
  });

  it('an unknown variable or an invalid generated name is a status error naming it', async () => {
    const res = await h.api('POST', '/api/v1/generators', {
      body: {
        ...dirsGenerator('typo'),
        template: { ...dirsGenerator('typo').template, name: 'typo-${dir.nme}' },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.status.applications).toEqual([]);
    expect(res.body.status.errors[0]).toContain('unknown variable ${dir.nme}');
  });
});
