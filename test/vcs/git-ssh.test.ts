import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from '../../src/domain/egress-policy.js';
import { DependencyFailedError, InvalidInputError } from '../../src/domain/errors.js';
import { EgressGuard, EgressRefusedError, type HostResolver } from '../../src/vcs/egress-guard.js';
import { GitBackend } from '../../src/vcs/git/git.backend.js';
import { GitCliBackend } from '../../src/vcs/git/git-cli.backend.js';
import { type ProcessRunner } from '../../src/vcs/process-runner.js';
import { type VcsRepository } from '../../src/vcs/vcs-backend.js';
import { VcsAuthenticationError } from '../../src/vcs/vcs.errors.js';
import { type SshGitServer, startSshGitServer } from '../support/ssh-git-server.js';
import { RecordingRunner } from '../support/recording-runner.js';
import { pushFirstCommit } from '../support/vcs-process.js';

/** Answers one made-up name; a stand-in for DNS only (the server and connection are real). */
const resolverFor = (name: string, address: string): HostResolver => ({
  resolve: (host) =>
    host === name
      ? Promise.resolve([address])
      : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' })),
});

describe('Git over SSH (git CLI, a real sshd)', () => {
  let server: SshGitServer;
  let scratch: string;
  let repo: VcsRepository;
  let head: string;

  beforeAll(async () => {
    server = await startSshGitServer();
    scratch = await mkdtemp(join(tmpdir(), 'flotilla-git-ssh-'));
    const bare = await server.createRepo('fleet');
    head = await pushFirstCommit(bare, join(scratch, 'wt'));
    repo = {
      id: 'fleet',
      type: 'git',
      url: server.url('fleet'),
      branch: 'main',
      path: null,
      credentials: { sshPrivateKey: server.clientKey, knownHosts: server.knownHosts },
    };
  });
  afterAll(async () => {
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const backend = async (extra: { runner?: ProcessRunner; egress?: EgressGuard } = {}) =>
    new GitCliBackend({ cacheDir: await mkdtemp(join(scratch, 'cache-')), ...extra });

  it('fetches with the deploy key; the key is in neither argv nor environment, and its file is gone after', async () => {
    const runner = new RecordingRunner();
    const rev = await (await backend({ runner })).resolve(repo);
    expect(rev.id).toBe(head);
    const network = runner.calls.filter((c) => c.env.GIT_SSH);
    expect(network.length).toBeGreaterThan(0);
    const keyBody = server.clientKey.split('\n')[1];
    for (const call of runner.calls) {
      expect(call.args.join(' ')).not.toContain(keyBody);
      expect(JSON.stringify(call.env)).not.toContain(keyBody);
    }
    const options = JSON.parse(network[0].env.FLOTILLA_SSH_OPTIONS!) as string[];
    expect(options).toEqual(expect.arrayContaining(['StrictHostKeyChecking=yes', 'BatchMode=yes']));
    const keyFile = options.find((o) => o.startsWith('IdentityFile='))!.slice('IdentityFile='.length);
    expect(existsSync(keyFile)).toBe(false);
  });

  it('refuses a server whose host key is not pinned, before authenticating', async () => {
    const logins = server.acceptedLogins();
    const spoofed = { ...repo, credentials: { ...repo.credentials, knownHosts: server.wrongKnownHosts } };
    const err = await (await backend()).resolve(spoofed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyFailedError);
    expect((err as Error).message).toMatch(/host key is not one of the repository's knownHosts/);
    expect(server.acceptedLogins()).toBe(logins);
  });

  it('never connects without pinned host keys (no trust on first use)', async () => {
    const logins = server.acceptedLogins();
    const unpinned = { ...repo, credentials: { sshPrivateKey: server.clientKey } };
    const err = await (await backend()).resolve(unpinned).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyFailedError);
    expect((err as Error).message).toMatch(/without its host keys: knownHosts holds no host key/);
    expect(server.acceptedLogins()).toBe(logins);
  });

  it('a key the server does not know is an authentication error that names no key', async () => {
    const stranger = { ...repo, credentials: { ...repo.credentials, sshPrivateKey: server.strangerKey } };
    const err = await (await backend()).resolve(stranger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VcsAuthenticationError);
    expect((err as Error).message).not.toContain(server.strangerKey.split('\n')[1]);
  });

  it('connects to the address the egress policy checked, verifying the key under the repository host', async () => {
    // git.flotilla.test exists only in this resolver: ssh can only reach the server through
    // the checked address (HostName), and the pinned key is looked up under the URL's name.
    const guard = new EgressGuard(
      parseAllowList(`127.0.0.1:${server.port}`),
      resolverFor('git.flotilla.test', '127.0.0.1'),
    );
    const named = {
      ...repo,
      url: repo.url.replace('127.0.0.1', 'git.flotilla.test'),
      credentials: {
        ...repo.credentials,
        knownHosts: server.knownHosts.replace('[127.0.0.1]', '[git.flotilla.test]'),
      },
    };
    expect((await (await backend({ egress: guard })).resolve(named)).id).toBe(head);
    // The same key pinned under another name does not vouch for this one.
    await expect(
      (await backend({ egress: guard })).resolve({ ...named, credentials: repo.credentials }),
    ).rejects.toThrow(/host key is not one of the repository's knownHosts/);
  });

  it('the egress policy refuses an SSH host like any other, without connecting', async () => {
    const logins = server.acceptedLogins();
    const err = await (await backend({ egress: new EgressGuard([]) })).resolve(repo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EgressRefusedError);
    expect(server.acceptedLogins()).toBe(logins);
  });

  it('isomorphic-git refuses ssh:// URLs with a clear reason', async () => {
    const iso = new GitBackend({ cacheDir: await mkdtemp(join(scratch, 'iso-')) });
    const err = await iso.resolve(repo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/ssh:\/\/ repositories need the git CLI/);
  });

  it('pushes a commit over SSH', async () => {
    const b = await backend();
    const rev = await b.commit(repo, [{ path: 'apps/web.yaml', content: Buffer.from('kind: ConfigMap\n') }], {
      message: 'over ssh',
      author: { name: 'tester' },
    });
    expect(rev.id).not.toBe(head);
    expect((await (await backend()).resolve(repo)).id).toBe(rev.id);
  });
});
