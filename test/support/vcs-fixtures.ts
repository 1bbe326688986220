import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NotFoundError, DependencyFailedError } from '../../src/domain/errors.js';
import { GitBackend } from '../../src/vcs/git/git.backend.js';
import { GitCliBackend } from '../../src/vcs/git/git-cli.backend.js';
import { SvnBackend } from '../../src/vcs/svn/svn.backend.js';
import {
  type VcsBackend,
  type VcsCredentials,
  type VcsLimits,
  type VcsRepository,
} from '../../src/vcs/vcs-backend.js';
import { type GitHttpServer, startGitHttpServer } from './git-http-server.js';
import { type SshGitServer, startSshGitServer } from './ssh-git-server.js';
import { type SvnServer, startSvnServer } from './svn-server.js';
import { freeTcpPort, run } from './vcs-process.js';

/** Content of an outside commit: text, bytes, a symlink, or null to delete. */
export type ExternalFile = string | Buffer | { symlink: string } | null;

/**
 * One way of serving a repository to a backend, for the contract suite: the same tests run
 * against every fixture, each backed by a real server started here.
 */
export interface VcsFixture {
  readonly name: string;
  /** Regex the display form of a revision must match. */
  readonly display: RegExp;
  /** A backend with its own fresh cache directory. */
  backend(limits?: Partial<VcsLimits>): Promise<VcsBackend>;
  /** A new, empty repository. */
  createRepo(): Promise<VcsRepository>;
  /** Commits as someone else, with the plain CLI (not through the backend). */
  externalCommit(repo: VcsRepository, files: Record<string, ExternalFile>, message: string): Promise<void>;
  /**
   * Moves the repository back to an older revision behind the backend's back: a force-push of
   * the branch (Git), or a dump of revisions 0..`revision` loaded into a fresh repository at the
   * same place (SVN, `svnadmin`), after which new commits reuse the numbers that were dropped.
   */
  rewind(repo: VcsRepository, revision: string): Promise<void>;
  /** The repository with a wrong password, for fixtures that have authentication. */
  wrongCredentials?(repo: VcsRepository): VcsRepository;
  /** A repository whose server is not there, and the error class expected. */
  unreachable(): Promise<{ repo: VcsRepository; error: typeof DependencyFailedError | typeof NotFoundError }>;
  /** The repository with a branch (Git) or path (SVN) that does not exist. */
  missingRoot(repo: VcsRepository): VcsRepository;
  close(): Promise<void>;
}

/** Password of the test user on servers with authentication. */
export const TEST_PASSWORD = 's3cret-Pa55-word';
/** A wrong password, which must never appear in an error message. */
export const WRONG_PASSWORD = 'wr0ng-Pa55-word-xyz';

let counter = 0;
const uniqueName = (prefix: string) => `${prefix}${process.pid}x${++counter}`;

async function writeTree(
  dir: string,
  files: Record<string, ExternalFile>,
  remove: (path: string) => Promise<void>,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(dir, path);
    if (content === null) {
      await remove(path);
      continue;
    }
    await mkdir(dirname(abs), { recursive: true });
    await rm(abs, { force: true });
    if (typeof content === 'object' && !Buffer.isBuffer(content)) await symlink(content.symlink, abs);
    else await writeFile(abs, content);
  }
}

/** Which Git implementation a fixture's backends use. */
export type GitImplementation = 'isomorphic' | 'cli';

/** Git over smart HTTP, with or without basic auth, through isomorphic-git or the git CLI. */
export async function gitFixture(
  auth: boolean,
  implementation: GitImplementation = 'isomorphic',
): Promise<VcsFixture> {
  const server: GitHttpServer = await startGitHttpServer(
    auth ? { auth: { username: 'alice', password: TEST_PASSWORD } } : {},
  );
  return gitFixtureOn(server, {
    name: `${auth ? 'git over HTTP with basic auth' : 'git over HTTP without auth'} (${implementation})`,
    implementation,
    credentials: auth ? { username: 'alice', password: TEST_PASSWORD } : null,
    wrongCredentials: auth ? { username: 'alice', password: WRONG_PASSWORD } : undefined,
    unreachable: (port) => ({ url: `http://127.0.0.1:${port}/gone.git`, credentials: null }),
  });
}

