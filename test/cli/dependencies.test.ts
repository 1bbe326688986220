/**
 * `flotilla app create/update --depends-on` and what `app get` shows of a held application, as
 * the built CLI against a real hub. The cluster is an agent speaking the real v1 protocol.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import type { VcsFixture } from '../support/vcs-fixtures.js';
import { addGitRepo, CliSession } from './cli-harness.js';

const CM = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n`;

let h: TestHub;
let cli: CliSession;
let fx: VcsFixture;
let agent: ProtocolAgent;

const create = (name: string, ...extra: string[]) =>
  cli.run([
    'app',
    'create',
    name,
    '--repo',
    'fleet',
    '--path',
    `apps/${name}`,
    '--selector',
    'env',
    '--auto',
    ...extra,
  ]);

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
  cli = await CliSession.create({ FLOTILLA_URL: h.url, FLOTILLA_TOKEN: h.adminToken });
  ({ fx } = await addGitRepo(cli, 'fleet', {
    'apps/base/cm.yaml': CM('base'),
    'apps/web/cm.yaml': CM('web'),
  }));
  const c = await cli.json(['cluster', 'add', 'prod-eu-1', '-l', 'env=prod']);
  agent = new ProtocolAgent(h.url);
  expect((await agent.register(c.registration.token)).status).toBe(201);
}, 120_000);
afterAll(async () => {
  await h?.close();
  await cli?.close();
  await fx?.close();
});

describe('flotilla app --depends-on', () => {
  it('creates a dependent, and app get shows its dependencies and why it waits', async () => {
    expect((await create('base')).code).toBe(0);
    const web = await create('web', '--depends-on', 'base');
    expect(web.code, web.stderr).toBe(0);
    const out = await cli.ok(['app', 'get', 'web']);
    expect(out).toMatch(/depends on:\s+base/);
    expect(out).toContain('waiting for base on prod-eu-1: Progressing');
    const json = await cli.json(['app', 'get', 'web']);
    expect(json.clusters[0].waitingFor).toBe('waiting for base on prod-eu-1: Progressing');
  });

  it('refuses a cycle on update with the cycle named, and clears dependencies', async () => {
    const cycle = await cli.run(['app', 'update', 'base', '--depends-on', 'web']);
    expect(cycle.code).not.toBe(0);
    expect(cycle.stderr).toContain('dependency cycle base → web → base');
    const cleared = await cli.ok(['app', 'update', 'web', '--no-depends-on']);
    expect(cleared).toBe('application web updated (no dependencies)\n');
    const back = await cli.ok(['app', 'update', 'web', '--depends-on', 'base']);
    expect(back).toBe('application web updated (depends on base)\n');
    const nothing = await cli.run(['app', 'update', 'web']);
    expect(nothing.code).not.toBe(0);
    expect(nothing.stderr).toContain('nothing to change');
  });

  it('refuses deleting a dependency, naming who depends on it', async () => {
    const refused = await cli.run(['app', 'delete', 'base']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("'base' is a dependency of 'web'");
  });
});
