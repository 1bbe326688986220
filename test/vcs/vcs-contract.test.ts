import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError, TooLargeError } from '../../src/domain/errors.js';
import { type Revision, type VcsBackend, type VcsRepository } from '../../src/vcs/vcs-backend.js';
import { VcsAuthenticationError } from '../../src/vcs/vcs.errors.js';
import {
  gitFixture,
  gitSshFixture,
  svnFixture,
  TEST_PASSWORD,
  type VcsFixture,
  WRONG_PASSWORD,
} from '../support/vcs-fixtures.js';

/**
 * The contract every VcsBackend honours, run unchanged against Git (smart HTTP, with and
 * without basic auth, through both isomorphic-git and the git CLI; SSH with a deploy key through the
 * git CLI) and SVN (svnserve with a passwd file, and file://), each a real server.
 */
const fixtures: [string, () => Promise<VcsFixture>][] = [
  ['git over HTTP without auth (isomorphic-git)', () => gitFixture(false, 'isomorphic')],
  ['git over HTTP with basic auth (isomorphic-git)', () => gitFixture(true, 'isomorphic')],
  ['git over HTTP without auth (git CLI)', () => gitFixture(false, 'cli')],
  ['git over HTTP with basic auth (git CLI)', () => gitFixture(true, 'cli')],
  ['git over SSH with a deploy key (git CLI)', () => gitSshFixture()],
  ['svn:// with passwd', () => svnFixture('svnserve')],
  ['svn file://', () => svnFixture('file')],
];

