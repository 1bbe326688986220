import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

// Custom health checks (issue 20) through the real hub on Postgres: the hub's rules (admin), the
// refusals with positions, the audit trail, an application's own rules, and the merged rules a
// job carries when an agent leases it.

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: default\ndata:\n  a: "1"\n';
const RULE = { group: 'example.com', kind: 'Widget', current: 'status.?phase.orValue("") == "Ready"' };

/** FLOTILLA_HEALTH_EVALUATE_BUDGET of this hub: 6 a minute per caller (one every 10 s), 30 hub-wide. */
const EVALUATE_BUDGET = 6;

let fx: VcsFixture;
let h: TestHub;
let agent: ProtocolAgent;

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const audit = async (action: string) =>
  (await h.api('GET', `/api/v1/audit?action=${action}&limit=50`)).body.items as Array<{
    details: Record<string, any>;
  }>;

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'), { FLOTILLA_HEALTH_EVALUATE_BUDGET: String(EVALUATE_BUDGET) });
  const repo = await fx.createRepo();
  await fx.externalCommit(
    repo,
    { 'web/cm.yaml': CM, 'api/cm.yaml': CM.replace('name: web', 'name: api') },
    'apps',
  );
  expect(
    (await h.api('POST', '/api/v1/repositories', { body: { name: 'fleet', type: 'git', url: repo.url } }))
      .status,
  ).toBe(201);
  const c = await h.api('POST', '/api/v1/clusters', { body: { name: 'hc-1', labels: { env: 'hc' } } });
  expect(c.status).toBe(201);
  agent = new ProtocolAgent(h.url);
  await agent.register(c.body.registration.token);
});
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe("the hub's health checks", () => {
  it('refuses each kind of bad expression with its field and position, saving nothing', async () => {
    const cases: [Record<string, string>, string, { line: number; column: number } | undefined][] = [
      [{ current: 'status.phase ==' }, 'current: Unexpected token: EOF', { line: 1, column: 16 }],
      [{ current: 'stauts.phase == "Ready"' }, 'current: Unknown variable: stauts', { line: 1, column: 1 }],
      [{ failed: '"broken"' }, 'failed must be a bool expression, not string', undefined],
      [
        { current: 'status.a.all(x, x.b.all(y, y.c.all(z, z == 1)))' },
        'current nests 3 comprehensions; at most 2 are allowed',
        undefined,
      ],
      [
        { inProgress: 'true\n  && (status.x ||' },
        'inProgress: Unexpected token: EOF',
        { line: 2, column: 18 },
      ],
    ];
    for (const [change, message, at] of cases) {
      const r = await h.api('POST', '/api/v1/health-checks', { body: { ...RULE, ...change } });
      expect(r.status, JSON.stringify(change)).toBe(400);
      expect(r.body.message).toContain(message);
      const [problem] = r.body.problems;
      expect(problem.message).toContain(message);
      if (at) expect(problem.position).toMatchObject(at);
      else expect(problem.position).toBeUndefined();
    }
    const long = await h.api('POST', '/api/v1/health-checks', {
      body: { ...RULE, current: 'x'.repeat(2049) },
    });
    expect(long.status).toBe(400);
    expect((await h.api('GET', '/api/v1/health-checks')).body.items).toEqual([]);
  });

  it('creates, refuses a duplicate kind, replaces and deletes, each audited; only admins change them', async () => {
    const created = await h.api('POST', '/api/v1/health-checks', { body: RULE });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...RULE, inProgress: null, failed: null });
    const twice = await h.api('POST', '/api/v1/health-checks', { body: { ...RULE, current: 'true' } });
    expect(twice.status).toBe(409);
    expect(twice.body.message).toContain('example.com/Widget');
    const other = await h.api('POST', '/api/v1/health-checks', { body: { ...RULE, kind: 'Gadget' } });
    expect(other.status).toBe(201);
    const onto = await h.api('PUT', `/api/v1/health-checks/${other.body.id}`, { body: RULE });
    expect(onto.status).toBe(409);

    const operator = await h.token('operator', 'hc-operator');
    const viewer = await h.token('viewer', 'hc-viewer');
    for (const token of [operator, viewer])
      expect(
        (await h.api('POST', '/api/v1/health-checks', { token, body: { ...RULE, kind: 'Other' } })).status,
      ).toBe(403);
    expect((await h.api('GET', '/api/v1/health-checks', { token: viewer })).body.items).toHaveLength(2);

    const failed = 'status.?phase.orValue("") == "Broken"';
    const replaced = await h.api('PUT', `/api/v1/health-checks/${created.body.id}`, {
      body: { ...RULE, failed },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.failed).toBe(failed);
    expect((await h.api('DELETE', `/api/v1/health-checks/${other.body.id}`)).status).toBe(204);
    expect((await h.api('DELETE', `/api/v1/health-checks/${other.body.id}`)).status).toBe(404);

    expect((await audit('health-check.created')).map((e) => e.details.kind).sort()).toEqual([
      'Gadget',
      'Widget',
    ]);
    const [updated] = await audit('health-check.updated');
    expect(updated.details.before).toEqual(RULE);
    expect(updated.details.after).toEqual({ ...RULE, failed });
    expect((await audit('health-check.deleted')).map((e) => e.details.kind)).toEqual(['Gadget']);
  });

  it('holds at most 64 rules, what a job can carry with an application’s own 64', async () => {
    const have = (await h.api('GET', '/api/v1/health-checks')).body.items.length as number;
    const created: string[] = [];
    for (let i = have; i < 64; i++) {
      const r = await h.api('POST', '/api/v1/health-checks', { body: { ...RULE, kind: `Limit${i}` } });
      expect(r.status).toBe(201);
      created.push(r.body.id);
    }
    const over = await h.api('POST', '/api/v1/health-checks', { body: { ...RULE, kind: 'OneTooMany' } });
    expect(over.status).toBe(409);
    expect(over.body.message).toBe(
      'the hub has 64 health checks, the most it may hold: change or delete one',
    );
    for (const id of created) expect((await h.api('DELETE', `/api/v1/health-checks/${id}`)).status).toBe(204);
  });

  it('evaluates a rule on an object as an agent would, refusing an object it cannot judge', async () => {
    const body = (object: unknown) => ({ rule: { ...RULE, failed: 'status.phase == "Broken"' }, object });
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    const broken = await h.api('POST', '/api/v1/health-checks/evaluate', {
      body: body({ ...widget, status: { phase: 'Broken', message: 'disk full' } }),
    });
    expect(broken.status).toBe(200);
    expect(broken.body).toEqual({
      status: 'Failed',
      message: 'health check example.com/Widget: failed is true: disk full',
      matched: true,
    });
    const pod = await h.api('POST', '/api/v1/health-checks/evaluate', {
      body: body({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Running' } }),
    });
    expect(pod.body.matched).toBe(false);
    const nameless = await h.api('POST', '/api/v1/health-checks/evaluate', {
      body: body({ apiVersion: 'v1', kind: 'Pod', metadata: {} }),
    });
    expect(nameless.status).toBe(400);
    expect(nameless.body.message).toContain('metadata.name');
    const big = await h.api('POST', '/api/v1/health-checks/evaluate', {
      body: body({ ...widget, data: { blob: 'x'.repeat(300 * 1024) } }),
    });
    expect(big.status).toBe(400);
    expect(big.body.message).toContain('larger than 256 KiB');
  });
  it('evaluates the shipped cert-manager rule on each of its fixtures as the domain tests expect', async () => {
    // The hub's answer must be the agent's: the same rule file and objects the domain tests use.
    const rule = parse(
      readFileSync(
        new URL('../../docs/health-checks/cert-manager-certificate.yaml', import.meta.url),
        'utf8',
      ),
    );
    const dir = new URL('../../src/domain/health/custom-fixtures/cert-manager-certificate/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    // a caller of its own: evaluation is budgeted per caller (below)
    const token = await h.token('viewer', 'hc-fixtures');
    for (const file of files) {
      const [head, object] = parseAllDocuments(readFileSync(new URL(file, dir), 'utf8')).map((d) => d.toJS());
      const r = await h.api('POST', '/api/v1/health-checks/evaluate', { token, body: { rule, object } });
      expect(r.status, file).toBe(200);
      expect(r.body.matched, file).toBe(true);
      expect(r.body.status, file).toBe(head.expect.status);
      expect(r.body.message, file).toContain(String(head.expect.message));
    }
  });

  it('answers 429 with Retry-After once a caller spent its evaluation budget, then once the hub spent its own', async () => {
    // Each call may hold the event loop for the 50 ms deadline: a viewer must not be able to
    // stop the hub by calling it in a loop.
    const body = {
      rule: { ...RULE, current: 'self.spec.items.all(a, self.spec.items.exists(b, b == a + 1))' },
      object: {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w' },
        spec: { items: [1, 2] },
      },
    };
    const viewer = await h.token('viewer', 'hc-evaluate-viewer');
    for (let i = 0; i < EVALUATE_BUDGET; i++)
      expect((await h.api('POST', '/api/v1/health-checks/evaluate', { token: viewer, body })).status).toBe(
        200,
      );
    const refused = await h.api('POST', '/api/v1/health-checks/evaluate', { token: viewer, body });
    expect(refused.status).toBe(429);
    expect(refused.body.message).toContain('budget of this caller spent (6 a minute)');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // another caller has its own budget
    const other = await h.token('viewer', 'hc-evaluate-other');
    expect((await h.api('POST', '/api/v1/health-checks/evaluate', { token: other, body })).status).toBe(200);

    // many tokens together get five times one caller's budget, not one each
    let hubRefusal: Awaited<ReturnType<typeof h.api>> | undefined;
    for (let t = 0; t < 8 && !hubRefusal; t++) {
      const token = await h.token('viewer', `hc-evaluate-many-${t}`);
      for (let i = 0; i < EVALUATE_BUDGET && !hubRefusal; i++) {
        const r = await h.api('POST', '/api/v1/health-checks/evaluate', { token, body });
        if (r.status === 429) hubRefusal = r;
        else expect(r.status).toBe(200);
      }
    }
    expect(hubRefusal?.body.message).toContain('budget of this hub spent (30 a minute)');
    expect(Number(hubRefusal?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe("an application's own health checks, and what its jobs carry", () => {
  const app = (name: string, extra: Record<string, unknown> = {}) =>
    h.api('POST', '/api/v1/applications', {
      body: {
        name,
        repositoryId: 'fleet',
        path: name,
        targets: [{ clusterSelector: 'env=hc' }],
        syncPolicy: { automated: true, prune: true, selfHeal: false },
        ...extra,
      },
    });

  it('refuses a bad or duplicated rule naming its index, and audits a change', async () => {
    const bad = await app('web', { healthChecks: [RULE, { ...RULE, kind: 'Gadget', current: '1 +' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('healthChecks[1].current: Unexpected token: EOF (line 1, column 4)');
    expect(bad.body.problems[0].field).toBe('healthChecks[1].current');
    const dup = await app('web', { healthChecks: [RULE, { ...RULE, current: 'true' }] });
    expect(dup.status).toBe(400);
    expect(dup.body.message).toBe('healthChecks has more than one rule for example.com/Widget');
    expect((await h.api('GET', '/api/v1/applications/web')).status).toBe(404);

    const own = { ...RULE, current: 'status.?phase.orValue("") == "Done"' };
    const created = await app('web', { healthChecks: [own] });
    expect(created.status, created.text).toBe(201);
    expect(created.body.healthChecks).toEqual([own]);
    const cleared = await h.api('PATCH', '/api/v1/applications/web', { body: { healthChecks: [] } });
    expect(cleared.body.healthChecks).toEqual([]);
    const updated = (await audit('application.updated')).find((e) => e.details.after.name === 'web')!;
    expect(updated.details.before.healthChecks).toEqual([own]);
    expect(updated.details.after.healthChecks).toEqual([]);
    await h.api('PATCH', '/api/v1/applications/web', { body: { healthChecks: [own] } });
  });

  it('leased jobs carry the hub rules merged with the application’s, and nothing when there are none', async () => {
    expect((await app('api')).status).toBe(201);
    await settle();
    const jobs = await agent.poll(0, 10);
    const byApp = new Map(jobs.map((j) => [j.applicationName, j]));
    const hubRule = (await h.api('GET', '/api/v1/health-checks')).body.items[0];
    expect(hubRule.kind).toBe('Widget');
    // web's own rule for Widget replaces the hub's; api has the hub's
    expect(byApp.get('web')!.healthChecks).toEqual([
      { ...RULE, current: 'status.?phase.orValue("") == "Done"' },
    ]);
    expect(byApp.get('api')!.healthChecks).toEqual([
      { group: 'example.com', kind: 'Widget', current: hubRule.current, failed: hubRule.failed },
    ]);
    for (const j of jobs) await agent.succeed(j);

    // no rules anywhere: the field is left out, as before health checks existed
    expect((await h.api('DELETE', `/api/v1/health-checks/${hubRule.id}`)).status).toBe(204);
    await h.api('PATCH', '/api/v1/applications/web', { body: { healthChecks: [] } });
    expect((await h.api('POST', '/api/v1/applications/api/sync', { body: {} })).status).toBeLessThan(300);
    const [again] = await agent.poll(0, 10);
    expect(again.applicationName).toBe('api');
    expect('healthChecks' in again).toBe(false);
  });
});
