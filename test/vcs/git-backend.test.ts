import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.js';
import { GitBackend } from '../../src/vcs/git/git.backend.js';
import { type VcsRepository } from '../../src/vcs/vcs-backend.js';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.js';
import { run } from '../support/vcs-process.js';

/** Git-only promises the contract cannot express: round-trips, tokens, default branch. */
describe('GitBackend specifics', () => {
  let server: GitHttpServer;
  let scratch: string;
  let repo: VcsRepository;

  beforeAll(async () => {
    server = await startGitHttpServer({ auth: { username: 'ci', password: 'tok-123456' } });
    scratch = await mkdtemp(join(tmpdir(), 'flotilla-git-specific-'));
    const bare = await server.createRepo('specific');
    const wt = join(scratch, 'wt');
    await run('git', ['init', '--quiet', '--initial-branch=main', wt]);
    await run('git', [
      '-C',
      wt,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@e',
      'commit',
      '--quiet',
      '--allow-empty',
      '-m',
      'first',
    ]);
    await run('git', ['-C', wt, 'push', '--quiet', bare, 'HEAD:refs/heads/main']);
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
    const backend = new GitBackend({ cacheDir: join(scratch, 'cache-a') });
    const first = await backend.resolve(repo);
    const before = server.requests;
    const again = await backend.resolve(repo);
    expect(server.requests - before).toBe(1);
    expect(again.id).toBe(first.id);
  });

  it('a token is sent as basic auth with the token as password', async () => {
    const backend = new GitBackend({ cacheDir: join(scratch, 'cache-b') });
    const rev = await backend.resolve({ ...repo, credentials: { username: 'ci', token: 'tok-123456' } });
    expect(rev.id).toMatch(/^[0-9a-f]{40}$/);
  });

  it('a null branch follows the remote default branch', async () => {
    const backend = new GitBackend({ cacheDir: join(scratch, 'cache-c') });
    const rev = await backend.resolve({ ...repo, branch: null });
    expect(rev.display).toMatch(/^main@sha1:/);
    const page = await backend.history({ ...repo, branch: null }, { limit: 5 });
    expect(page.items.map((c) => c.message)).toEqual(['first']);
  });

  it('refuses credentials in the URL, non-HTTP URLs, unsafe ids and branch names before any IO', async () => {
    const backend = new GitBackend({ cacheDir: join(scratch, 'cache-d') });
    const before = server.requests;
    for (const bad of [
      { ...repo, url: repo.url.replace('http://', 'http://ci:tok-123456@') },
      { ...repo, url: 'ssh://git@example.com/x.git' },
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
