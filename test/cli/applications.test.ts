import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobV1 } from '../../src/protocol/v1/agent-protocol.js';
import type { TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import type { VcsFixture } from '../support/vcs-fixtures.js';
import { addGitRepo, type CliResult, type CliSession, collect, startHubWithCli } from './cli-harness.js';

const CM = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  value: "${value}"\n  replicas: "\${values.replicas}"\n`;

let h: TestHub;
let cli: CliSession;
let fx: VcsFixture;
const agents: Record<string, ProtocolAgent> = {};

type Behaviour = (cluster: string, job: JobV1) => 'succeed' | 'fail';

/** Runs the CLI while the agents answer their jobs, as real agents would, until it exits. */
async function runWithAgents(args: string[], behaviour: Behaviour = () => 'succeed'): Promise<CliResult> {
  const done = collect(cli.spawn(args));
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    for (const [name, agent] of Object.entries(agents))
      for (const job of await agent.poll(0)) {
        if (behaviour(name, job) === 'succeed') await agent.succeed(job);
        else await agent.fail(job, `apply refused on ${name}`, false);
      }
    await sleep(150);
  }
  return done;
}

/** Answers whatever is queued, so the next test starts settled. */
async function drain(): Promise<void> {
  for (let i = 0; i < 3; i++)
    for (const agent of Object.values(agents))
      for (const job of await agent.poll(0)) await agent.succeed(job);
}

async function commit(value: string): Promise<void> {
  await cli.ok(['repo', 'put', 'fleet', 'apps/web/cm.yaml', '-f', '-', '-m', `value ${value}`], {
    input: CM(value),
  });
}

beforeAll(async () => {
  ({ h, cli } = await startHubWithCli());
  ({ fx } = await addGitRepo(cli, 'fleet', { 'apps/web/cm.yaml': CM('one'), 'apps/api/cm.yaml': CM('api') }));
  for (const [name, env] of [
    ['prod-a', 'prod'],
    ['prod-b', 'prod'],
  ]) {
    const c = await cli.json(['cluster', 'add', name, '-l', `env=${env}`]);
    agents[name] = new ProtocolAgent(h.url);
    expect((await agents[name].register(c.registration.token)).status).toBe(201);
  }
  await cli.ok(['cluster', 'add', 'dev-1', '-l', 'env=dev']);
});
afterAll(async () => {
  await h?.close();
  await cli?.close();
  await fx?.close();
});

describe('flotilla app', () => {
  it('create makes an application with one target', async () => {
    const out = await cli.ok([
      'app',
      'create',
      'web',
      '--repo',
      'fleet',
      '--path',
      'apps/web',
      '--selector',
      'env=prod',
      '--namespace',
      'web',
      '--value',
      'replicas=3',
      '--prune',
      '--self-heal',
    ]);
    expect(out).toBe('application web created (prune,self-heal)\n');
    const app = (await h.api('GET', '/api/v1/applications/web')).body;
    expect(app).toMatchObject({
      path: 'apps/web',
      targets: [{ clusterSelector: 'env=prod', namespace: 'web', values: { replicas: '3' } }],
      syncPolicy: { automated: false, prune: true, selfHeal: true },
    });
  });

  it('list and get show it, get with a line per target cluster', async () => {
    const list = await cli.ok(['app', 'list']);
    expect(list).toMatch(/^NAME\s+PROJECT\s+REPOSITORY\s+PATH\s+SELECTOR\s+POLICY\s+PINNED\s+CREATED\n/);
    expect(list).toMatch(/web\s+default\s+fleet\s+apps\/web\s+env=prod\s+prune,self-heal\s+-\s+\d{4}-/);
    expect((await cli.json(['app', 'list'])).map((a: any) => a.name)).toEqual(['web']);
    const get = await cli.ok(['app', 'get', 'web']);
    expect(get).toMatch(/repository:\s+fleet\n/);
    expect(get).toMatch(/CLUSTER\s+CONNECTION\s+WANTED\s+APPLIED\s+SYNC\s+HEALTH\s+LAST JOB\s+MESSAGE\n/);
    expect(get).toMatch(/prod-a\s+Connected\s+/);
    expect(get).toMatch(/prod-b\s+Connected\s+/);
    expect(get).not.toContain('dev-1');
  });

  it('sync --wait follows the agents until every cluster is Synced', async () => {
    const r = await runWithAgents([
      'app',
      'sync',
      'web',
      '--wait',
      '--timeout',
      '60s',
      '--interval',
      '200ms',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^queued 2 job\(s\), 0 removal\(s\); 0 cluster\(s\) unchanged/);
    expect(r.stdout).toContain('prod-a: Synced\n');
    expect(r.stdout).toContain('prod-b: Synced\n');
    expect(r.stdout).toMatch(/2\/2 synced, 0 failed, 0 pending \(\d+s\)\n/);
    expect(r.stdout).toMatch(
      /prod-a\s+Connected\s+main@sha1:[0-9a-f]{7}\s+main@sha1:[0-9a-f]{7}\s+Synced\s+Current\s+sync succeeded/,
    );
    const app = (await h.api('GET', '/api/v1/applications/web')).body;
    expect(app.clusters.map((c: any) => c.sync)).toEqual(['Synced', 'Synced']);
  });

  it('sync --wait exits 1 when a cluster fails, naming it', async () => {
    await commit('two');
    const r = await runWithAgents(['app', 'sync', 'web', '--wait', '--interval', '200ms'], (cluster) =>
      cluster === 'prod-b' ? 'fail' : 'succeed',
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('prod-b: Failed (apply refused on prod-b)\n');
    expect(r.stdout).toMatch(/1\/2 synced, 1 failed, 0 pending/);
    expect(r.stderr).toBe('flotilla: sync failed on 1 of 2 cluster(s): prod-b\n');
  });

  it('app status and fleet status show the read model, filtered, with counts', async () => {
    const status = await cli.ok(['app', 'status', 'web']);
    expect(status).toMatch(
      /^APPLICATION\s+CLUSTER\s+CONNECTION\s+WANTED\s+APPLIED\s+SYNC\s+HEALTH\s+LAST JOB\s+MESSAGE\n/,
    );
    expect(status).toMatch(
      /web\s+prod-b\s+Connected\s+\S+\s+\S+\s+Failed\s+\S+\s+sync failed\s+apply refused on prod-b\n/,
    );
    expect(status).toMatch(/\n2 rows · sync: \S+ 1, \S+ 1 · health: /);
    const failed = await cli.ok(['fleet', 'status', '--sync', 'failed', '-l', 'env=prod']);
    expect(failed.split('\n').filter((l) => l.startsWith('web '))).toHaveLength(1);
    expect(failed).toContain('1 rows · sync: Failed 1 · health:');
    const json = await cli.json(['fleet', 'status', '--cluster', 'prod-a', '--app', 'web']);
    expect(json.items.map((r: any) => [r.applicationName, r.clusterName, r.sync])).toEqual([
      ['web', 'prod-a', 'Synced'],
    ]);
    expect(json.counts.total).toBe(1);
    expect(await cli.ok(['fleet', 'status', '--health', 'Terminating'])).toMatch(
      /^Nothing matches\.\n0 rows/,
    );
    const bad = await cli.run(['fleet', 'status', '--sync', 'Healthy']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--sync: unknown state 'Healthy'");
  });

  it('sync --wait exits 1 on timeout when agents do not answer', async () => {
    await commit('three');
    // No agent polls: the jobs stay queued (a polled job would stay leased until its lease ends).
    const r = await cli.run(['app', 'sync', 'web', '--wait', '--timeout', '2s', '--interval', '200ms']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/0\/2 synced, 0 failed, 2 pending/);
    expect(r.stderr).toBe('flotilla: timed out after 2s: 2 of 2 cluster(s) still pending\n');
    await drain();
  });

  it('sync --wait -o json prints the final status as JSON, progress on stderr', async () => {
    await commit('four');
    const r = await runWithAgents(['app', 'sync', 'web', '--wait', '--interval', '200ms', '-o', 'json']);
    expect(r.code).toBe(0);
    const detail = JSON.parse(r.stdout);
    expect(detail.clusters.map((c: any) => [c.clusterName, c.sync])).toEqual([
      ['prod-a', 'Synced'],
      ['prod-b', 'Synced'],
    ]);
    expect(r.stderr).toMatch(/2\/2 synced, 0 failed, 0 pending/);
  });

  it('sync without --wait only queues', async () => {
    await commit('five');
    const r = await cli.json(['app', 'sync', 'web']);
    expect(r).toMatchObject({ jobs: 2, removals: 0 });
    await drain();
  });

  it('history lists every deployment', async () => {
    const items = await cli.json(['app', 'history', 'web']);
    expect(items.length).toBeGreaterThanOrEqual(5);
    expect(items.map((d: any) => d.outcome)).toContain('partial');
    const table = await cli.ok(['app', 'history', 'web', '--limit', '2']);
    expect(table).toMatch(/^REVISION\s+TRIGGER\s+ACTOR\s+CLUSTERS\s+OUTCOME\s+JOBS\s+TIME\n/);
    expect(table.trimEnd().split('\n')).toHaveLength(3);
  });

  it('rollback pins a revision; unpin follows the branch again', async () => {
    const log = await cli.json(['repo', 'log', 'fleet']);
    const initial = log.find((c: any) => c.message === 'initial').revision;
    const out = await cli.ok(['app', 'rollback', 'web', initial.id]);
    expect(out).toMatch(/^queued 2 job\(s\)/);
    expect((await h.api('GET', '/api/v1/applications/web')).body.revision).toBe(initial.id);
    expect(await cli.ok(['app', 'get', 'web'])).toMatch(new RegExp(`pinned revision:\\s+${initial.id}\\n`));
    await drain();
    // The harness runs no poller: let the hub see the newest revision, which unpin goes back to.
    await cli.ok(['repo', 'refresh', 'fleet']);
    expect(await cli.ok(['app', 'unpin', 'web'])).toMatch(/^queued 2 job\(s\)/);
    expect((await h.api('GET', '/api/v1/applications/web')).body.revision).toBeNull();
    await drain();
  });

  it('apply creates from YAML, is idempotent, and updates what changed', async () => {
    const spec = (automated: boolean) =>
      `name: api\nrepositoryId: fleet\npath: apps/api\ntargets:\n  - clusterSelector: env=prod\n    values: {replicas: "1"}\nsyncPolicy:\n  automated: ${automated}\n  prune: false\n  selfHeal: false\n`;
    const file = join(cli.dir, 'api.yaml');
    await writeFile(file, spec(false));
    expect(await cli.ok(['app', 'apply', '-f', file])).toBe('application api created\n');
    expect(await cli.ok(['app', 'apply', '-f', file])).toBe('application api unchanged\n');
    await writeFile(file, spec(true));
    expect(await cli.ok(['app', 'apply', '-f', file])).toBe('application api configured\n');
    expect((await h.api('GET', '/api/v1/applications/api')).body.syncPolicy.automated).toBe(true);
    const again = await cli.json(['app', 'apply', '-f', '-'], { input: spec(true) });
    expect(again).toMatchObject([{ name: 'api', result: 'unchanged' }]);
    const typo = await cli.run(['app', 'apply', '-f', '-'], { input: `${spec(true)}selector: env=prod\n` });
    expect(typo).toMatchObject({ code: 2, stderr: 'flotilla: -: unknown field(s) selector\n' });
    await drain();
  });

  it('delete queues removals where it is deployed, and the hub refuses unknown names', async () => {
    const out = await cli.ok(['app', 'delete', 'web']);
    expect(out).toBe('application web: removal jobs queued; it goes when they finish\n');
    await expect
      .poll(
        async () => {
          await drain();
          return (await h.api('GET', '/api/v1/applications/web')).status;
        },
        { timeout: 15_000 },
      )
      .toBe(404);
    const gone = await cli.run(['app', 'get', 'web']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^flotilla: .*web.*\n$/);
  });
});
