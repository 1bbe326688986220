import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

/**
 * A project's `plainSecrets` against the real hub (issue 17). One revision holds a plain Secret,
 * a SOPS-encrypted one (made by the real sops CLI) and a ConfigMap, deployed by three
 * applications in three projects:
 * - deny: the render fails for the cluster naming the plain Secret and the rule, nothing is
 *   queued, `policy.denied` is audited; the SOPS Secret is not refused;
 * - warn: the bundle is queued, the application shows a warning naming the plain Secret only,
 *   and `secret.plain` is audited once per revision;
 * - allow: as before issue 17.
 * Projects that existed before keep `allow`; a new one defaults to `warn`.
 */
const PLAIN = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ntype: Opaque\nstringData:\n  token: not-for-git\n`;
const SOPS = readFileSync(
  new URL('../../src/domain/secrets/fixtures/secret.sops.yaml', import.meta.url),
  'utf8',
);
const config = (v: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  v: "${v}"\n`;

let fx: VcsFixture;
let h: TestHub;
let repo: VcsRepository;
const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const ids: Record<string, string> = {};
const jobsOf = (app: string) => h.sql(`SELECT id FROM reconcile_jobs WHERE application_id = $1`, [ids[app]]);
const auditOf = async (action: string, app: string) =>
  (
    (await h.api('GET', `/api/v1/audit?action=${action}&limit=100`)).body.items as Array<{
      applicationId: string;
      revision: string | null;
      details: Record<string, any>;
    }>
  ).filter((e) => e.applicationId === ids[app]);

async function project(name: string, plainSecrets?: string) {
  return h.api('POST', '/api/v1/projects', {
    body: {
      name,
      sources: [{ repository: 'fleet' }],
      clusterSelector: '',
      objects: { namespaces: ['*'], allowedKinds: [], deniedKinds: [], allowSecrets: true },
      ...(plainSecrets ? { plainSecrets } : {}),
    },
  });
}

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  repo = await fx.createRepo();
  await fx.externalCommit(
    repo,
    { 'app/creds.yaml': PLAIN, 'app/db.sops.yaml': SOPS, 'app/settings.yaml': config('1') },
    'initial',
  );
  expect(
    (await h.api('POST', '/api/v1/repositories', { body: { name: 'fleet', type: 'git', url: repo.url } }))
      .status,
  ).toBe(201);
  expect(
    (await h.api('POST', '/api/v1/clusters', { body: { name: 'c1', labels: { env: 'x' } } })).status,
  ).toBe(201);
  for (const [name, mode] of [
    ['p-deny', 'deny'],
    ['p-warn', undefined],
    ['p-allow', 'allow'],
  ] as const) {
    const p = await project(name, mode);
    expect(p.status, p.text).toBe(201);
    const app = await h.api('POST', '/api/v1/applications', {
      body: {
        name: `app-${name}`,
        project: name,
        repositoryId: 'fleet',
        path: 'app',
        targets: [{ clusterSelector: 'env=x', namespace: 'team-a' }],
        syncPolicy: { automated: true, prune: false, selfHeal: false },
      },
    });
    expect(app.status, app.text).toBe(201);
    ids[`app-${name}`] = app.body.id as string;
  }
  await settle();
});
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('a project’s plainSecrets', () => {
  it('is allow for projects that existed, warn for a new one, and refuses an unknown mode naming the field', async () => {
    expect((await h.api('GET', '/api/v1/projects/default')).body.plainSecrets).toBe('allow');
    expect((await h.api('GET', '/api/v1/projects/p-warn')).body.plainSecrets).toBe('warn');
    const bad = await project('p-bad', 'sometimes');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('plainSecrets must be one of: deny, warn, allow');
    const changed = await h.api('PATCH', '/api/v1/projects/p-allow', { body: { plainSecrets: 'allow' } });
    expect(changed.status, changed.text).toBe(200);
  });

  it('deny: the render fails naming the plain Secret (not the SOPS one); nothing queued; policy.denied audited', async () => {
    const status = await h.api('GET', '/api/v1/fleet/status?application=app-p-deny');
    const [row] = status.body.items as Array<{ sync: string; message: string | null }>;
    expect(row.sync).toBe('Failed');
    expect(row.message).toBe(
      "policy refused 1 object(s): app/creds.yaml: Secret team-a/creds: plain Secrets are not allowed in this project: encrypt it (SOPS) or change the project's plainSecrets/allowSecrets",
    );
    expect(await jobsOf('app-p-deny')).toHaveLength(0);
    const [event] = await auditOf('policy.denied', 'app-p-deny');
    expect(event.details.refusals).toEqual([
      { resource: '/Secret/team-a/creds', rule: 'allowSecrets', message: expect.any(String) },
    ]);
  });

  it('warn: deployed, the application shows the warning, audited once per revision', async () => {
    expect(await jobsOf('app-p-warn')).toHaveLength(1);
    const app = await h.api('GET', '/api/v1/applications/app-p-warn');
    expect(app.body.warnings).toEqual([
      'plain Secret /Secret/team-a/creds is committed in clear: encrypt it with SOPS (project p-warn warns about plain Secrets)',
    ]);
    const first = await auditOf('secret.plain', 'app-p-warn');
    expect(first).toHaveLength(1);
    expect(first[0].details).toMatchObject({
      project: 'p-warn',
      secretCount: 1,
      secrets: ['/Secret/team-a/creds'],
    });
    expect(JSON.stringify(first)).not.toContain('not-for-git');

    // the same revision again: no second event
    expect((await h.api('POST', '/api/v1/applications/app-p-warn/sync')).status).toBeLessThan(300);
    await settle();
    expect(await auditOf('secret.plain', 'app-p-warn')).toHaveLength(1);

    // a new revision still holding it: audited again; once it is gone, the warning goes too
    await fx.externalCommit(repo, { 'app/settings.yaml': config('2') }, 'second');
    await h.api('POST', '/api/v1/repositories/fleet/refresh');
    await settle();
    const second = await auditOf('secret.plain', 'app-p-warn');
    expect(second).toHaveLength(2);
    expect(second[0].revision).not.toBe(second[1].revision);
    await fx.externalCommit(repo, { 'app/creds.yaml': null }, 'third: the plain Secret removed');
    await h.api('POST', '/api/v1/repositories/fleet/refresh');
    await settle();
    expect((await h.api('GET', '/api/v1/applications/app-p-warn')).body.warnings).toEqual([]);
    expect(await auditOf('secret.plain', 'app-p-warn')).toHaveLength(2);
  });

  it('allow: deployed without a warning or an event', async () => {
    expect((await jobsOf('app-p-allow')).length).toBeGreaterThan(0);
    expect((await h.api('GET', '/api/v1/applications/app-p-allow')).body.warnings).toEqual([]);
    expect(await auditOf('secret.plain', 'app-p-allow')).toHaveLength(0);
  });
});
