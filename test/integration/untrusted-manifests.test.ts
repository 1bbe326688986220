/**
 * Untrusted manifests against a real hub process with the chart's heap limit (1 GiB) and a real
 * Git server (issue 12): YAML bombs and objects the Kubernetes API server would refuse. Sent
 * through the API they are a 400 naming the file; committed straight into a watched repository
 * they fail that application's render, naming the file, while the hub process keeps serving.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { VcsRepository } from '../../src/vcs/index.js';
import { createTestDatabase, TEST_ALLOWED_HOSTS } from '../support/hub-harness.js';
import { startHubProcess } from '../support/hub-process.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: "1"\n';

/** The classic nested bomb: 10^9 leaves from nine lines. */
const BILLION_LAUGHS = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata: { name: lol }',
  'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ...'bcdefghi'.split('').map((n, i) => `${n}: &${n} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`),
].join('\n');

/** Issue 12's bomb: one anchor of 100,000 items referenced 999 times in one document (~1.9 MB). */
function flatBomb(): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: bomb', 'data:', '  anchor: &x'];
  for (let i = 0; i < 100_000; i++) lines.push('    - lol-lol-lol-lol');
  lines.push('  refs:');
  for (let i = 0; i < 999; i++) lines.push('    - *x');
  return `${lines.join('\n')}\n`;
}

let fx: VcsFixture;
let repo: VcsRepository;
let hub: ChildProcess;
let output = '';
let url: string;
let dataDir: string;
const token = `flt_test_${randomBytes(16).toString('hex')}`;

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    if (hub.exitCode !== null || hub.signalCode !== null)
      throw new Error(`hub died (${hub.exitCode ?? hub.signalCode}): ${output.slice(-2000)}`);
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  fx = await gitFixture(false);
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'app/cm.yaml': CM }, 'initial');
  dataDir = await mkdtemp(join(tmpdir(), 'flotilla-bombs-'));
  await chmod(dataDir, 0o711);
  // What `npm start` runs, the compiled hub, with the heap capped at the chart's memory limit,
  // where the unbounded render died of OOM.
  await promisify(execFile)(process.execPath, [
    'node_modules/typescript/bin/tsc',
    '-p',
    'tsconfig.build.json',
  ]);
  const proc = await startHubProcess(
    {
      nodeArgs: ['--max-old-space-size=1024'],
      env: {
        FLOTILLA_DATA_DIR: dataDir,
        DATABASE_URL: await createTestDatabase(inject('postgresUrl')),
        FLOTILLA_ADMIN_TOKEN: token,
        FLOTILLA_SECRET_KEY: randomBytes(32).toString('base64'),
        FLOTILLA_POLL_TICK_MS: '0',
        FLOTILLA_SWEEP_INTERVAL_MS: '0',
        // The test Git server listens on loopback, which the egress policy refuses by default.
        FLOTILLA_REPOSITORY_ALLOWED_HOSTS: TEST_ALLOWED_HOSTS,
        LOG_LEVEL: 'info',
      },
    },
    120_000,
  );
  hub = proc.child;
  url = proc.url;
  output = '';
  proc.child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.child.stderr!.on('data', (d: Buffer) => (output += d.toString()));

  expect(
    (await api('POST', '/api/v1/repositories', { name: 'bombs', type: 'git', url: repo.url })).status,
  ).toBe(201);
  expect((await api('POST', '/api/v1/repositories/bombs/refresh')).status).toBe(200);
  expect((await api('POST', '/api/v1/clusters', { name: 'bombed', labels: { bombs: 'yes' } })).status).toBe(
    201,
  );
  const app = await api('POST', '/api/v1/applications', {
    name: 'bombed',
    repositoryId: 'bombs',
    path: 'app',
    targets: [{ clusterSelector: 'bombs=yes', namespace: 'bombed' }],
    syncPolicy: { automated: true, prune: true, selfHeal: true },
  });
  expect(app.status).toBe(201);
}, 400_000);

