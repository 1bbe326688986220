import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from '../../src/domain/egress-policy.js';
import { EgressGuard, EgressRefusedError, type HostResolver } from '../../src/vcs/egress-guard.js';
import { GitBackend } from '../../src/vcs/git/git.backend.js';
import { GitCliBackend } from '../../src/vcs/git/git-cli.backend.js';
import { guardedHttpClient } from '../../src/vcs/git/guarded-http.js';
import { type VcsBackend, type VcsRepository } from '../../src/vcs/vcs-backend.js';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.js';
import { pushFirstCommit } from '../support/vcs-process.js';

/**
 * A resolver answering from a table, for names no real DNS knows. It stands in for DNS only;
 * the Git server, the HTTP client and the connection are real.
 */
function tableResolver(table: Record<string, string[]>): HostResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    resolve(host) {
      asked.push(host);
      const a = table[host];
      if (!a) return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
      return Promise.resolve(a);
    },
  };
}

/** Both Git implementations, each given the guard the way the registry gives it. */
const implementations: [string, (cacheDir: string, guard: EgressGuard) => VcsBackend][] = [
  ['isomorphic-git', (cacheDir, guard) => new GitBackend({ cacheDir, http: guardedHttpClient(guard) })],
  ['git CLI', (cacheDir, guard) => new GitCliBackend({ cacheDir, egress: guard })],
];

describe.each(implementations)('egress guard on the Git client (%s)', (_name, makeBackend) => {
  let server: GitHttpServer;
  let scratch: string;
  let port: number;

  beforeAll(async () => {
    server = await startGitHttpServer();
    scratch = await mkdtemp(join(tmpdir(), 'flotilla-egress-'));
    const bare = await server.createRepo('pinned');
    await pushFirstCommit(bare, join(scratch, 'wt'));
    port = Number(new URL(server.url('pinned')).port);
  });
  afterAll(async () => {
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const repoAt = (host: string): VcsRepository => ({
    id: `pinned-${host.replace(/[^a-z0-9]/g, '-')}`,
    type: 'git',
    url: `http://${host}:${port}/pinned.git`,
    branch: 'main',
    path: null,
    credentials: null,
  });

  it('connects to the address it checked, not to a second DNS answer', async () => {
    // git.flotilla.test exists only in this resolver: the request can only succeed if the
    // socket goes to the address the guard checked.
    const resolver = tableResolver({ 'git.flotilla.test': ['127.0.0.1'] });
    const guard = new EgressGuard(parseAllowList(`127.0.0.1:${port}`), resolver);
    const backend = makeBackend(join(scratch, 'c1'), guard);
    const rev = await backend.resolve(repoAt('git.flotilla.test'));
    expect(rev.id).toMatch(/^[0-9a-f]{40}$/);
    expect(resolver.asked).toContain('git.flotilla.test');
    // A snapshot (clone) goes through the same client.
    expect((await backend.snapshot(repoAt('git.flotilla.test'), rev.id, '')).files.size).toBe(0);
  });

  it('refuses a name that resolves to a forbidden address among public ones', async () => {
    const resolver = tableResolver({ 'mixed.flotilla.test': ['93.184.216.34', '127.0.0.1'] });
    const guard = new EgressGuard([], resolver);
    const backend = makeBackend(join(scratch, 'c2'), guard);
    const err = await backend.resolve(repoAt('mixed.flotilla.test')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EgressRefusedError);
    expect((err as EgressRefusedError).message).toBe('refused by egress policy');
    expect((err as EgressRefusedError).detail).toMatch(/127\.0\.0\.1\) is a loopback address/);
  });

  it('honours the port of an allow-list entry', async () => {
    const guard = new EgressGuard(parseAllowList(`127.0.0.1:${port + 1}`), tableResolver({}));
    await expect(guard.check(`http://127.0.0.1:${port}/x`)).rejects.toBeInstanceOf(EgressRefusedError);
    await expect(guard.check(`http://127.0.0.1:${port + 1}/x`)).resolves.toMatchObject({ port: port + 1 });
  });
});
