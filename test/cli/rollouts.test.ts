/**
 * `flotilla app rollout …` and the strategy flags, as the built CLI against a real hub. The
 * clusters are agents speaking the real v1 protocol (test/support/protocol-agent.ts): the hub
 * decides which cluster gets a job when, these agents report what a cluster would. The hub's
 * rollout runner looks every 200 ms, as a replica's timer would.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import type { VcsFixture } from '../support/vcs-fixtures.js';
import { addGitRepo, type CliResult, CliSession, collect } from './cli-harness.js';

const CM = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  value: "${value}"\n`;

let h: TestHub;
let cli: CliSession;
let fx: VcsFixture;
const agents: Record<string, ProtocolAgent> = {};

/** Runs the CLI while the agents answer their jobs (`fail` names clusters that fail), until it exits. */
async function runWithAgents(args: string[], fail: string[] = []): Promise<CliResult> {
  const done = collect(cli.spawn(args));
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    for (const [name, agent] of Object.entries(agents))
      for (const job of await agent.poll(0)) {
        if (fail.includes(name)) await agent.fail(job, `apply refused on ${name}`, false);
        else await agent.succeed(job);
      }
    await sleep(100);
  }
  return done;
}

async function commit(value: string): Promise<void> {
  await cli.ok(['repo', 'put', 'fleet', 'apps/web/cm.yaml', '-f', '-', '-m', `value ${value}`], {
    input: CM(value),
  });
}

const WAIT = ['--wait', '--timeout', '60s', '--interval', '200ms'];

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'), { FLOTILLA_ROLLOUT_INTERVAL_MS: '200' });
  cli = await CliSession.create({ FLOTILLA_URL: h.url, FLOTILLA_TOKEN: h.adminToken });
  ({ fx } = await addGitRepo(cli, 'fleet', { 'apps/web/cm.yaml': CM('one') }));
  for (const [name, ring] of [
    ['canary-1', 'canary'],
    ['prod-1', 'prod'],
    ['prod-2', 'prod'],
  ]) {
    const c = await cli.json(['cluster', 'add', name, '-l', `ring=${ring}`]);
    agents[name] = new ProtocolAgent(h.url);
    expect((await agents[name].register(c.registration.token)).status).toBe(201);
  }
}, 120_000);
afterAll(async () => {
  await h?.close();
  await cli?.close();
  await fx?.close();
});