afterAll(async () => {
  if (hub && hub.exitCode === null) {
    const exited = new Promise((r) => hub.once('exit', r));
    hub.kill('SIGTERM');
    await exited;
  }
  await fx?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('YAML bombs against a hub process with a 1 GiB heap', () => {
  it('PUT of the billion laughs is a 400 naming the file, and commits nothing', async () => {
    const before = (await api('GET', '/api/v1/repositories/bombs/revisions?limit=1')).body.items[0].revision
      .id;
    const res = await api('PUT', '/api/v1/repositories/bombs/files/app/lol.yaml', {
      content: BILLION_LAUGHS,
      message: 'lol',
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(
      /^app\/lol\.yaml: document 1: YAML aliases expand this file beyond its limit/,
    );
    const after = (await api('GET', '/api/v1/repositories/bombs/revisions?limit=1')).body.items[0].revision
      .id;
    expect(after).toBe(before);
  });

  it('a 100,000 × 999 anchor bomb committed to Git fails the render naming the file; the hub keeps serving', async () => {
    const bomb = flatBomb();
    expect(bomb.length).toBeGreaterThan(1_800_000);
    await fx.externalCommit(repo, { 'app/bomb.yaml': bomb }, 'bomb');
    expect((await api('POST', '/api/v1/repositories/bombs/refresh')).status).toBe(200);
    const status = await until('the render to fail', async () => {
      const s = (await api('GET', '/api/v1/applications/bombed')).body.clusters[0];
      return s?.sync === 'Failed' ? s : undefined;
    });
    expect(status.message).toMatch(
      /app\/bomb\.yaml document 1: YAML aliases expand this file beyond its limit/,
    );
    expect(hub.exitCode).toBeNull();
    expect((await api('GET', '/api/v1/clusters/bombed')).status).toBe(200);

    // Repaired, the application renders again: the failure was that file's alone.
    await fx.externalCommit(repo, { 'app/bomb.yaml': null }, 'defuse');
    expect((await api('POST', '/api/v1/repositories/bombs/refresh')).status).toBe(200);
    await until('the render to recover', async () => {
      const s = (await api('GET', '/api/v1/applications/bombed')).body.clusters[0];
      return s?.sync !== 'Failed' ? s : undefined;
    });
    expect(hub.exitCode).toBeNull();
  }, 180_000);
});

describe('objects the Kubernetes API server would refuse', () => {
  const BAD = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: BAD_NAME\n';

  it('PUT of a ConfigMap named BAD_NAME is a 400 naming file, object and field', async () => {
    const res = await api('PUT', '/api/v1/repositories/bombs/files/app/bad.yaml', {
      content: BAD,
      message: 'bad',
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(
      /^app\/bad\.yaml: document 1: ConfigMap "BAD_NAME": metadata\.name "BAD_NAME": must be a DNS-1123 subdomain/,
    );
    const label = await api('PUT', '/api/v1/repositories/bombs/files/app/bad.yaml', {
      content: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  labels: { tier: "front end" }\n',
      message: 'bad label',
    });
    expect(label.status).toBe(400);
    expect(label.body.message).toMatch(
      /app\/bad\.yaml: document 1: ConfigMap "ok": metadata\.labels: "tier"/,
    );
  });

  it('committed straight to Git, it fails the render naming the file', async () => {
    await fx.externalCommit(repo, { 'app/bad.yaml': BAD }, 'bad name');
    expect((await api('POST', '/api/v1/repositories/bombs/refresh')).status).toBe(200);
    const status = await until('the render to fail', async () => {
      const s = (await api('GET', '/api/v1/applications/bombed')).body.clusters[0];
      return s?.sync === 'Failed' ? s : undefined;
    });
    expect(status.message).toMatch(/app\/bad\.yaml document 1: ConfigMap "BAD_NAME": metadata\.name/);
  }, 120_000);
});
