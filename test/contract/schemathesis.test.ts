import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const run = promisify(execFile);

/** Cases per operation and phase: enough to find a wrong bound, small enough for ~3 min on 2 cores. */
const MAX_EXAMPLES = process.env.FLOTILLA_SCHEMATHESIS_EXAMPLES ?? '10';

const DEPLOY =
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n' +
  '  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n' +
  '    spec:\n      containers: [{name: web, image: nginx}]\n';

/**
 * The API contract: schemathesis drives every operation of docs/openapi.json against a real hub
 * (with a real Git server behind a registered repository, a cluster and an application, so the
 * routes that read data have some) with every check and the stateful phase, and must find
 * nothing the document does not say.
 */
describe('the hub answers exactly as docs/openapi.json says (schemathesis)', () => {
  let st: string;
  let fx: VcsFixture;
  let h: TestHub;
  let reportDir: string;

  beforeAll(async () => {
    // The venv lives in the cache outside the clone; the script installs it on first use.
    const setup = await run('bash', ['scripts/schemathesis-venv.sh'], { maxBuffer: 16 * 1024 * 1024 });
    st = setup.stdout.trim().split('\n').pop()!;
    fx = await gitFixture(false);
    h = await startTestHub(inject('postgresUrl'));
    const repo = await fx.createRepo();
    await fx.externalCommit(repo, { 'apps/web/deploy.yaml': DEPLOY, 'README.md': '# fleet\n' }, 'initial');
    const created = await h.api('POST', '/api/v1/repositories', {
      body: { name: 'fleet', type: 'git', url: repo.url, branch: repo.branch },
    });
    expect(created.status).toBe(201);
    expect((await h.api('POST', '/api/v1/repositories/fleet/refresh')).status).toBe(200);
    const cluster = await h.api('POST', '/api/v1/clusters', {
      body: { name: 'prod-eu', labels: { env: 'prod' } },
    });
    expect(cluster.status).toBe(201);
    const app = await h.api('POST', '/api/v1/applications', {
      body: {
        name: 'web',
        repositoryId: 'fleet',
        path: 'apps/web',
        targets: [{ clusterSelector: 'env=prod', namespace: 'web' }],
        syncPolicy: { automated: false, prune: false, selfHeal: false },
      },
    });
    expect(app.status, app.text).toBe(201);
    reportDir = await mkdtemp(join(tmpdir(), 'flotilla-schemathesis-'));
  }, 300_000);

  afterAll(async () => {
    await h?.close();
    await fx?.close();
    if (reportDir) await rm(reportDir, { recursive: true, force: true });
  });

  it('reports no failure with every check, stateful phase included', async () => {
    const args = [
      '--config-file',
      resolve('test/contract/schemathesis.toml'),
      'run',
      resolve('docs/openapi.json'),
      '--url',
      h.url,
      '--header',
      `Authorization: Bearer ${h.adminToken}`,
      '--checks',
      'all',
      '--phases',
      'examples,coverage,fuzzing,stateful',
      '--max-examples',
      MAX_EXAMPLES,
      // One worker: hypothesis's lambda introspection is not thread-safe on some Python 3.11
      // builds ("AST constructor recursion depth mismatch").
      '--workers',
      '1',
      '--seed',
      '1',
      // Examples it finds would otherwise be kept in .schemathesis/ of the working directory.
      '--generation-database',
      'none',
      '--request-timeout',
      '30',
      '--report-dir',
      reportDir,
    ];
    const env = { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false', PYTHONUNBUFFERED: '1' };
    let code = 0;
    let out = '';
    try {
      // Run in the scratch directory: schemathesis keeps a crash cache in .schemathesis/ of its cwd.
      const r = await run(st, args, { cwd: reportDir, env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
      out = r.stdout + r.stderr;
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      code = typeof err.code === 'number' ? err.code : -1;
      out = (err.stdout ?? '') + (err.stderr ?? '');
    }
    // The whole output on failure (it names each mismatch with a curl line); the summary otherwise.
    const summary = out.slice(out.lastIndexOf('SUMMARY') >= 0 ? out.lastIndexOf('SUMMARY') : 0);
    process.stdout.write(code === 0 ? summary : out);
    const unexplained = unexplainedFailures(out);
    if (code !== 0 && unexplained.length === 0)
      process.stdout.write(`\nonly the known finding remains: ${KNOWN_FINDING.why}\n`);
    expect(unexplained, 'schemathesis failures (see its output above)').toEqual([]);
    if (unexplained.length === 0 && code !== 0) expect(out).toMatch(/\b1 failure\b/);
  }, 900_000);
});

/**
 * The one finding left open, kept narrow: schemathesis 4.32's coverage phase sends a bare JSON `0`
 * as a "schema-valid" body to PUT …/files, whose documented body is a required object with
 * required `content` and `message`; the hub's 400 for it is right. Anything else, or this finding
 * on any other operation or with any other answer, fails the test.
 */
const KNOWN_FINDING = {
  operation: 'PUT /api/v1/repositories/{idOrName}/files/{path}',
  answer: `"0\\" is not valid JSON`,
  why: 'a bare JSON 0 body to PUT …/files reported as schema-valid (the documented body is a required object)',
};

/** The failure sections of a schemathesis report, less the known one. */
function unexplainedFailures(out: string): string[] {
  const start = out.indexOf('= FAILURES =');
  if (start < 0) return /\b[1-9]\d* failures?\b/.test(out) ? [out.slice(-2000)] : [];
  const end = out.indexOf('\n====', start + 12);
  const sections = out
    .slice(start, end < 0 ? undefined : end)
    .split(/\n_{3,} /)
    .slice(1);
  return sections.filter(
    (s) =>
      !(
        s.startsWith(`${KNOWN_FINDING.operation} _`) &&
        s.includes('ST202 Schema-valid request rejected') &&
        s.includes(KNOWN_FINDING.answer) &&
        (s.match(/^\d+\. Test Case ID/gm) ?? []).length === 1
      ),
  );
}