/** Git over SSH (a real sshd) with a deploy key and pinned host keys, through the git CLI. */
export async function gitSshFixture(): Promise<VcsFixture> {
  const server: SshGitServer = await startSshGitServer();
  return gitFixtureOn(server, {
    name: 'git over SSH with a deploy key (cli)',
    implementation: 'cli',
    credentials: { sshPrivateKey: server.clientKey, knownHosts: server.knownHosts },
    wrongCredentials: { sshPrivateKey: server.strangerKey, knownHosts: server.knownHosts },
    // Pinned keys for the empty port, so the failure is the connection, not a missing pin.
    unreachable: (port) => ({
      url: `ssh://git@127.0.0.1:${port}/gone.git`,
      credentials: { knownHosts: `[127.0.0.1]:${port} ${server.knownHosts.split(' ').slice(1).join(' ')}` },
    }),
  });
}

/** How a Git fixture reaches its server. */
interface GitTransport {
  name: string;
  implementation: GitImplementation;
  credentials: VcsCredentials | null;
  wrongCredentials?: VcsCredentials;
  /** A repository on `port`, where nothing listens. */
  unreachable(port: number): { url: string; credentials: VcsCredentials | null };
}

async function gitFixtureOn(
  server: { createRepo(name: string): Promise<string>; url(name: string): string; close(): Promise<void> },
  transport: GitTransport,
): Promise<VcsFixture> {
  const scratch = await mkdtemp(join(tmpdir(), 'flotilla-git-fixture-'));
  const worktrees = new Map<string, string>();
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Outside Olga',
    GIT_AUTHOR_EMAIL: 'olga@example.com',
    GIT_COMMITTER_NAME: 'Outside Olga',
    GIT_COMMITTER_EMAIL: 'olga@example.com',
  };
  const { implementation } = transport;
  return {
    name: transport.name,
    display: /^main@sha1:[0-9a-f]{7}$/,
    backend: async (limits) => {
      const cacheDir = await mkdtemp(join(scratch, 'cache-'));
      return implementation === 'cli'
        ? new GitCliBackend({ cacheDir, limits })
        : new GitBackend({ cacheDir, limits });
    },
    async createRepo() {
      const name = uniqueName('repo');
      const bare = await server.createRepo(name);
      const wt = join(scratch, `wt-${name}`);
      await run('git', ['init', '--quiet', '--initial-branch=main', wt]);
      await run('git', ['-C', wt, 'remote', 'add', 'origin', bare]);
      worktrees.set(name, wt);
      return {
        id: name,
        type: 'git',
        url: server.url(name),
        branch: 'main',
        path: null,
        credentials: transport.credentials,
      };
    },
    async externalCommit(repo, files, message) {
      const wt = worktrees.get(repo.id)!;
      // Start from whatever is on the server now (the backend may have pushed since).
      const remote = await run('git', ['-C', wt, 'ls-remote', 'origin', 'refs/heads/main']);
      if (remote.trim() !== '') {
        await run('git', ['-C', wt, 'fetch', '--quiet', 'origin', 'main']);
        await run('git', ['-C', wt, 'reset', '--quiet', '--hard', 'FETCH_HEAD']);
      }
      await writeTree(wt, files, (p) => rm(join(wt, p), { force: true }));
      await run('git', ['-C', wt, 'add', '-A'], { env });
      await run('git', ['-C', wt, 'commit', '--quiet', '-m', message], { env });
      await run('git', ['-C', wt, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main'], { env });
    },
    async rewind(repo, revision) {
      const wt = worktrees.get(repo.id)!;
      await run('git', ['-C', wt, 'fetch', '--quiet', 'origin', 'main']);
      await run('git', ['-C', wt, 'push', '--quiet', '--force', 'origin', `${revision}:refs/heads/main`], {
        env,
      });
    },
    wrongCredentials: transport.wrongCredentials
      ? (repo) => ({ ...repo, credentials: transport.wrongCredentials! })
      : undefined,
    async unreachable() {
      const port = await freeTcpPort();
      return {
        repo: { id: 'gone', type: 'git', branch: 'main', path: null, ...transport.unreachable(port) },
        error: DependencyFailedError,
      };
    },
    missingRoot: (repo) => ({ ...repo, branch: 'no-such-branch' }),
    async close() {
      await server.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** SVN through svnserve with a passwd file (`svn://`, path `trunk`), or through `file://` (root). */
export async function svnFixture(kind: 'svnserve' | 'file'): Promise<VcsFixture> {
  const server: SvnServer = await startSvnServer({ alice: TEST_PASSWORD });
  const scratch = await mkdtemp(join(tmpdir(), 'flotilla-svn-fixture-'));
  const wcs = new Map<string, string>();
  const svn = (args: string[], cwd?: string) =>
    run('svn', ['--non-interactive', '--no-auth-cache', '--config-dir', join(scratch, 'config'), ...args], {
      cwd,
    });
  return {
    name: kind === 'svnserve' ? 'svn:// with passwd' : 'svn file://',
    display: kind === 'svnserve' ? /^trunk@r\d+$/ : /^r\d+$/,
    backend: async (limits) =>
      new SvnBackend({ workDir: await mkdtemp(join(scratch, 'work-')), limits, allowFileUrls: true }),
    async createRepo() {
      const name = uniqueName('repo');
      await server.createRepo(name);
      const fileUrl = server.fileUrl(name);
      const root = kind === 'svnserve' ? `${fileUrl}/trunk` : fileUrl;
      if (kind === 'svnserve')
        await run('svnmucc', ['--non-interactive', '-m', 'create trunk', '-u', 'admin', 'mkdir', root]);
      const wc = join(scratch, `wc-${name}`);
      await svn(['checkout', '--quiet', root, wc]);
      wcs.set(name, wc);
      return kind === 'svnserve'
        ? {
            id: name,
            type: 'svn',
            url: server.url(name),
            branch: null,
            path: 'trunk',
            credentials: { username: 'alice', password: TEST_PASSWORD },
          }
        : { id: name, type: 'svn', url: fileUrl, branch: null, path: null, credentials: null };
    },
    async externalCommit(repo, files, message) {
      const wc = wcs.get(repo.id)!;
      await svn(['update', '--quiet'], wc);
      await writeTree(wc, files, async (p) => {
        await svn(['rm', '--quiet', '--force', '--', p], wc);
      });
      await svn(['add', '--quiet', '--force', '--parents', '.'], wc);
      await svn(['commit', '--quiet', '--username', 'olga', '-m', message], wc);
    },
    async rewind(repo, revision) {
      const name = repo.id;
      const path = join(server.root, name);
      const dump = join(scratch, `${name}.dump`);
      const conf = join(scratch, `${name}.conf`);
      await run('svnadmin', ['dump', '--quiet', '-r', `0:${revision}`, '--file', dump, path]);
      await rm(conf, { recursive: true, force: true });
      await run('cp', ['-a', join(path, 'conf'), conf]);
      await rm(path, { recursive: true, force: true });
      await run('svnadmin', ['create', path]);
      await run('svnadmin', ['load', '--quiet', '--file', dump, path]);
      await rm(join(path, 'conf'), { recursive: true, force: true });
      await run('cp', ['-a', conf, join(path, 'conf')]);
      // The working copy knows revisions the repository no longer has: check out afresh.
      const wc = wcs.get(name)!;
      await rm(wc, { recursive: true, force: true });
      await svn([
        'checkout',
        '--quiet',
        kind === 'svnserve' ? `${server.fileUrl(name)}/trunk` : server.fileUrl(name),
        wc,
      ]);
    },
    wrongCredentials:
      kind === 'svnserve'
        ? (repo) => ({ ...repo, credentials: { username: 'alice', password: WRONG_PASSWORD } })
        : undefined,
    async unreachable() {
      if (kind === 'file')
        return {
          repo: {
            id: 'gone',
            type: 'svn',
            url: 'file:///nonexistent-flotilla-repo',
            branch: null,
            path: null,
            credentials: null,
          },
          error: NotFoundError,
        };
      const port = await freeTcpPort();
      return {
        repo: {
          id: 'gone',
          type: 'svn',
          url: `svn://127.0.0.1:${port}/gone`,
          branch: null,
          path: 'trunk',
          credentials: null,
        },
        error: DependencyFailedError,
      };
    },
    missingRoot: (repo) => ({ ...repo, path: 'no-such-dir' }),
    async close() {
      await server.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
