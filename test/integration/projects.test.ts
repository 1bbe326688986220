import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "1"\n';

const TEAM_A = {
  name: 'team-a',
  description: 'Team A',
  sources: [{ repository: 'fleet', path: 'apps/team-a' }],
  clusterSelector: 'team=a',
  objects: {
    namespaces: ['team-a', 'team-a-*'],
    allowedKinds: [],
    deniedKinds: [{ group: 'rbac.authorization.k8s.io', kind: '*' }],
    allowSecrets: false,
  },
};
const SYNC = { automated: false, prune: false, selfHeal: false };

let fx: VcsFixture;
let h: TestHub;
let repo: VcsRepository;
const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const audit = async (action: string) =>
  (await h.api('GET', `/api/v1/audit?action=${action}&limit=50`)).body.items as Array<{
    details: Record<string, any>;
  }>;

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  repo = await fx.createRepo();
  await fx.externalCommit(
    repo,
    { 'apps/team-a/web/cm.yaml': CONFIGMAP, 'apps/team-b/web/cm.yaml': CONFIGMAP },
    'initial',
  );
  expect(
    (await h.api('POST', '/api/v1/repositories', { body: { name: 'fleet', type: 'git', url: repo.url } }))
      .status,
  ).toBe(201);
  await h.api('POST', '/api/v1/repositories/fleet/refresh');
  for (const [name, labels] of [
    ['a-prod', { team: 'a', env: 'prod' }],
    ['a-dev', { team: 'a', env: 'dev' }],
    ['b-prod', { team: 'b', env: 'prod' }],
  ] as const)
    expect((await h.api('POST', '/api/v1/clusters', { body: { name, labels } })).status).toBe(201);
  await settle();
});
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('projects API', () => {
  it('lists the default project, which allows everything', async () => {
    const r = await h.api('GET', '/api/v1/projects');
    expect(r.status).toBe(200);
    const d = r.body.items.find((p: { name: string }) => p.name === 'default');
    expect(d).toMatchObject({
      sources: [{ repository: '*' }],
      clusterSelector: '',
      objects: { namespaces: ['*'] },
    });
  });

  it('a global admin creates, reads and updates a project; each change is audited', async () => {
    const created = await h.api('POST', '/api/v1/projects', { body: TEAM_A });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...TEAM_A, applications: 0 });
    expect((await h.api('POST', '/api/v1/projects', { body: TEAM_A })).status).toBe(409);
    const got = await h.api('GET', `/api/v1/projects/${created.body.id}`);
    expect(got.body.name).toBe('team-a');
    const updated = await h.api('PATCH', '/api/v1/projects/team-a', { body: { description: 'Team A apps' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ description: 'Team A apps', clusterSelector: 'team=a' });
    expect((await audit('project.created')).map((e) => e.details.name)).toContain('team-a');
    const upd = (await audit('project.updated')).find((e) => e.details.after.name === 'team-a');
    expect(upd?.details.before.sources).toEqual(TEAM_A.sources);
  });

  it.each([
    [{ ...TEAM_A, name: 'x1', sources: [{ repository: 'Not A Name' }] }, 'sources[0].repository'],
    [{ ...TEAM_A, name: 'x2', clusterSelector: 'team in' }, 'clusterSelector'],
    [
      { ...TEAM_A, name: 'x3', objects: { ...TEAM_A.objects, namespaces: ['Team_A'] } },
      'objects.namespaces[0]',
    ],
    [
      { ...TEAM_A, name: 'x4', objects: { ...TEAM_A.objects, deniedKinds: [{ group: '', kind: 'a b' }] } },
      'objects.deniedKinds[0].kind',
    ],
    [{ ...TEAM_A, name: 'x5', objects: undefined }, 'objects'],
    [{ ...TEAM_A, name: 'Bad_Name' }, 'name'],
  ])('refuses bad rules with a 400 naming the field (%#)', async (body, field) => {
    const r = await h.api('POST', '/api/v1/projects', { body });
    expect(r.status).toBe(400);
    expect(r.text).toContain(field);
  });

  it('only global admins change projects', async () => {
    for (const role of ['viewer', 'operator'] as const) {
      const token = await h.token(role);
      expect(
        (await h.api('POST', '/api/v1/projects', { token, body: { ...TEAM_A, name: 'nope' } })).status,
      ).toBe(403);
      expect(
        (await h.api('PATCH', '/api/v1/projects/team-a', { token, body: { description: 'x' } })).status,
      ).toBe(403);
      expect((await h.api('DELETE', '/api/v1/projects/team-a', { token })).status).toBe(403);
      expect((await h.api('GET', '/api/v1/projects/team-a', { token })).status).toBe(200);
    }
  });

  it('the default project cannot be deleted', async () => {
    const r = await h.api('DELETE', '/api/v1/projects/default');
    expect(r.status).toBe(409);
    expect(r.body.message).toContain("'default' project cannot be deleted");
  });

  it('an unknown project is a 404', async () => {
    expect((await h.api('GET', '/api/v1/projects/nowhere')).status).toBe(404);
  });
});

