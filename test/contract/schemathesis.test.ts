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
    // The evaluation budget (429s) is tested in test/integration/health-checks.test.ts; here the
    // fuzzer calls evaluate far more often than a person would.
    h = await startTestHub(inject('postgresUrl'), { FLOTILLA_HEALTH_EVALUATE_BUDGET: '1000000' });
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
    const env = {
      ...process.env,
      NO_COLOR: '1',
      SCHEMATHESIS_TELEMETRY: 'false',
      PYTHONUNBUFFERED: '1',
      // what no schema can state: valid CEL for `format: cel`, one health check per kind
      SCHEMATHESIS_HOOKS: resolve('test/contract/schemathesis_hooks.py'),
    };
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
    // A server error's cause is only in the hub's log: show its error lines with the failure.
    if (code !== 0)
      process.stdout.write(
        h.logs
          .filter((l) => /error/i.test(l))
          .slice(-40)
          .join('\n') + '\n',
      );
    expect(code, 'schemathesis exit code (see its output above)').toBe(0);
    expect(out).not.toMatch(/\b[1-9]\d* failures?\b/);
  }, 900_000);
});
