import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.js';
import { GitBackend } from '../../src/vcs/git/git.backend.js';
import { GitCliBackend } from '../../src/vcs/git/git-cli.backend.js';
import { type VcsBackend, type VcsRepository } from '../../src/vcs/vcs-backend.js';
import { VcsAuthenticationError } from '../../src/vcs/vcs.errors.js';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.js';
import { RecordingRunner } from '../support/recording-runner.js';
import { pushFirstCommit, run } from '../support/vcs-process.js';

/** Both Git implementations; each test gets a backend with its own cache directory. */
const implementations: [string, (cacheDir: string) => VcsBackend][] = [
  ['isomorphic-git', (cacheDir) => new GitBackend({ cacheDir })],
  ['git CLI', (cacheDir) => new GitCliBackend({ cacheDir })],
];

/** Git-only promises the contract cannot express: round-trips, tokens, default branch. */
describe.each(implementations)('Git backend specifics (%s)', (_name, makeBackend) => {
  let server: GitHttpServer;
  let scratch: string;
  let repo: VcsRepository;

  beforeAll(async () => {
    server = await startGitHttpServer({ auth: { username: 'ci', password: 'tok-123456' } });
    scratch = await mkdtemp(join(tmpdir(), 'flotilla-git-specific-'));
    const bare = await server.createRepo('specific');
    await pushFirstCommit(bare, join(scratch, 'wt'), 'first');
    repo = {
      id: 'specific',
      type: 'git',
      url: server.url('specific'),
      branch: 'main',
      path: null,
      credentials: { username: 'ci', token: 'tok-123456' },
    };
  });

  afterAll(async () => {
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('an unchanged poll is exactly one HTTP request (ref advertisement, no pack)', async () => {
    const backend = makeBackend(join(scratch, 'cache-a'));
    const first = await backend.resolve(repo);
    const before = server.requests;
    const again = await backend.resolve(repo);
    expect(server.requests - before).toBe(1);
    expect(again.id).toBe(first.id);
  });

  it('a token is sent as basic auth with the token as password', async () => {
    const backend = makeBackend(join(scratch, 'cache-b'));
    const rev = await backend.resolve({ ...repo, credentials: { username: 'ci', token: 'tok-123456' } });
    expect(rev.id).toMatch(/^[0-9a-f]{40}$/);
  });

  it('a null branch follows the remote default branch', async () => {
    const backend = makeBackend(join(scratch, 'cache-c'));
    const rev = await backend.resolve({ ...repo, branch: null });
    expect(rev.display).toMatch(/^main@sha1:/);
    const page = await backend.history({ ...repo, branch: null }, { limit: 5 });
    expect(page.items.map((c) => c.message)).toEqual(['first']);
  });

  it('a snapshot is the stored content: .gitattributes export-ignore / export-subst change nothing', async () => {
    const wt = join(scratch, 'wt');
    await run('git', [
      '-C',
      wt,
      'fetch',
      '--quiet',
      server.url('specific').replace('http://', 'http://ci:tok-123456@'),
      'main',
    ]);
    await run('git', ['-C', wt, 'reset', '--quiet', '--hard', 'FETCH_HEAD']);
    await mkdir(join(wt, 'attrs'), { recursive: true });
    await writeFile(
      join(wt, 'attrs', '.gitattributes'),
      'hidden.yaml export-ignore\nsubst.yaml export-subst\n',
    );
    await writeFile(join(wt, 'attrs', 'hidden.yaml'), 'kind: Secret\n');
    await writeFile(join(wt, 'attrs', 'subst.yaml'), 'rev: $Format:%H$\n');
    await run('git', ['-C', wt, 'add', '-A']);
    await run('git', [
      '-C',
      wt,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@e',
      'commit',
      '--quiet',
      '-m',
      'attrs',
    ]);
    await run('git', [
      '-C',
      wt,
      'push',
      '--quiet',
      join(server.root, 'specific.git'),
      'HEAD:refs/heads/main',
    ]);
    const backend = makeBackend(join(scratch, `cache-attrs-${_name.replace(/\W/g, '')}`));
    const rev = await backend.resolve(repo);
    const snap = await backend.snapshot(repo, rev.id, 'attrs');
    expect(snap.files.get('attrs/hidden.yaml')?.toString()).toBe('kind: Secret\n');
    expect(snap.files.get('attrs/subst.yaml')?.toString()).toBe('rev: $Format:%H$\n');
  });

  it('a snapshot keeps long and non-ASCII paths, executable files and empty files intact', async () => {
    const wt = join(scratch, 'wt');
    const long = `deep/${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(80)}.yaml`;
    await run('git', ['-C', wt, 'fetch', '--quiet', join(server.root, 'specific.git'), 'main']);
    await run('git', ['-C', wt, 'reset', '--quiet', '--hard', 'FETCH_HEAD']);
    await mkdir(join(wt, long, '..'), { recursive: true });
    await writeFile(join(wt, long), 'long: true\n');
    await mkdir(join(wt, 'deep', 'ünïcødé ✓'), { recursive: true });
    await writeFile(join(wt, 'deep', 'ünïcødé ✓', 'naïve.yaml'), 'x: ü\n');
    await writeFile(join(wt, 'deep', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(join(wt, 'deep', 'empty.yaml'), '');
    await run('git', ['-C', wt, 'add', '-A']);
    await run('git', [
      '-C',
      wt,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@e',
      'commit',
      '--quiet',
      '-m',
      'deep',
    ]);
    await run('git', [
      '-C',
      wt,
      'push',
      '--quiet',
      join(server.root, 'specific.git'),
      'HEAD:refs/heads/main',
    ]);
    const backend = makeBackend(join(scratch, `cache-deep-${_name.replace(/\W/g, '')}`));
    const rev = await backend.resolve(repo);
    const snap = await backend.snapshot(repo, rev.id, 'deep');
    expect([...snap.files.keys()].sort()).toEqual(
      [long, 'deep/empty.yaml', 'deep/run.sh', 'deep/ünïcødé ✓/naïve.yaml'].sort(),
    );
    expect(snap.files.get(long)?.toString()).toBe('long: true\n');
    expect(snap.files.get('deep/ünïcødé ✓/naïve.yaml')?.toString()).toBe('x: ü\n');
    expect(snap.files.get('deep/empty.yaml')?.length).toBe(0);
    expect(snap.totalBytes).toBe('long: true\n'.length + Buffer.byteLength('x: ü\n') + '#!/bin/sh\n'.length);
  });

  it('refuses credentials in the URL, non-HTTP URLs, unsafe ids and branch names before any IO', async () => {
    const backend = makeBackend(join(scratch, 'cache-d'));
    const before = server.requests;
    for (const bad of [
      { ...repo, url: repo.url.replace('http://', 'http://ci:tok-123456@') },
      { ...repo, url: 'ssh://git:tok-123456@example.com/x.git' },
      { ...repo, url: 'git://example.com/x.git' },
      { ...repo, url: 'file:///etc' },
      { ...repo, id: '../escape' },
      { ...repo, branch: '--upload-pack=touch' },
      { ...repo, branch: 'a..b' },
    ]) {
      const err = await backend.resolve(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(String((err as Error).message)).not.toContain('tok-123456');
    }
    expect(server.requests).toBe(before);
  });
});

describe('git CLI invocations', () => {
  let server: GitHttpServer;
  let scratch: string;
  const TOKEN = 'cli-tok-98765';

  beforeAll(async () => {
    server = await startGitHttpServer({ auth: { username: 'ci', password: TOKEN } });
    scratch = await mkdtemp(join(tmpdir(), 'flotilla-git-cli-'));
    const bare = await server.createRepo('argv');
    await pushFirstCommit(bare, join(scratch, 'wt'));
  });

  afterAll(async () => {
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('keep credentials out of argv, run in a clean environment and refuse every transport but http(s)', async () => {
    const runner = new RecordingRunner();
    const backend = new GitCliBackend({ cacheDir: join(scratch, 'cache'), runner });
    const repo: VcsRepository = {
      id: 'argv',
      type: 'git',
      url: server.url('argv'),
      branch: 'main',
      path: null,
      credentials: { username: 'ci', token: TOKEN },
    };
    const rev = await backend.resolve(repo);
    await backend.commit(repo, [{ path: 'a.yaml', content: Buffer.from('a: 1\n') }], {
      message: 'through the CLI',
      author: { name: 'ci' },
      baseRevision: rev.id,
    });
    const basic = Buffer.from(`ci:${TOKEN}`).toString('base64');
    const network = runner.calls.filter((c) => c.args.includes('fetch') || c.args.includes('push'));
    expect(network.map((c) => c.args.find((a) => a === 'fetch' || a === 'push'))).toEqual(
      expect.arrayContaining(['fetch', 'push']),
    );
    for (const call of runner.calls) {
      const argv = call.args.join(' ');
      expect(argv).not.toContain(TOKEN);
      expect(argv).not.toContain(basic);
      expect(call.args).toEqual(expect.arrayContaining(['protocol.allow=never', 'core.hooksPath=/dev/null']));
      expect(call.env.GIT_CONFIG_NOSYSTEM).toBe('1');
      expect(call.env.GIT_TERMINAL_PROMPT).toBe('0');
      expect(call.env.HOME).not.toBe(process.env.HOME);
      for (const key of Object.keys(process.env).filter((k) =>
        /^(GIT_DIR|SSH_AUTH_SOCK|HTTPS?_PROXY)$/i.test(k),
      ))
        expect(call.env[key]).toBeUndefined();
    }
    for (const call of network) {
      // The URL comes after `--`: never read as an option.
      expect(call.args.indexOf('--')).toBeLessThan(call.args.indexOf(repo.url));
      expect(call.env.GIT_CONFIG_VALUE_0).toBe(`Authorization: Basic ${basic}`);
    }
    // Nothing of the secret was written into the cache directory.
    const config = await run('git', [
      '--git-dir',
      join(scratch, 'cache', 'argv'),
      'config',
      '--list',
      '--local',
    ]);
    expect(config).not.toContain(TOKEN);
    expect(config).not.toContain(basic);
  });

  it('follow redirects themselves, under the policy, never sending credentials to another origin', async () => {
    const seen: (string | undefined)[] = [];
    const redirector = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res
        .writeHead(302, { location: `${server.url('argv')}${(req.url ?? '').replace(/^\/[^/]+\.git/, '')}` })
        .end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    try {
      const port = (redirector.address() as AddressInfo).port;
      const backend = new GitCliBackend({ cacheDir: join(scratch, 'cache-redirect') });
      const before = server.requests;
      const err = await backend
        .resolve({
          id: 'redirected',
          type: 'git',
          url: `http://127.0.0.1:${port}/moved.git`,
          branch: 'main',
          path: null,
          credentials: { username: 'ci', token: TOKEN },
        })
        .catch((e: unknown) => e);
      // The Git server behind the redirect accepts this very token: the resolve would succeed
      // if the header had followed the redirect to the other origin.
      expect(err).toBeInstanceOf(VcsAuthenticationError);
      expect(String((err as Error).message)).not.toContain(TOKEN);
      expect(String((err as Error).message)).toContain(`127.0.0.1:${port}/moved.git`);
      expect(seen[0]).toBe(`Basic ${Buffer.from(`ci:${TOKEN}`).toString('base64')}`);
      expect(server.requests).toBeGreaterThan(before);
    } finally {
      await new Promise<void>((r) => redirector.close(() => r()));
    }
  });
});