describe('applications in a project', () => {
  const appBody = (over: Record<string, unknown>) => ({
    name: 'web-a',
    project: 'team-a',
    repositoryId: 'fleet',
    path: 'apps/team-a/web',
    targets: [{ clusterSelector: 'team=a,env=prod', namespace: 'team-a' }],
    syncPolicy: SYNC,
    ...over,
  });

  it('a repository path outside the project sources is a 403 naming the rule', async () => {
    const r = await h.api('POST', '/api/v1/applications', { body: appBody({ path: 'apps/team-b/web' }) });
    expect(r.status).toBe(403);
    expect(r.body.message).toBe(
      "project 'team-a' does not allow deploying from fleet:apps/team-b/web (rule sources: fleet:apps/team-a)",
    );
  });

  it('a target selector that could reach clusters outside the project is a 403 naming the rule', async () => {
    const r = await h.api('POST', '/api/v1/applications', {
      body: appBody({ targets: [{ clusterSelector: 'team=a' }, { clusterSelector: 'env=prod' }] }),
    });
    expect(r.status).toBe(403);
    expect(r.body.message).toContain(
      "targets[1].clusterSelector 'env=prod' reaches clusters outside project 'team-a'",
    );
    expect(r.body.message).toContain('rule clusterSelector: team=a');
    // naming one cluster by a label of its own is no way out either
    const exact = await h.api('POST', '/api/v1/applications', {
      body: appBody({ targets: [{ clusterSelector: 'env=prod' }] }),
    });
    expect(exact.status).toBe(403);
    expect((await h.api('GET', '/api/v1/applications/web-a')).status).toBe(404);
  });

  it('an unknown project is a 404', async () => {
    const r = await h.api('POST', '/api/v1/applications', { body: appBody({ project: 'nowhere' }) });
    expect(r.status).toBe(404);
    expect(r.body.message).toContain("project 'nowhere'");
  });

  it('an application inside its project is created; its DTO and audit name the project', async () => {
    const r = await h.api('POST', '/api/v1/applications', { body: appBody({}) });
    expect(r.status).toBe(201);
    expect(r.body.project).toBe('team-a');
    await settle();
    const detail = await h.api('GET', '/api/v1/applications/web-a');
    expect(detail.body.project).toBe('team-a');
    expect(detail.body.clusters.map((c: { clusterName: string }) => c.clusterName)).toEqual(['a-prod']);
    const created = (await audit('application.created')).find((e) => e.details.name === 'web-a');
    expect(created?.details.project).toBe('team-a');
    const list = await h.api('GET', '/api/v1/applications?project=team-a');
    expect(list.body.items.map((a: { name: string }) => a.name)).toEqual(['web-a']);
    expect((await h.api('GET', '/api/v1/projects/team-a')).body.applications).toBe(1);
  });

  it('an application without a project lands in default', async () => {
    const r = await h.api('POST', '/api/v1/applications', {
      body: appBody({
        name: 'web-any',
        project: undefined,
        path: 'apps/team-b/web',
        targets: [{ clusterSelector: '' }],
      }),
    });
    expect(r.status).toBe(201);
    expect(r.body.project).toBe('default');
  });

  it('moving an application into a project it does not fit is a 403; one it fits succeeds', async () => {
    const bad = await h.api('PATCH', '/api/v1/applications/web-any', { body: { project: 'team-a' } });
    expect(bad.status).toBe(403);
    expect(bad.body.message).toContain('rule sources');
    const fits = await h.api('PATCH', '/api/v1/applications/web-any', {
      body: { project: 'team-a', path: 'apps/team-a/web', targets: [{ clusterSelector: 'team=a' }] },
    });
    expect(fits.status).toBe(200);
    expect(fits.body.project).toBe('team-a');
    const moved = (await audit('application.updated')).find((e) => e.details.after.name === 'web-any');
    expect(moved?.details).toMatchObject({ before: { project: 'default' }, after: { project: 'team-a' } });
  });

  it('a project with applications cannot be deleted (409); an empty one can, audited', async () => {
    const r = await h.api('DELETE', '/api/v1/projects/team-a');
    expect(r.status).toBe(409);
    expect(r.body.message).toContain("project 'team-a' still has 2 applications");
    expect(
      (await h.api('POST', '/api/v1/projects', { body: { ...TEAM_A, name: 'short-lived' } })).status,
    ).toBe(201);
    expect((await h.api('DELETE', '/api/v1/projects/short-lived')).status).toBe(204);
    expect((await h.api('GET', '/api/v1/projects/short-lived')).status).toBe(404);
    expect((await audit('project.deleted')).map((e) => e.details.name)).toContain('short-lived');
  });

  it('the hub deploys only to clusters both the target and the project select', async () => {
    // Narrowed after the fact: the application's selector no longer implies it, yet stays bounded.
    expect(
      (await h.api('PATCH', '/api/v1/projects/team-a', { body: { clusterSelector: 'team=a,env=dev' } }))
        .status,
    ).toBe(200);
    // A change of its sync policy alone stays possible; it recomputes the clusters.
    expect(
      (
        await h.api('PATCH', '/api/v1/applications/web-any', {
          body: { syncPolicy: { ...SYNC, prune: true } },
        })
      ).status,
    ).toBe(200);
    await settle();
    // The desired state is what jobs are made from; the cluster left behind gets a removal job.
    const wanted = await h.sql<{ name: string }>(
      `SELECT c.name FROM desired_states d JOIN clusters c ON c.id = d.cluster_id
        JOIN applications a ON a.id = d.application_id WHERE a.name = 'web-any' ORDER BY c.name`,
    );
    expect(wanted.map((r) => r.name)).toEqual(['a-dev']);
    // ...while a change of where it deploys must fit the narrowed rules
    const r = await h.api('PATCH', '/api/v1/applications/web-any', {
      body: { targets: [{ clusterSelector: 'team=a' }] },
    });
    expect(r.status).toBe(403);
    expect(r.body.message).toContain('the selector must require env=dev');
  });
});

