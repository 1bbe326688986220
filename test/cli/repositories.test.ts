import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startChartRepoServer, type ChartRepoServer } from '../support/chart-repo-server.js';
import { ensureHelm } from '../support/helm-binary.js';
import type { TestHub } from '../support/hub-harness.js';
import {
  gitFixture,
  gitSshFixture,
  svnFixture,
  TEST_PASSWORD,
  type VcsFixture,
} from '../support/vcs-fixtures.js';
import { type CliSession, startHubWithCli } from './cli-harness.js';

const CM = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

let h: TestHub;
let cli: CliSession;

beforeAll(async () => {
  ({ h, cli } = await startHubWithCli());
});
afterAll(async () => {
  await h?.close();
  await cli?.close();
});

describe.each([
  ['git', () => gitFixture(false)],
  ['ssh', () => gitSshFixture()],
  ['svn', () => svnFixture('svnserve')],
] as const)('flotilla repo with %s', (kind, makeFixture) => {
  let fx: VcsFixture;
  let repo: VcsRepository;
  const name = `manifests-${kind}`;
  const file = (n: string) => join(cli.dir, `${kind}-${n}`);
  let first: { id: string; display: string };

  beforeAll(async () => {
    fx = await makeFixture();
    repo = await fx.createRepo();
    await fx.externalCommit(repo, { 'README.md': 'fleet manifests\n' }, 'initial');
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('add registers it, with credentials from a file and a webhook secret from a file', async () => {
    await writeFile(file('secret'), 'a-webhook-secret-of-32-characters\n');
    await writeFile(file('password'), `${TEST_PASSWORD}\n`);
    const args =
      kind === 'svn'
        ? ['repo', 'add', name, '--svn', repo.url, '--path', 'trunk', '--username', 'alice']
        : ['repo', 'add', name, '--git', repo.url, '--branch', 'main'];
    if (kind === 'svn') args.push('--password-file', file('password'));
    if (kind === 'ssh') {
      // The deploy key and the pinned host keys, each a whole file (as ssh-keyscan writes one).
      await writeFile(file('key'), repo.credentials!.sshPrivateKey!, { mode: 0o600 });
      await writeFile(file('known_hosts'), repo.credentials!.knownHosts!);
      args.push('--ssh-key-file', file('key'), '--known-hosts-file', file('known_hosts'));
    }
    const out = await cli.ok([...args, '--webhook-secret-file', file('secret'), '--poll-interval', '30']);
    expect(out).toMatch(new RegExp(`^name:\\s+${name}\\n`));
    expect(out).toMatch(/webhook secret:\s+yes\n/);
    expect(out).toMatch(new RegExp(`credentials:\\s+${kind === 'git' ? 'no' : 'yes'}\\n`));
    const body = (await h.api('GET', `/api/v1/repositories/${name}`)).body;
    expect(body).toMatchObject({
      type: kind === 'svn' ? 'svn' : 'git',
      url: repo.url,
      pollIntervalSeconds: 30,
      hasWebhookSecret: true,
    });
    expect(JSON.stringify(body)).not.toContain(TEST_PASSWORD);
  });

  it('refresh polls it; get and list show it', async () => {
    const refreshed = await cli.json(['repo', 'refresh', name]);
    expect(refreshed.lastRevision).toBeTruthy();
    expect(refreshed.lastError).toBeNull();
    expect((await cli.json(['repo', 'get', name])).lastRevision).toBe(refreshed.lastRevision);
    const list = await cli.ok(['repo', 'list']);
    expect(list).toMatch(/^NAME\s+TYPE\s+URL\s+REF\s+LAST REVISION\s+LAST POLLED\s+ERROR\n/);
    expect(list).toContain(name);
  });

  it('put commits a file: the commit is in repo log and in the hub API', async () => {
    await writeFile(file('cm.yaml'), CM('web', 'one'));
    const out = await cli.ok([
      'repo',
      'put',
      name,
      'apps/web/cm.yaml',
      '-f',
      file('cm.yaml'),
      '-m',
      'Add web config',
    ]);
    const m = /^committed apps\/web\/cm\.yaml as (\S+)\n$/.exec(out);
    expect(m).toBeTruthy();
    expect(m![1]).toMatch(kind !== 'svn' ? /^main@sha1:[0-9a-f]{7}$/ : /^trunk@r\d+$/);
    const log = await cli.json(['repo', 'log', name]);
    expect(log[0]).toMatchObject({ message: 'Add web config', revision: { display: m![1] } });
    expect(log[0].changedPaths).toContain('apps/web/cm.yaml');
    first = log[0].revision;
    const api = await h.api('GET', `/api/v1/repositories/${name}/revisions?limit=1`);
    expect(api.body.items[0].revision).toEqual(first);
    const table = await cli.ok(['repo', 'log', name]);
    expect(table).toMatch(/^REVISION\s+AUTHOR\s+TIME\s+MESSAGE\n/);
    expect(table).toMatch(new RegExp(`${m![1].replace(/[.@]/g, '\\$&')}\\s+\\S.*Add web config\\n`));
    expect(table).toContain('initial');
  });

  it('ls lists directories and cat prints a file, now or at a revision', async () => {
    expect(await cli.ok(['repo', 'ls', name])).toMatch(
      /^NAME\s+TYPE\s+SIZE\nREADME\.md\s+file\s+(\d+|-)\napps\/\s+dir\s+-\n$/,
    );
    const tree = await cli.json(['repo', 'ls', name, 'apps/web']);
    expect(tree.entries.map((e: any) => e.name)).toEqual(['cm.yaml']);
    expect(await cli.ok(['repo', 'cat', name, 'apps/web/cm.yaml'])).toBe(CM('web', 'one'));
    await writeFile(file('cm2.yaml'), CM('web', 'two'));
    const second = await cli.json([
      'repo',
      'put',
      name,
      'apps/web/cm.yaml',
      '-f',
      file('cm2.yaml'),
      '-m',
      'Two',
      '--base',
      first.id,
    ]);
    expect(second.revision.id).not.toBe(first.id);
    expect(await cli.ok(['repo', 'cat', name, 'apps/web/cm.yaml'])).toBe(CM('web', 'two'));
    expect(await cli.ok(['repo', 'cat', name, 'apps/web/cm.yaml', '--revision', first.id])).toBe(
      CM('web', 'one'),
    );
    const old = await cli.json(['repo', 'ls', name, 'apps/web', '--revision', first.id]);
    expect(old.revision).toBe(first.id);
  });

  it('a stale --base is refused with 409 and the hub message; nothing is committed', async () => {
    const before = (await cli.json(['repo', 'log', name])).length;
    const r = await cli.run([
      'repo',
      'put',
      name,
      'apps/web/cm.yaml',
      '-f',
      file('cm.yaml'),
      '-m',
      'Stale',
      '--base',
      first.id,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flotilla: .*changed.*\n$/);
    expect((await cli.json(['repo', 'log', name])).length).toBe(before);
  });

  it('a broken manifest is refused with the file named; stdin works as the content', async () => {
    const bad = await cli.run(['repo', 'put', name, 'apps/web/bad.yaml', '-f', '-', '-m', 'Bad'], {
      input: 'kind: ConfigMap\n',
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^flotilla: .*bad\.yaml.*\n$/);
    const good = await cli.ok(['repo', 'put', name, 'apps/api/cm.yaml', '-f', '-', '-m', 'From stdin'], {
      input: CM('api', 'x'),
    });
    expect(good).toMatch(/^committed apps\/api\/cm\.yaml as /);
  });

  it('log --path and --limit narrow the history', async () => {
    const web = await cli.json(['repo', 'log', name, '--path', 'apps/web']);
    expect(web.map((c: any) => c.message)).toEqual(['Two', 'Add web config']);
    const one = await cli.json(['repo', 'log', name, '--limit', '1'], { env: { FLOTILLA_PAGE_SIZE: '1' } });
    expect(one.map((c: any) => c.message)).toEqual(['From stdin']);
  });

  it('rm deletes a file in a commit', async () => {
    const out = await cli.ok(['repo', 'rm', name, 'apps/api/cm.yaml', '-m', 'Drop api']);
    expect(out).toMatch(/^deleted apps\/api\/cm\.yaml in \S+\n$/);
    expect((await cli.json(['repo', 'log', name, '--limit', '1']))[0].message).toBe('Drop api');
    const gone = await cli.run(['repo', 'cat', name, 'apps/api/cm.yaml']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^flotilla: .*\n$/);
  });

  it('delete unregisters it', async () => {
    expect(await cli.ok(['repo', 'delete', name])).toBe(`repository ${name} deleted\n`);
    expect((await h.api('GET', `/api/v1/repositories/${name}`)).status).toBe(404);
  });
});

describe('repo add credentials', () => {
  it('takes the password from stdin, and never from a flag', async () => {
    const fx = await svnFixture('svnserve');
    try {
      const repo = await fx.createRepo();
      await cli.ok(
        [
          'repo',
          'add',
          'via-stdin',
          '--svn',
          repo.url,
          '--path',
          'trunk',
          '--username',
          'alice',
          '--password-stdin',
        ],
        {
          input: `${TEST_PASSWORD}\n`,
        },
      );
      expect((await cli.json(['repo', 'refresh', 'via-stdin'])).lastError).toBeNull();
      const noTty = await cli.run(['repo', 'add', 'x', '--svn', repo.url, '--username', 'alice']);
      expect(noTty.code).toBe(2);
      expect(noTty.stderr).toMatch(/^flotilla: no terminal to ask for the password/);
    } finally {
      await fx.close();
    }
  });
});

describe('flotilla repo with a Helm chart repository', () => {
  let charts: ChartRepoServer;
  beforeAll(async () => {
    charts = await startChartRepoServer({ helm: await ensureHelm() });
    await charts.publish('web', '1.0.0', { 'templates/cm.yaml': CM('web', '1') });
  }, 600_000);
  afterAll(async () => {
    await charts?.close();
  });

  it('add --helm registers it; refresh, ls and cat read charts; branch and path are refused', async () => {
    const out = await cli.ok(['repo', 'add', 'charts', '--helm', charts.url]);
    expect(out).toMatch(/^name:\s+charts\n/);
    expect(out).toMatch(/type:\s+helm\n/);
    expect(out).not.toMatch(/^(branch|path):/m);
    const refreshed = await cli.json(['repo', 'refresh', 'charts']);
    expect(refreshed.lastRevision).toMatch(/^[0-9a-f]{64}$/);
    expect(refreshed.lastError).toBeNull();
    expect(await cli.ok(['repo', 'ls', 'charts', 'web'])).toMatch(/^1\.0\.0\/\s+dir/m);
    expect(await cli.ok(['repo', 'cat', 'charts', 'web/1.0.0/templates/cm.yaml'])).toBe(CM('web', '1'));
    const bad = await cli.run(['repo', 'add', 'charts-bad', '--helm', charts.url, '--branch', 'main']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--branch and --path do not apply to a Helm chart repository');
  });
});
