import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { type CliSession, startHubWithCli } from './cli-harness.js';

let h: TestHub;
let cli: CliSession;

beforeAll(async () => {
  ({ h, cli } = await startHubWithCli());
});
afterAll(async () => {
  await h?.close();
  await cli?.close();
});

describe('flotilla cluster', () => {
  it('add prints the cluster, its registration token and how to join', async () => {
    const out = await cli.ok(['cluster', 'add', 'prod-eu-1', '-l', 'env=prod', '-l', 'region=eu']);
    const token = /Registration token .*:\n {2}(\S+)\n/.exec(out)?.[1];
    expect(token).toBeTruthy();
    expect(out).toMatch(/^name:\s+prod-eu-1\n/);
    expect(out).toMatch(/labels:\s+env=prod,region=eu\n/);
    expect(out).toMatch(/connection:\s+Pending\n/);
    expect(out).toMatch(
      new RegExp(
        `helm upgrade --install flotilla-agent helm/flotilla-agent .*--set registrationToken.value=${token}`,
      ),
    );
    expect(out).toContain(`flotilla-agent --hub-url ${h.url} --registration-token ${token}`);
    // The printed token is the real one: an agent joins with it.
    expect((await new ProtocolAgent(h.url).register(token!)).status).toBe(201);
    const c = await h.api('GET', '/api/v1/clusters/prod-eu-1');
    expect(c.body).toMatchObject({ labels: { env: 'prod', region: 'eu' }, connectionState: 'Connected' });
  });

  it('add -o json carries the registration', async () => {
    const c = await cli.json(['cluster', 'add', 'prod-us-1', '-l', 'env=prod', '-l', 'region=us']);
    expect(c).toMatchObject({ name: 'prod-us-1', labels: { env: 'prod', region: 'us' } });
    expect(c.registration.token).toMatch(/\S{16,}/);
    expect(Date.parse(c.registration.expiresAt)).toBeGreaterThan(Date.now());
  });

  it('list follows every page and filters by selector', async () => {
    for (const n of ['dev-1', 'dev-2', 'dev-3']) await cli.ok(['cluster', 'add', n, '-l', 'env=dev']);
    const all = await cli.json(['cluster', 'list'], { env: { FLOTILLA_PAGE_SIZE: '2' } });
    expect(all.map((c: any) => c.name).sort()).toEqual(['dev-1', 'dev-2', 'dev-3', 'prod-eu-1', 'prod-us-1']);
    const prod = await cli.json(['cluster', 'list', '-l', 'env=prod'], { env: { FLOTILLA_PAGE_SIZE: '1' } });
    expect(prod.map((c: any) => c.name).sort()).toEqual(['prod-eu-1', 'prod-us-1']);
    const both = await cli.json(['cluster', 'list', '-l', 'env=prod', '-l', 'region in (eu)']);
    expect(both.map((c: any) => c.name)).toEqual(['prod-eu-1']);
    const table = await cli.ok(['cluster', 'list', '-l', 'env=prod']);
    expect(table).toMatch(/^NAME\s+CONNECTION\s+LABELS\s+AGENT\s+KUBERNETES\s+LAST SEEN\n/);
    expect(table).toMatch(/prod-eu-1\s+Connected\s+env=prod,region=eu\s+test-0\.1\s+v1\.37\.2\s+\d{4}-/);
    expect(table).toMatch(/prod-us-1\s+Pending\s+env=prod,region=us\s+-\s+-\s+-\n/);
    const bad = await cli.run(['cluster', 'list', '-l', 'env in (']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^flotilla: .*selector.*\n$/);
  });

  it('get shows one cluster by name or id', async () => {
    const byName = await cli.json(['cluster', 'get', 'prod-eu-1']);
    expect(byName).toMatchObject({ name: 'prod-eu-1', agentVersion: 'test-0.1' });
    expect((await cli.json(['cluster', 'get', byName.id])).name).toBe('prod-eu-1');
    expect(await cli.ok(['cluster', 'get', 'prod-eu-1'])).toMatch(/kubernetes:\s+v1\.37\.2\n/);
  });

  it('label sets and removes labels and keeps the others', async () => {
    const out = await cli.ok(['cluster', 'label', 'prod-eu-1', 'tier=edge', 'region-']);
    expect(out).toBe('prod-eu-1 labels: env=prod,tier=edge\n');
    expect((await h.api('GET', '/api/v1/clusters/prod-eu-1')).body.labels).toEqual({
      env: 'prod',
      tier: 'edge',
    });
    await cli.ok(['cluster', 'label', 'prod-eu-1', 'tier=core', 'zone=a']);
    expect((await h.api('GET', '/api/v1/clusters/prod-eu-1')).body.labels).toEqual({
      env: 'prod',
      tier: 'core',
      zone: 'a',
    });
    const missing = await cli.run(['cluster', 'label', 'prod-eu-1', 'nope-']);
    expect(missing).toMatchObject({ code: 2, stderr: 'flotilla: label nope is not set\n' });
    const bad = await cli.run(['cluster', 'label', 'prod-eu-1', 'Bad Key=x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^flotilla: .*label.*\n$/);
  });

  it('token issues a fresh registration token; the old one stops working', async () => {
    const created = await cli.json(['cluster', 'add', 'edge-7']);
    const fresh = await cli.json(['cluster', 'token', 'edge-7']);
    expect(fresh.registration.token).not.toBe(created.registration.token);
    expect((await new ProtocolAgent(h.url).register(created.registration.token)).status).toBe(401);
    const table = await cli.ok(['cluster', 'token', 'edge-7']);
    const token = /Registration token .*:\n {2}(\S+)\n/.exec(table)![1];
    expect(table).toContain(`--registration-token ${token}`);
    expect((await new ProtocolAgent(h.url).register(token)).status).toBe(201);
  });

  it('delete removes the cluster', async () => {
    expect(await cli.ok(['cluster', 'delete', 'dev-3'])).toBe('cluster dev-3 deleted\n');
    expect((await h.api('GET', '/api/v1/clusters/dev-3')).status).toBe(404);
    const again = await cli.run(['cluster', 'delete', 'dev-3']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^flotilla: .*dev-3.*\n$/);
  });

  it('a viewer token cannot write: the hub says so', async () => {
    const viewer = await h.token('viewer');
    const r = await cli.run(['cluster', 'add', 'nope'], { env: { FLOTILLA_TOKEN: viewer } });
    const hub = await h.api('POST', '/api/v1/clusters', { token: viewer, body: { name: 'nope' } });
    expect(hub.status).toBe(403);
    expect(r).toMatchObject({ code: 1, stderr: `flotilla: ${hub.body.message}\n` });
  });
});