describe('audit by project', () => {
  it('records the project of application and project events; ?project= filters by name or id', async () => {
    const team = (await h.api('GET', '/api/v1/projects/team-a')).body;
    const byName = await h.api('GET', '/api/v1/audit?project=team-a&limit=200');
    expect(byName.status).toBe(200);
    const actions = byName.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['project.created', 'project.updated', 'application.created']),
    );
    expect(byName.body.items.every((e: { projectId: string }) => e.projectId === team.id)).toBe(true);
    // the application moved out of default: its creation stays under default, its move under team-a
    const moved = byName.body.items.find(
      (e: { action: string; details: any }) =>
        e.action === 'application.updated' && e.details.after.name === 'web-any',
    );
    expect(moved).toBeDefined();
    const inDefault = await h.api('GET', '/api/v1/audit?project=default&action=application.created');
    expect(inDefault.body.items.map((e: { details: { name: string } }) => e.details.name)).toEqual([
      'web-any',
    ]);
    const byId = await h.api('GET', `/api/v1/audit?project=${team.id}&limit=200`);
    expect(byId.body.items.map((e: { seq: string }) => e.seq)).toEqual(
      byName.body.items.map((e: { seq: string }) => e.seq),
    );
    expect((await h.api('GET', '/api/v1/audit?project=nowhere')).body.items).toEqual([]);
    expect((await h.api('GET', '/api/v1/audit?project=Not_A_Name')).status).toBe(400);
    // fleet-wide events have none
    const tokenEvents = await h.api('GET', '/api/v1/audit?action=token.created');
    expect(tokenEvents.body.items[0].projectId).toBeNull();
  });

  it('the deleted project keeps its events, found by id; the chain with projects verifies', async () => {
    const deleted = (await h.api('GET', '/api/v1/audit?action=project.deleted')).body.items[0];
    const r = await h.api('GET', `/api/v1/audit?project=${deleted.projectId}`);
    expect(r.body.items.map((e: { action: string }) => e.action)).toEqual([
      'project.deleted',
      'project.created',
    ]);
    const verdict = await h.api('GET', '/api/v1/audit/verify');
    expect(verdict.status).toBe(200);
    expect(verdict.body).toMatchObject({ ok: true });
  });
});
