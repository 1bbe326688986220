import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { type SshGitServer, startSshGitServer } from '../support/ssh-git-server.js';
import { pushFirstCommit } from '../support/vcs-process.js';

let h: TestHub;
let sshd: SshGitServer;
let scratch: string;
let head: string;

beforeAll(async () => {
  sshd = await startSshGitServer();
  scratch = await mkdtemp(join(tmpdir(), 'flotilla-repo-ssh-'));
  const bare = await sshd.createRepo('fleet');
  head = await pushFirstCommit(bare, join(scratch, 'wt'));
  h = await startTestHub(inject('postgresUrl'));
});
afterAll(async () => {
  await h?.close();
  await sshd?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const keyBody = () => sshd.clientKey.split('\n')[1];
const refresh = async (name: string) =>
  (await h.api('POST', `/api/v1/repositories/${name}/refresh`)).body as {
    lastError: string | null;
    lastRevision: string | null;
    hasCredentials: boolean;
  };

describe('Git repositories over SSH (a real sshd)', () => {
  it('refuses an ssh:// repository without pinned host keys, or with a password', async () => {
    const noPins = await h.api('POST', '/api/v1/repositories', {
      body: {
        name: 'ssh-unpinned',
        type: 'git',
        url: sshd.url('fleet'),
        credentials: { sshPrivateKey: sshd.clientKey },
      },
    });
    expect(noPins.status).toBe(400);
    expect(noPins.text).toMatch(/credentials\.knownHosts/);
    expect(noPins.text).toMatch(/never accepted on first use/);
    const withPassword = await h.api('POST', '/api/v1/repositories', {
      body: {
        name: 'ssh-password',
        type: 'git',
        url: sshd.url('fleet'),
        credentials: { knownHosts: sshd.knownHosts, password: 'hunter22' },
      },
    });
    expect(withPassword.status).toBe(400);
    expect(withPassword.text).toMatch(/authenticates with sshPrivateKey/);
    const httpWithKey = await h.api('POST', '/api/v1/repositories', {
      body: {
        name: 'http-key',
        type: 'git',
        url: 'https://git.example.com/fleet.git',
        credentials: { sshPrivateKey: sshd.clientKey },
      },
    });
    expect(httpWithKey.status).toBe(400);
    expect(httpWithKey.text).toMatch(/applies to ssh:\/\/ repositories only/);
    expect(`${noPins.text}${withPassword.text}${httpWithKey.text}`).not.toContain(keyBody());
  });

  it('polls a repository with a deploy key and pinned host keys', async () => {
    const created = await h.api('POST', '/api/v1/repositories', {
      body: {
        name: 'ssh-fleet',
        type: 'git',
        url: sshd.url('fleet'),
        credentials: { sshPrivateKey: sshd.clientKey, knownHosts: sshd.knownHosts },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.hasCredentials).toBe(true);
    const polled = await refresh('ssh-fleet');
    expect(polled.lastError).toBeNull();
    expect(polled.lastRevision).toBe(head);
  });

  it('reports a server whose host key changed, and connects again once the pin is updated', async () => {
    const spoofed = await h.api('PATCH', '/api/v1/repositories/ssh-fleet', {
      body: { credentials: { sshPrivateKey: sshd.clientKey, knownHosts: sshd.wrongKnownHosts } },
    });
    expect(spoofed.status).toBe(200);
    expect((await refresh('ssh-fleet')).lastError).toMatch(
      /host key is not one of the repository's knownHosts/,
    );
    await h.api('PATCH', '/api/v1/repositories/ssh-fleet', {
      body: { credentials: { sshPrivateKey: sshd.clientKey, knownHosts: sshd.knownHosts } },
    });
    expect((await refresh('ssh-fleet')).lastError).toBeNull();
  });

  it('drops the key and pins when the URL moves to another host, and asks for new pins', async () => {
    const moved = await h.api('PATCH', '/api/v1/repositories/ssh-fleet', {
      body: { url: sshd.url('fleet').replace('127.0.0.1', 'localhost') },
    });
    expect(moved.status).toBe(400);
    expect(moved.text).toMatch(/credentials\.knownHosts/);
    const toHttps = await h.api('PATCH', '/api/v1/repositories/ssh-fleet', {
      body: { url: 'https://git.example.com/fleet.git' },
    });
    expect(toHttps.status).toBe(200);
    expect(toHttps.body.hasCredentials).toBe(false);
  });

  it('never shows the deploy key in a response, an audit event or a log line', async () => {
    const everything = [
      (await h.api('GET', '/api/v1/repositories')).text,
      (await h.api('GET', '/api/v1/audit?limit=500')).text,
      JSON.stringify(await h.sql('SELECT details FROM audit_events')),
      JSON.stringify(await h.sql('SELECT credentials_sealed FROM repositories')),
      h.logs.join('\n'),
    ].join('\n');
    expect(everything).not.toContain(keyBody());
  });
});