const FILE_LIMIT = 64 * 1024;
const deploy = (v: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {version: "v${v}"}\n`;
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n';
const API = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n';

/** Asserts a promise rejects with an instance of `type` and returns the error. */
async function rejection<T extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => T,
): Promise<T> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as T;
  }
  throw new Error(`expected a ${type.name}, but the call succeeded`);
}

describe.each(fixtures)('VCS contract: %s', (_name, makeFixture) => {
  let fx: VcsFixture;
  let backend: VcsBackend;
  let repo: VcsRepository;
  /** Revisions of the seeded history: the layout, then deployment v2, v3, v4. */
  const seeded: Revision[] = [];
  let scratch: string;

  beforeAll(async () => {
    fx = await makeFixture();
    backend = await fx.backend({ maxFileBytes: FILE_LIMIT });
    repo = await fx.createRepo();
    scratch = await mkdtemp(join(tmpdir(), 'flotilla-vcs-contract-'));
    await fx.externalCommit(
      repo,
      {
        'README.md': '# demo\n',
        'apps/web/deployment.yaml': deploy(1),
        'apps/web/service.yaml': SERVICE,
        'apps/api/deployment.yaml': API,
        'links/inside': { symlink: '../apps/web/service.yaml' },
        'links/outside': { symlink: '../../../../../../etc/passwd' },
        'links/absolute': { symlink: '/etc/passwd' },
        'big/blob.bin': Buffer.alloc(FILE_LIMIT + 1024, 7),
      },
      'seed layout',
    );
    seeded.push(await backend.resolve(repo));
    for (const v of [2, 3, 4]) {
      await fx.externalCommit(repo, { 'apps/web/deployment.yaml': deploy(v) }, `web v${v}`);
      seeded.push(await backend.resolve(repo));
    }
  });

  afterAll(async () => {
    await fx?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('resolve returns the newest revision, stable while nothing changes, with a display form', async () => {
    const a = await backend.resolve(repo);
    const b = await backend.resolve(repo);
    expect(a).toEqual(b);
    expect(a.display).toMatch(fx.display);
    expect(new Set(seeded.map((r) => r.id)).size).toBe(4);
    expect((await backend.refresh(repo)).id).toBe(a.id);
  });

  it('resolve sees an outside commit; old revisions stay readable', async () => {
    const before = await backend.resolve(repo);
    await fx.externalCommit(repo, { 'apps/api/deployment.yaml': `${API}# tuned\n` }, 'tune api');
    const after = await backend.resolve(repo);
    expect(after.id).not.toBe(before.id);
    expect((await backend.read(repo, after.id, 'apps/api/deployment.yaml')).toString()).toBe(
      `${API}# tuned\n`,
    );
    expect((await backend.read(repo, before.id, 'apps/api/deployment.yaml')).toString()).toBe(API);
    expect((await backend.read(repo, seeded[0].id, 'apps/web/deployment.yaml')).toString()).toBe(deploy(1));
  });

  it('tree lists files, directories and symlinks of one directory', async () => {
    const rev = seeded[3].id;
    const root = await backend.tree(repo, rev, '');
    const byName = Object.fromEntries(root.map((e) => [e.name, e]));
    expect(byName['README.md']).toMatchObject({ path: 'README.md', type: 'file' });
    expect(byName.apps).toMatchObject({ path: 'apps', type: 'dir' });
    const links = await backend.tree(repo, rev, 'links');
    expect(links.map((e) => [e.path, e.type, e.target]).sort()).toEqual([
      ['links/absolute', 'symlink', '/etc/passwd'],
      ['links/inside', 'symlink', '../apps/web/service.yaml'],
      ['links/outside', 'symlink', '../../../../../../etc/passwd'],
    ]);
    expect((await backend.tree(repo, rev, 'apps/web')).map((e) => e.path).sort()).toEqual([
      'apps/web/deployment.yaml',
      'apps/web/service.yaml',
    ]);
    await rejection(backend.tree(repo, rev, 'nope'), NotFoundError);
    await rejection(backend.tree(repo, rev, 'README.md'), InvalidInputError);
  });

  it('read returns bytes; follows symlinks only inside the repository', async () => {
    const rev = seeded[3].id;
    expect((await backend.read(repo, rev, 'apps/web/deployment.yaml')).toString()).toBe(deploy(4));
    expect((await backend.read(repo, rev, 'links/inside')).toString()).toBe(SERVICE);
    expect((await rejection(backend.read(repo, rev, 'links/outside'), InvalidInputError)).message).toMatch(
      /symlink points outside/,
    );
    await rejection(backend.read(repo, rev, 'links/absolute'), InvalidInputError);
    await rejection(backend.read(repo, rev, 'apps/missing.yaml'), NotFoundError);
    await rejection(backend.read(repo, rev, 'apps'), InvalidInputError);
    await rejection(backend.read(repo, rev, 'big/blob.bin'), TooLargeError);
  });

  it('refuses paths that could escape: .., absolute, backslash, control characters', async () => {
    const rev = seeded[3].id;
    for (const bad of [
      '../etc/passwd',
      'apps/../../x',
      '/etc/passwd',
      'apps\\web',
      'apps/\u0000x',
      'a//b',
      './a',
    ]) {
      await rejection(backend.read(repo, rev, bad), InvalidInputError);
      await rejection(
        backend.commit(repo, [{ path: bad, content: Buffer.from('x') }], {
          message: 'm',
          author: { name: 'a' },
        }),
        InvalidInputError,
      );
    }
    await rejection(backend.tree(repo, rev, '../'), InvalidInputError);
    await rejection(backend.snapshot(repo, rev, '/apps'), InvalidInputError);
    await rejection(backend.history(repo, { path: '../x', limit: 5 }), InvalidInputError);
  });

  it('snapshot returns every file under a path, within limits', async () => {
    const snap = await backend.snapshot(repo, seeded[3].id, 'apps');
    expect([...snap.files.keys()].sort()).toEqual([
      'apps/api/deployment.yaml',
      'apps/web/deployment.yaml',
      'apps/web/service.yaml',
    ]);
    expect(snap.files.get('apps/web/deployment.yaml')!.toString()).toBe(deploy(4));
    expect(snap.totalBytes).toBe(deploy(4).length + SERVICE.length + API.length);
    expect(snap.revision.id).toBe(seeded[3].id);
    const web = await backend.snapshot(repo, seeded[0].id, 'apps/web');
    expect(web.files.get('apps/web/deployment.yaml')!.toString()).toBe(deploy(1));
    // Repository content is untrusted: an escaping symlink fails the snapshot, a big file too.
    await rejection(backend.snapshot(repo, seeded[3].id, 'links'), InvalidInputError);
    await rejection(backend.snapshot(repo, seeded[3].id, 'big'), TooLargeError);
    const small = await fx.backend({ maxSnapshotBytes: 100 });
    await rejection(small.snapshot(repo, seeded[3].id, 'apps'), TooLargeError);
    await rejection(backend.snapshot(repo, seeded[3].id, 'README.md'), InvalidInputError);
    await rejection(backend.snapshot(repo, seeded[3].id, 'nope'), NotFoundError);
  });

  it('history pages through commits newest first, optionally for one path', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await backend.history(repo, { path: 'apps/web', limit: 2, cursor });
      expect(page.items.length).toBeGreaterThan(0);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c) => c.revision.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([seeded[3], seeded[2], seeded[1], seeded[0]].map((r) => r.id));
    expect(pages).toBe(2);

    const all = await backend.history(repo, { limit: 100 });
    const [first] = (await backend.history(repo, { path: 'apps/web/deployment.yaml', limit: 1 })).items;
    expect(first).toMatchObject({ message: 'web v4', changedPaths: ['apps/web/deployment.yaml'] });
    expect(first.author.name).toMatch(/olga/i);
    expect(first.time).toBeInstanceOf(Date);
    expect(Math.abs(first.time.getTime() - Date.now())).toBeLessThan(10 * 60_000);
    // Pages of the whole history, put together, are the unpaginated history.
    const paged: string[] = [];
    cursor = null;
    do {
      const page = await backend.history(repo, { limit: 3, cursor });
      paged.push(...page.items.map((c) => c.revision.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.items.map((c) => c.revision.id));
    expect(all.items.find((c) => c.revision.id === seeded[0].id)!.changedPaths).toEqual(
      expect.arrayContaining(['README.md', 'apps/web/deployment.yaml', 'links/inside', 'big/blob.bin']),
    );
    await rejection(backend.history(repo, { limit: 2, cursor: 'not-a-cursor' }), InvalidInputError);
    await rejection(backend.history(repo, { limit: 0 }), InvalidInputError);
  });

  it('changedPaths lists files that differ between two revisions', async () => {
    expect(await backend.changedPaths(repo, seeded[0].id, seeded[3].id)).toEqual([
      'apps/web/deployment.yaml',
    ]);
    expect(await backend.changedPaths(repo, seeded[2].id, seeded[2].id)).toEqual([]);
  });

  it('isAncestor: an older revision is an ancestor of a newer one, not the other way round', async () => {
    expect(await backend.isAncestor(repo, seeded[0].id, seeded[3].id)).toBe(true);
    expect(await backend.isAncestor(repo, seeded[2].id, seeded[2].id)).toBe(true);
    expect(await backend.isAncestor(repo, seeded[3].id, seeded[0].id)).toBe(false);
    await rejection(backend.isAncestor(repo, 'not-a-revision', seeded[0].id), InvalidInputError);
  });

  it('commit adds, modifies and deletes files as the API caller', async () => {
    const base = await backend.resolve(repo);
    const rev = await backend.commit(
      repo,
      [
        { path: 'apps/new/config.yaml', content: Buffer.from('kind: ConfigMap\n') },
        { path: 'apps/web/service.yaml', content: Buffer.from(`${SERVICE}# v2\n`) },
        { path: 'README.md', delete: true },
      ],
      {
        message: 'add new app\n\nwith a body',
        author: { name: 'ci-token', email: 'ci@example.com' },
        baseRevision: base.id,
      },
    );
    expect(rev.id).not.toBe(base.id);
    expect(rev.display).toMatch(fx.display);
    expect((await backend.resolve(repo)).id).toBe(rev.id);
    expect((await backend.read(repo, rev.id, 'apps/new/config.yaml')).toString()).toBe('kind: ConfigMap\n');
    expect((await backend.read(repo, rev.id, 'apps/web/service.yaml')).toString()).toBe(`${SERVICE}# v2\n`);
    await rejection(backend.read(repo, rev.id, 'README.md'), NotFoundError);
    expect((await backend.read(repo, base.id, 'README.md')).toString()).toBe('# demo\n');
    const [latest] = (await backend.history(repo, { limit: 1 })).items;
    expect(latest.revision.id).toBe(rev.id);
    expect(latest.author).toEqual({ name: 'ci-token', email: 'ci@example.com' });
    expect(latest.message).toBe('add new app\n\nwith a body');
    expect(latest.changedPaths).toEqual(
      expect.arrayContaining(['README.md', 'apps/new/config.yaml', 'apps/web/service.yaml']),
    );
    expect(await backend.changedPaths(repo, base.id, rev.id)).toEqual(
      expect.arrayContaining(['README.md', 'apps/new/config.yaml', 'apps/web/service.yaml']),
    );
    // A second backend (another hub replica, cold cache) sees the same thing.
    const other = await fx.backend();
    expect((await other.resolve(repo)).id).toBe(rev.id);
  });

  it('refuses a stale baseRevision for a path changed since (409) but not for other paths', async () => {
    const base = await backend.resolve(repo);
    await fx.externalCommit(repo, { 'apps/api/deployment.yaml': `${API}# outside edit\n` }, 'outside edit');
    const err = await rejection(
      backend.commit(repo, [{ path: 'apps/api/deployment.yaml', content: Buffer.from('mine\n') }], {
        message: 'stale',
        author: { name: 'bob' },
        baseRevision: base.id,
      }),
      ConflictError,
    );
    expect(err.message).toMatch(/apps\/api\/deployment\.yaml/);
    const head = await backend.resolve(repo);
    expect((await backend.read(repo, head.id, 'apps/api/deployment.yaml')).toString()).toBe(
      `${API}# outside edit\n`,
    );
    // Another path, same stale base: no conflict, and the outside edit is kept.
    const rev = await backend.commit(
      repo,
      [{ path: 'apps/web/extra.yaml', content: Buffer.from('x: 1\n') }],
      { message: 'unrelated', author: { name: 'bob' }, baseRevision: base.id },
    );
    expect((await backend.read(repo, rev.id, 'apps/api/deployment.yaml')).toString()).toBe(
      `${API}# outside edit\n`,
    );
    expect((await backend.read(repo, rev.id, 'apps/web/extra.yaml')).toString()).toBe('x: 1\n');
  });

  it('concurrent writers on the same base: exactly one wins, the other gets 409, nothing is lost', async () => {
    const base = await backend.resolve(repo);
    const replica = await fx.backend();
    const write = (b: VcsBackend, who: string) =>
      b.commit(repo, [{ path: 'apps/web/deployment.yaml', content: Buffer.from(`by ${who}\n`) }], {
        message: `edit by ${who}`,
        author: { name: who },
        baseRevision: base.id,
      });
    const results = await Promise.allSettled([write(backend, 'alpha'), write(replica, 'beta')]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toBeInstanceOf(ConflictError);
    const winner = won[0].value;
    const head = await backend.resolve(repo);
    expect(head.id).toBe(winner.id);
    const content = (await backend.read(repo, head.id, 'apps/web/deployment.yaml')).toString();
    expect(['by alpha\n', 'by beta\n']).toContain(content);
    // Nothing lost: the base and everything before it are still in the history.
    const ids = (await backend.history(repo, { limit: 100 })).items.map((c) => c.revision.id);
    expect(ids[0]).toBe(winner.id);
    expect(ids).toContain(base.id);
    expect(ids).toContain(seeded[0].id);

    // Different paths on the same base do not conflict: both land.
    const base2 = await backend.resolve(repo);
    const both = await Promise.all([
      backend.commit(repo, [{ path: 'par/one.yaml', content: Buffer.from('1\n') }], {
        message: 'one',
        author: { name: 'alpha' },
        baseRevision: base2.id,
      }),
      replica.commit(repo, [{ path: 'par/two.yaml', content: Buffer.from('2\n') }], {
        message: 'two',
        author: { name: 'beta' },
        baseRevision: base2.id,
      }),
    ]);
    const final = await backend.resolve(repo);
    expect(both.map((r) => r.id)).toContain(final.id);
    expect((await backend.read(repo, final.id, 'par/one.yaml')).toString()).toBe('1\n');
    expect((await backend.read(repo, final.id, 'par/two.yaml')).toString()).toBe('2\n');
  });

  it('commit refuses oversize files, deleting what is not there, and bad requests', async () => {
    await rejection(
      backend.commit(repo, [{ path: 'big/new.bin', content: Buffer.alloc(FILE_LIMIT + 1) }], {
        message: 'm',
        author: { name: 'a' },
      }),
      TooLargeError,
    );
    await rejection(
      backend.commit(repo, [{ path: 'nothing/here.yaml', delete: true }], {
        message: 'm',
        author: { name: 'a' },
      }),
      NotFoundError,
    );
    await rejection(backend.commit(repo, [], { message: 'm', author: { name: 'a' } }), InvalidInputError);
    await rejection(
      backend.commit(repo, [{ path: 'x.yaml', content: Buffer.from('x') }], {
        message: '',
        author: { name: 'a' },
      }),
      InvalidInputError,
    );
    await rejection(
      backend.commit(repo, [{ path: 'x.yaml', content: Buffer.from('x') }], {
        message: 'm',
        author: { name: '' },
      }),
      InvalidInputError,
    );
    await rejection(
      backend.commit(repo, [{ path: 'apps', content: Buffer.from('x') }], {
        message: 'm',
        author: { name: 'a' },
      }),
      InvalidInputError,
    );
    await rejection(
      backend.commit(repo, [{ path: 'x.yaml', content: Buffer.from('x') }], {
        message: 'm',
        author: { name: 'a' },
        baseRevision: 'nope;rm -rf /',
      }),
      InvalidInputError,
    );
  });

  it('shell metacharacters in message, path and author are data: nothing runs', async () => {
    const marker = join(scratch, 'marker');
    const inject = `$(touch ${marker})\`touch ${marker}\`; touch ${marker} && touch ${marker} | touch ${marker}`;
    const path = `inject/$(touch ${marker})\`touch ${marker}\`;x& '"%40@HEAD #.yaml`;
    const rev = await backend.commit(repo, [{ path, content: Buffer.from('payload\n') }], {
      message: `${inject}\ntouch ${marker}\n`,
      author: { name: `$(touch ${marker}) \`touch ${marker}\`; touch ${marker}` },
    });
    expect((await backend.read(repo, rev.id, path)).toString()).toBe('payload\n');
    const [latest] = (await backend.history(repo, { limit: 1 })).items;
    expect(latest.message).toBe(
      `${inject}\ntouch ${marker}\n`.replace(/\n$/, fx.name.startsWith('git') ? '' : '\n'),
    );
    expect(latest.author.name).toBe(`$(touch ${marker}) \`touch ${marker}\`; touch ${marker}`);
    expect(latest.changedPaths).toContain(path);
    // A newline in the author would forge a header line: refused, not run.
    await rejection(
      backend.commit(repo, [{ path: 'x.yaml', content: Buffer.from('x') }], {
        message: 'm',
        author: { name: `a\ntouch ${marker}` },
      }),
      InvalidInputError,
    );
    await rejection(
      backend.commit(repo, [{ path: `x\ntouch ${marker}`, content: Buffer.from('x') }], {
        message: 'm',
        author: { name: 'a' },
      }),
      InvalidInputError,
    );
    expect(existsSync(marker)).toBe(false);
  });

  it('a revision that does not exist is NotFound; a malformed one is InvalidInput', async () => {
    const missing = fx.name.startsWith('git') ? 'f'.repeat(40) : '99999';
    await rejection(backend.read(repo, missing, 'apps/web/service.yaml'), NotFoundError);
    await rejection(backend.tree(repo, missing, ''), NotFoundError);
    await rejection(backend.read(repo, 'HEAD; touch x', 'apps/web/service.yaml'), InvalidInputError);
    await rejection(backend.changedPaths(repo, '--help', seeded[0].id), InvalidInputError);
  });

  it('a missing branch or path is NotFound', async () => {
    const err = await rejection(backend.resolve(fx.missingRoot(repo)), NotFoundError);
    expect(err.message).toMatch(/no-such/);
  });

  it('an unreachable server is a typed error, not a crash', async () => {
    const { repo: gone, error } = await fx.unreachable();
    await rejection(backend.resolve(gone), error);
    await rejection(backend.history(gone, { limit: 1 }), error);
  });

  it('wrong credentials fail with an authentication error that does not leak the password', async () => {
    if (!fx.wrongCredentials) {
      // No authentication on this transport: the right repository resolves without credentials.
      expect(repo.credentials).toBeNull();
      return;
    }
    const bad = fx.wrongCredentials(repo);
    const err = await rejection(backend.resolve(bad), VcsAuthenticationError);
    expect(err.message).toMatch(/authentication failed/);
    expect(err.message).not.toContain(WRONG_PASSWORD);
    expect(err.message).not.toContain(TEST_PASSWORD);
    expect(JSON.stringify(err)).not.toContain(WRONG_PASSWORD);
    const commitErr = await rejection(
      backend.commit(bad, [{ path: 'x.yaml', content: Buffer.from('x') }], {
        message: 'm',
        author: { name: 'a' },
      }),
      VcsAuthenticationError,
    );
    expect(commitErr.message).not.toContain(WRONG_PASSWORD);
  });
});
