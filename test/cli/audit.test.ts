import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/cli/api-client.js';
import { waitForSync } from '../../src/cli/commands/app-sync.js';
import type { TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import type { VcsFixture } from '../support/vcs-fixtures.js';
import { addGitRepo, type CliSession, collect, startHubWithCli } from './cli-harness.js';

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "1"\n';

let h: TestHub;
let cli: CliSession;
let fx: VcsFixture;
let agent: ProtocolAgent;
const ids: Record<string, string> = {};

async function settleJobs(): Promise<void> {
  for (let i = 0; i < 3; i++) for (const job of await agent.poll(0)) await agent.succeed(job);
}

beforeAll(async () => {
  ({ h, cli } = await startHubWithCli());
  ({ fx, id: ids.fleet } = await addGitRepo(cli, 'fleet', { 'apps/web/cm.yaml': CM }));
  const a = await cli.json(['cluster', 'add', 'alpha', '-l', 'env=prod']);
  ids.alpha = a.id;
  ids.beta = (await cli.json(['cluster', 'add', 'beta', '-l', 'env=dev'])).id;
  agent = new ProtocolAgent(h.url);
  await agent.register(a.registration.token);
  await cli.ok([
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
  ]);
  ids.web = (await cli.json(['app', 'get', 'web'])).id;
  await cli.ok(['app', 'sync', 'web']);
  await settleJobs();
});
afterAll(async () => {
  await h?.close();
  await cli?.close();
  await fx?.close();
});

describe('flotilla audit', () => {
  it('filters by cluster, app and repo given by name (resolved to ids) or id', async () => {
    const alpha = await cli.json(['audit', '--cluster', 'alpha']);
    expect(alpha.length).toBeGreaterThan(0);
    expect(alpha.every((e: any) => e.clusterId === ids.alpha)).toBe(true);
    expect(alpha.map((e: any) => e.action)).toContain('cluster.registered');
    expect(await cli.json(['audit', '--cluster', ids.alpha])).toEqual(alpha);
    const web = await cli.json(['audit', '--app', 'web']);
    expect(web.length).toBeGreaterThan(0);
    expect(web.every((e: any) => e.applicationId === ids.web)).toBe(true);
    const fleet = await cli.json(['audit', '--repo', 'fleet']);
    expect(fleet.every((e: any) => e.repositoryId === ids.fleet)).toBe(true);
    expect(fleet.map((e: any) => e.action)).toContain('repository.created');
    const unknown = await cli.run(['audit', '--cluster', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^flotilla: .*nope.*\n$/);
  });

  it('filters by resource, actor, action, time and limit', async () => {
    const applied = await cli.json(['audit', '--resource', '/ConfigMap/web/web']);
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.every((e: any) => e.resource === '/ConfigMap/web/web')).toBe(true);
    const clusters = await cli.json(['audit', '--action', 'cluster.*']);
    expect(clusters.length).toBeGreaterThanOrEqual(2);
    expect(clusters.every((e: any) => e.action.startsWith('cluster.'))).toBe(true);
    const all = await cli.json(['audit']);
    const actor = all.find((e: any) => e.actor.type === 'token').actor.name;
    const byActor = await cli.json(['audit', '--actor', actor]);
    expect(byActor.length).toBeGreaterThan(0);
    expect(byActor.every((e: any) => e.actor.name === actor)).toBe(true);
    expect(await cli.json(['audit', '--since', '1h'])).toHaveLength(all.length);
    expect(await cli.json(['audit', '--until', '1h'])).toHaveLength(0);
    expect(await cli.json(['audit', '--since', '2099-01-01T00:00:00Z'])).toHaveLength(0);
    expect(await cli.json(['audit', '--until', new Date(Date.now() + 60_000).toISOString()])).toHaveLength(
      all.length,
    );
    const two = await cli.json(['audit', '--limit', '2'], { env: { FLOTILLA_PAGE_SIZE: '1' } });
    expect(two.map((e: any) => e.seq)).toEqual(all.slice(0, 2).map((e: any) => e.seq));
  });

  it('prints a table with names instead of ids', async () => {
    const out = await cli.ok(['audit', '--cluster', 'alpha']);
    expect(out).toMatch(/^TIME\s+ACTOR\s+ACTION\s+SUBJECT\s+RESOURCE\s+REVISION\n/);
    expect(out).toMatch(/cluster\.registered\s+cluster\/alpha/);
    expect(out).toMatch(/cluster\/alpha app\/web\s+\/ConfigMap\/web\/web\s+[0-9a-f]{7}\n/);
  });

  it('--follow prints past events, then each new one once, until SIGINT', async () => {
    const child = cli.spawn([
      'audit',
      '--follow',
      '--action',
      'cluster.*',
      '--limit',
      '1',
      '--interval',
      '300ms',
      '-o',
      'json',
    ]);
    const done = collect(child);
    let out = '';
    child.stdout!.on('data', (d: string) => (out += d));
    await expect.poll(() => out.split('\n').filter(Boolean).length, { timeout: 10_000 }).toBe(1);
    await h.api('POST', '/api/v1/clusters', { body: { name: 'gamma' } });
    await h.api('POST', '/api/v1/clusters', { body: { name: 'delta' } });
    await h.api('PATCH', '/api/v1/clusters/gamma', { body: { labels: { x: 'y' } } });
    await h.api('POST', '/api/v1/repositories', {
      body: { name: 'not-a-cluster-event', type: 'git', url: 'https://example.com/x.git' },
    });
    await expect.poll(() => out.split('\n').filter(Boolean).length, { timeout: 10_000 }).toBe(4);
    await sleep(1000); // a few more polls: nothing is printed twice
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(0);
    const events = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(events).toHaveLength(4);
    expect(new Set(events.map((e) => e.seq)).size).toBe(4);
    expect(events.every((e) => e.action.startsWith('cluster.'))).toBe(true);
    expect(events.map((e) => BigInt(e.seq))).toEqual(
      events.map((e) => BigInt(e.seq)).sort((a, b) => (a < b ? -1 : 1)),
    );
  });

  it('--follow in table mode prints one line per event', async () => {
    const child = cli.spawn([
      'audit',
      '--follow',
      '--cluster',
      'alpha',
      '--limit',
      '2',
      '--interval',
      '300ms',
    ]);
    const done = collect(child);
    await sleep(1500);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines)
      expect(l).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+\S+\s+[a-z]+\.[a-z.-]+\s+cluster\/alpha/);
  });

  it('export writes every matching event as JSON Lines, oldest first', async () => {
    const out = await cli.ok(['audit', 'export', '--cluster', 'alpha']);
    expect(out.endsWith('\n')).toBe(true);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: string });
    const listed = await h.api('GET', `/api/v1/audit?cluster=${ids.alpha}&limit=500`);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines).toEqual([...listed.body.items].reverse());
    const bad = await cli.run(['audit', 'export', '--action', 'Bad!']);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/action must be an action name/);
  });

  it('verify reports an intact chain, and a tampered one with exit 1', async () => {
    expect(await cli.ok(['audit', 'verify'])).toMatch(
      /^ok: the chain of \d+ event\(s\) is intact\nkeyed with the audit key from event 1\n\d+ signed checkpoint\(s\) of the hub match\n$/,
    );
    const v = await cli.json(['audit', 'verify']);
    expect(v).toMatchObject({ ok: true, keyedFrom: 1 });

    // A checkpoint kept elsewhere: the head now, then a wrong hash for it.
    const cp = `${v.headSeq}:${v.headHash}`;
    expect(await cli.ok(['audit', 'verify', '--checkpoint', cp])).toMatch(
      new RegExp(`\ncheckpoint at event ${v.headSeq}: matches\n$`),
    );
    const wrong = await cli.run(['audit', 'verify', '--checkpoint', `${v.headSeq}:${'f'.repeat(64)}`]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe(
      `broken at event ${v.headSeq}: checkpoint mismatch: the event at seq ${v.headSeq} does not have the checkpoint's hash: history was rewritten\n` +
        `checkpoint at event ${v.headSeq}: does not match (the event at seq ${v.headSeq} does not have the checkpoint's hash: history was rewritten)\n`,
    );
    const bad = await cli.run(['audit', 'verify', '--checkpoint', '12:abc']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/checkpoint must be <seq>:<hash>/);

    // A gap: one event removed by the database owner, then put back.
    const [row] = await h.sql('SELECT * FROM audit_events WHERE seq = 4');
    await h.sql('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    await h.sql('DELETE FROM audit_events WHERE seq = 4');
    await h.sql('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    const gap = await cli.run(['audit', 'verify']);
    expect(gap.code).toBe(1);
    expect(gap.stdout).toBe('broken at event 5: events are missing: seq 5 follows seq 3\n');
    const cols = Object.keys(row);
    await h.sql(
      `INSERT INTO audit_events (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
      cols.map((c) => row[c]),
    );
    expect(await cli.json(['audit', 'verify'])).toMatchObject({ ok: true });

    await h.sql('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    await h.sql(`UPDATE audit_events SET details = '{"name":"forged"}'::jsonb WHERE seq = 2`);
    await h.sql('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    const r = await cli.run(['audit', 'verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^broken at event 2: event content does not match its keyed hash \(HMAC\)\n$/);
    expect(r.stderr).toBe('flotilla: the audit chain is broken at event 2\n');
  });
});

describe('sync progress on a terminal', () => {
  it('redraws one line with a bar and the counts', async () => {
    await h.api('POST', '/api/v1/applications/web/sync', { body: {} });
    let text = '';
    const waiting = waitForSync(new ApiClient(h.url, h.adminToken), 'web', {
      timeoutMs: 20_000,
      intervalMs: 100,
      sink: { write: (t) => (text += t), tty: true, color: false },
    });
    await sleep(300);
    await settleJobs();
    const { done } = await waiting;
    expect(done).toBe(true);
    const CLEAR = '\r\u001b[2K'; // back to the start of the line, erase it
    const frames = text.split(CLEAR);
    expect(frames[0]).toBe('');
    expect(frames.length).toBeGreaterThan(2);
    expect(frames.at(-2)).toMatch(/^░{24} 0\/1 synced, 0 failed, 1 pending {2}\d+s$/);
    expect(frames.at(-1)).toMatch(/^█{24} 1\/1 synced, 0 failed, 0 pending {2}\d+s\n$/);
    expect(text).not.toMatch(/\n./); // one line, rewritten in place
  });
});
