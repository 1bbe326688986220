import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "1"\n';
const OBJECTS = { namespaces: ['*'], allowedKinds: [], deniedKinds: [], allowSecrets: false };
const SYNC = { automated: false, prune: false, selfHeal: false };

let fx: VcsFixture;
let h: TestHub;
const tokens: Record<string, string> = {};
const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();

async function token(name: string, body: Record<string, unknown>): Promise<string> {
  const r = await h.api('POST', '/api/v1/tokens', { body: { name, ...body } });
  expect(r.status).toBe(201);
  return r.body.token as string;
}
const names = (r: { body: { items: Array<{ name: string }> } }) => r.body.items.map((x) => x.name);

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  const repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'team-a/cm.yaml': CM, 'team-b/cm.yaml': CM }, 'initial');
  expect(
    (await h.api('POST', '/api/v1/repositories', { body: { name: 'fleet', type: 'git', url: repo.url } }))
      .status,
  ).toBe(201);
  await h.api('POST', '/api/v1/repositories/fleet/refresh');
  for (const team of ['a', 'b']) {
    const p = await h.api('POST', '/api/v1/projects', {
      body: {
        name: `team-${team}`,
        sources: [{ repository: 'fleet', path: `team-${team}` }],
        clusterSelector: `team=${team}`,
        objects: OBJECTS,
      },
    });
    expect(p.status).toBe(201);
    const app = await h.api('POST', '/api/v1/applications', {
      body: {
        name: `web-${team}`,
        project: `team-${team}`,
        repositoryId: 'fleet',
        path: `team-${team}`,
        targets: [{ clusterSelector: `team=${team}` }],
        syncPolicy: SYNC,
      },
    });
    expect(app.status).toBe(201);
  }
  await settle();
  tokens.viewerA = await token('viewer-a', { projects: { 'team-a': 'viewer' } });
  tokens.operatorA = await token('operator-a', { projects: { 'team-a': 'operator' } });
  tokens.mixed = await token('mixed', { role: 'viewer', projects: { 'team-b': 'operator' } });
});
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('project-scoped tokens', () => {
  it('are created with roles in projects (role null), listed and shown by whoami', async () => {
    const listed = (await h.api('GET', '/api/v1/tokens')).body.items.find(
      (t: { name: string }) => t.name === 'operator-a',
    );
    expect(listed).toMatchObject({ role: null, projects: { 'team-a': 'operator' } });
    expect(listed.expiresAt).not.toBeNull();
    const me = await h.api('GET', '/api/v1/whoami', { token: tokens.operatorA });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: null, projects: { 'team-a': 'operator' } });
    const created = (await h.api('GET', '/api/v1/audit?action=token.created')).body.items[0];
    expect(created.details).toMatchObject({
      name: 'mixed',
      role: 'viewer',
      projects: { 'team-b': 'operator' },
    });
  });

  it('refuses a token without any role or with a bad role (400), or naming an unknown project (404)', async () => {
    const none = await h.api('POST', '/api/v1/tokens', { body: { name: 'nothing' } });
    expect(none.status).toBe(400);
    expect(none.body.message).toContain('a token needs a role');
    const unknown = await h.api('POST', '/api/v1/tokens', {
      body: { name: 'x', projects: { 'team-z': 'viewer' } },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe("project 'team-z' not found");
    const bad = await h.api('POST', '/api/v1/tokens', {
      body: { name: 'x', projects: { 'team-a': 'root' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('projects.team-a: role must be one of');
  });

  it('lists only the applications, projects and audit events of its projects', async () => {
    expect(names(await h.api('GET', '/api/v1/applications', { token: tokens.viewerA }))).toEqual(['web-a']);
    expect(names(await h.api('GET', '/api/v1/projects', { token: tokens.viewerA }))).toEqual(['team-a']);
    expect(
      names(await h.api('GET', '/api/v1/applications?project=team-b', { token: tokens.viewerA })),
    ).toEqual([]);
    // a global viewer role sees everything, whatever its project roles
    expect(names(await h.api('GET', '/api/v1/applications', { token: tokens.mixed }))).toEqual([
      'web-a',
      'web-b',
    ]);
    const teamA = (await h.api('GET', '/api/v1/projects/team-a')).body.id;
    const events = (await h.api('GET', '/api/v1/audit?limit=500', { token: tokens.viewerA })).body.items;
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e: { projectId: string }) => e.projectId === teamA)).toBe(true);
    expect(events.map((e: { action: string }) => e.action)).toContain('application.created');
  });

  it('sees the repositories its projects may deploy from, and creates none', async () => {
    const other = await h.api('POST', '/api/v1/repositories', {
      body: { name: 'other', type: 'git', url: 'https://git.example.com/other.git' },
    });
    expect(other.status).toBe(201);
    expect(names(await h.api('GET', '/api/v1/repositories', { token: tokens.viewerA }))).toEqual(['fleet']);
    expect((await h.api('GET', '/api/v1/repositories/fleet', { token: tokens.viewerA })).status).toBe(200);
    expect((await h.api('GET', '/api/v1/repositories/other', { token: tokens.viewerA })).status).toBe(404);
    expect(names(await h.api('GET', '/api/v1/repositories', { token: tokens.mixed }))).toEqual([
      'fleet',
      'other',
    ]);
    // repositories are fleet-wide: a project operator registers none
    const create = await h.api('POST', '/api/v1/repositories', {
      token: tokens.operatorA,
      body: { name: 'mine', type: 'git', url: 'https://git.example.com/mine.git' },
    });
    expect(create.status).toBe(403);
  });

  it('reads and changes applications of its project only, as its role there allows', async () => {
    expect((await h.api('GET', '/api/v1/applications/web-a', { token: tokens.viewerA })).status).toBe(200);
    // another project's application: not found, so its existence is not told
    const other = await h.api('GET', '/api/v1/applications/web-b', { token: tokens.viewerA });
    expect(other.status).toBe(404);
    const viewerSync = await h.api('POST', '/api/v1/applications/web-a/sync', {
      token: tokens.viewerA,
      body: {},
    });
    expect(viewerSync.status).toBe(403);
    expect(viewerSync.body.message).toBe(
      "this needs the operator role (globally or in a project); token 'viewer-a' has viewer in team-a",
    );
    expect(
      (await h.api('POST', '/api/v1/applications/web-a/sync', { token: tokens.operatorA, body: {} })).status,
    ).toBe(202);
    expect(
      (await h.api('POST', '/api/v1/applications/web-b/sync', { token: tokens.operatorA, body: {} })).status,
    ).toBe(404);
    // the mixed token operates in team-b, views elsewhere
    expect(
      (await h.api('POST', '/api/v1/applications/web-b/sync', { token: tokens.mixed, body: {} })).status,
    ).toBe(202);
    const mixed = await h.api('POST', '/api/v1/applications/web-a/sync', { token: tokens.mixed, body: {} });
    expect(mixed.status).toBe(403);
    expect(mixed.body.message).toBe(
      "this needs the operator role in project 'team-a'; token 'mixed' has viewer (global), operator in team-b",
    );
  });

  it('creates applications in its project only, and cannot move one out of it', async () => {
    const body = (project: string, name: string) => ({
      name,
      project,
      repositoryId: 'fleet',
      path: project,
      targets: [{ clusterSelector: `team=${project.slice(-1)}` }],
      syncPolicy: SYNC,
    });
    expect(
      (
        await h.api('POST', '/api/v1/applications', {
          token: tokens.operatorA,
          body: body('team-a', 'web-a2'),
        })
      ).status,
    ).toBe(201);
    const out = await h.api('POST', '/api/v1/applications', {
      token: tokens.operatorA,
      body: body('team-b', 'web-b2'),
    });
    expect(out.status).toBe(403);
    expect(out.body.message).toContain("in project 'team-b'");
    const move = await h.api('PATCH', '/api/v1/applications/web-a2', {
      token: tokens.operatorA,
      body: { project: 'team-b', path: 'team-b', targets: [{ clusterSelector: 'team=b' }] },
    });
    expect(move.status).toBe(403);
    expect((await h.api('DELETE', '/api/v1/applications/web-a2', { token: tokens.operatorA })).status).toBe(
      204,
    );
  });

  it('fleet-wide routes need a global role', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/tokens'],
      ['POST', '/api/v1/projects'],
      ['GET', '/api/v1/audit/verify'],
    ] as const) {
      const r = await h.api(method, path, {
        token: tokens.operatorA,
        body: method === 'POST' ? {} : undefined,
      });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.message).toContain('globally');
    }
  });

  it('deleting a project takes its roles from tokens: a new project of that name grants nothing', async () => {
    const body = { sources: [{ repository: '*' }], clusterSelector: 'team=c', objects: OBJECTS };
    expect((await h.api('POST', '/api/v1/projects', { body: { name: 'team-c', ...body } })).status).toBe(201);
    const t = await token('team-c-admin', { role: 'viewer', projects: { 'team-c': 'admin' } });
    expect((await h.api('DELETE', '/api/v1/projects/team-c')).status).toBe(204);
    const deleted = (await h.api('GET', '/api/v1/audit?action=project.deleted')).body.items[0];
    expect(deleted.details).toMatchObject({ name: 'team-c', tokenRolesRevoked: 1 });
    expect((await h.api('POST', '/api/v1/projects', { body: { name: 'team-c', ...body } })).status).toBe(201);
    expect((await h.api('GET', '/api/v1/whoami', { token: t })).body).toMatchObject({
      role: 'viewer',
      projects: {},
    });
    const listed = (await h.api('GET', '/api/v1/tokens')).body.items.find(
      (x: { name: string }) => x.name === 'team-c-admin',
    );
    expect(listed.projects).toEqual({});
  });

  it('revocation is audited and the token stops working at once', async () => {
    const id = (await h.api('GET', '/api/v1/tokens')).body.items.find(
      (t: { name: string }) => t.name === 'viewer-a',
    ).id;
    expect((await h.api('DELETE', `/api/v1/tokens/${id}`)).status).toBe(204);
    expect((await h.api('GET', '/api/v1/applications', { token: tokens.viewerA })).status).toBe(401);
    const revoked = (await h.api('GET', '/api/v1/audit?action=token.revoked')).body.items[0];
    expect(revoked.details).toMatchObject({ name: 'viewer-a', role: null, projects: { 'team-a': 'viewer' } });
  });
});