describe('flotilla app rollout', () => {
  it('create --rollout-file stores the strategy; get shows it in one line', async () => {
    const file = join(cli.dir, 'rollout.yaml');
    await writeFile(
      file,
      [
        'stages:',
        '  - name: canary',
        '    clusterSelector: ring=canary',
        '  - name: prod',
        '    clusterSelector: null',
        '    batchSize: 1',
        '    requireApproval: true',
        '',
      ].join('\n'),
    );
    const out = await cli.ok([
      'app',
      'create',
      'web',
      '--repo',
      'fleet',
      '--path',
      'apps/web',
      '--selector',
      'ring',
      '--namespace',
      'web',
      '--auto',
      '--rollout-file',
      file,
    ]);
    expect(out).toBe('application web created (auto)\n');
    const app = (await h.api('GET', '/api/v1/applications/web')).body;
    expect(app.rollout).toEqual({
      onFailure: 'pause',
      stages: [
        {
          name: 'canary',
          clusterSelector: 'ring=canary',
          batchSize: '100%',
          minHealthySeconds: 0,
          maxFailures: 0,
        },
        {
          name: 'prod',
          clusterSelector: null,
          batchSize: 1,
          minHealthySeconds: 0,
          maxFailures: 0,
          requireApproval: true,
        },
      ],
    });
    expect(await cli.ok(['app', 'get', 'web'])).toMatch(
      /rollout:\s+canary\(ring=canary\) → prod\(the rest, batch 1, approval\); on failure pause\n/,
    );
  });

  it('status --wait follows the rollout and exits 1 at the approval gate, saying why', async () => {
    const r = await runWithAgents(['app', 'rollout', 'status', 'web', ...WAIT]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe(
      'flotilla: rollout awaiting-approval: stage prod needs approval: promote the rollout to start it\n',
    );
    // the progress lines, then the final view
    expect(r.stdout).toMatch(/awaiting-approval, stage 2\/2 prod: 1\/3 healthy — stage prod needs approval/);
    expect(r.stdout).toMatch(/stage 1\/2 canary {2}done {2}1\/1 healthy {2}\(max failures 0\)\n/);
    expect(r.stdout).toMatch(/ {2}batch 1 {2}done\n {6}✓ canary-1 {2}healthy\n/);
    expect(r.stdout).toMatch(
      /stage 2\/2 prod {2}awaiting-approval {2}0\/2 healthy {2}\(needs approval, max failures 0\)\n/,
    );
    expect(r.stdout).toMatch(/ {2}batch 2 {2}pending\n {6}· prod-2 {2}pending\n/);
  });

  it('status prints the same view without waiting, and the rollout as JSON with -o json', async () => {
    const out = await cli.ok(['app', 'rollout', 'status', 'web']);
    expect(out).toMatch(/^application:\s+web\n/);
    expect(out).toMatch(/state:\s+awaiting-approval\n/);
    expect(out).toMatch(/reason:\s+stage prod needs approval/);
    expect(out).toMatch(/clusters:\s+1 healthy, 2 pending\n/);
    expect(out).toMatch(/TIME\s+ACTION\s+WHERE\s+ACTOR\s+REASON\n/);
    expect(out).toMatch(/rollout\.started\s/);
    const json = await cli.json(['app', 'rollout', 'status', 'web']);
    expect(json).toMatchObject({ application: 'web', state: 'awaiting-approval', stage: 1 });
    expect(json.stages.map((s: any) => s.state)).toEqual(['done', 'awaiting-approval']);
  });

  it('a command that does not apply prints the hub’s 409 message and exits 1', async () => {
    const r = await cli.run(['app', 'rollout', 'resume', 'web']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flotilla: .*awaiting-approval.*promote.*\n$/);
    const viewer = await h.token('viewer');
    const refused = await cli.run(['app', 'rollout', 'promote', 'web'], { env: { FLOTILLA_TOKEN: viewer } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^flotilla: /);
  });

  it('promote --wait lets it past the gate and follows it to completion (exit 0), audited with the reason', async () => {
    const r = await runWithAgents([
      'app',
      'rollout',
      'promote',
      'web',
      '--reason',
      'canary looks good',
      ...WAIT,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rollout progressing\n/);
    expect(r.stdout).toMatch(/completed, 2 stage\(s\): 3\/3 healthy/);
    expect(r.stdout).toMatch(/state:\s+completed\n/);
    expect(r.stdout).toMatch(/rollout\.promoted\s+stage prod\s+admin\s+canary looks good\n/);
    const json = await cli.json(['app', 'rollout', 'status', 'web']);
    expect(json.counts).toEqual({ healthy: 3 });
  });

  it('update --rollout-file changes the strategy; a failure over the budget pauses it (exit 1)', async () => {
    const file = join(cli.dir, 'rollout.json');
    await writeFile(
      file,
      JSON.stringify({
        onFailure: 'pause',
        stages: [
          { name: 'canary', clusterSelector: 'ring=canary' },
          { name: 'prod', clusterSelector: null, maxFailures: 0 },
        ],
      }),
    );
    expect(await cli.ok(['app', 'update', 'web', '--rollout-file', file])).toBe(
      'application web updated (rollout in 2 stage(s))\n',
    );
    await commit('two');
    const r = await runWithAgents(['app', 'rollout', 'status', 'web', ...WAIT], ['prod-2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^flotilla: rollout paused: 1 cluster\(s\) failed in stage prod, over its budget of 0/,
    );
    expect(r.stdout).toMatch(/✗ prod-2 {2}failed {2}apply refused on prod-2\n/);

    // pause on a paused rollout does not apply
    const again = await cli.run(['app', 'rollout', 'pause', 'web']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^flotilla: /);
    const aborted = await cli.json(['app', 'rollout', 'abort', 'web', '--reason', 'bad build']);
    expect(aborted.state).toBe('aborted');
  });

  it('update --no-rollout removes the strategy; usage errors are named', async () => {
    expect(await cli.ok(['app', 'update', 'web', '--no-rollout'])).toBe(
      'application web updated (no staged rollout)\n',
    );
    expect((await h.api('GET', '/api/v1/applications/web')).body.rollout).toBeNull();
    expect(await cli.ok(['app', 'get', 'web'])).toMatch(/rollout:\s+all clusters at once\n/);
    const none = await cli.run(['app', 'update', 'web']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      'flotilla: nothing to change: give --rollout-file, --no-rollout, --depends-on, --no-depends-on, --health-checks-file or --no-health-checks\n',
    );
    const bad = join(cli.dir, 'bad.yaml');
    await writeFile(bad, 'stage:\n  - name: x\n');
    const typo = await cli.run(['app', 'update', 'web', '--rollout-file', bad]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(`flotilla: ${bad}: unknown field(s) stage\n`);
    const refused = join(cli.dir, 'refused.yaml');
    await writeFile(refused, 'stages:\n  - name: Bad_Name\n    clusterSelector: null\n');
    const hub = await cli.run(['app', 'update', 'web', '--rollout-file', refused]);
    expect(hub.code).toBe(1);
    expect(hub.stderr).toMatch(/rollout\.stages\[0\]\.name must be a DNS-1123 label/);
  });

  it('apply takes a rollout in the spec and is idempotent with the hub’s defaults filled in', async () => {
    const spec = [
      'name: web',
      'repositoryId: fleet',
      'path: apps/web',
      'targets: [{clusterSelector: ring, namespace: web}]',
      'syncPolicy: {automated: true, prune: false, selfHeal: false}',
      'rollout:',
      '  stages:',
      '    - {name: all, clusterSelector: null, batchSize: 2}',
      '',
    ].join('\n');
    expect(await cli.ok(['app', 'apply', '-f', '-'], { input: spec })).toBe('application web configured\n');
    expect(await cli.ok(['app', 'apply', '-f', '-'], { input: spec })).toBe('application web unchanged\n');
    expect((await h.api('GET', '/api/v1/applications/web')).body.rollout.stages).toEqual([
      { name: 'all', clusterSelector: null, batchSize: 2, minHealthySeconds: 0, maxFailures: 0 },
    ]);
  });

  it('shell completion knows the rollout commands and their options', async () => {
    const bash = await cli.ok(['completion', 'bash']);
    expect(bash).toContain(`'flotilla app rollout') words='status promote pause resume abort retry`);
    expect(bash).toMatch(/'flotilla app rollout promote'\) words='--reason --wait --timeout --interval/);
    expect(bash).toMatch(/'flotilla app update'\) words='--rollout-file --no-rollout/);
  });
});
