import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freeTcpPort, run } from './vcs-process.js';

/** A real `svnserve` on 127.0.0.1 serving repositories the test creates. */
export interface SvnServer {
  /** Directory holding the repositories (svnserve's `-r` root). */
  readonly root: string;
  /** `svn://127.0.0.1:<port>/<name>` */
  url(name: string): string;
  /** `file:///…/<name>`: the same repository without the server. */
  fileUrl(name: string): string;
  /** Creates a repository with anonymous access denied and the users given at start. */
  createRepo(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts svnserve; `users` maps user name to password (the passwd file). */
export async function startSvnServer(users: Record<string, string>): Promise<SvnServer> {
  const root = await mkdtemp(join(tmpdir(), 'flotilla-svnserve-'));
  const port = await freeTcpPort();
  const child: ChildProcess = spawn(
    'svnserve',
    ['-d', '--foreground', '--listen-host', '127.0.0.1', '--listen-port', String(port), '-r', root],
    {
      shell: false,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr?.resume();
  await waitForPort(port, 10_000);

  return {
    root,
    url: (name) => `svn://127.0.0.1:${port}/${name}`,
    fileUrl: (name) => pathToFileURL(join(root, name)).href,
    async createRepo(name) {
      const path = join(root, name);
      await run('svnadmin', ['create', path]);
      await writeFile(
        join(path, 'conf', 'svnserve.conf'),
        [
          '[general]',
          'anon-access = none',
          'auth-access = write',
          'password-db = passwd',
          'authz-db = authz',
          'realm = flotilla-test',
          '',
        ].join('\n'),
      );
      await writeFile(
        join(path, 'conf', 'passwd'),
        ['[users]', ...Object.entries(users).map(([u, p]) => `${u} = ${p}`), ''].join('\n'),
      );
      await writeFile(join(path, 'conf', 'authz'), ['[/]', '$authenticated = rw', '* =', ''].join('\n'));
      return path;
    },
    async close() {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      child.kill('SIGTERM');
      await exited;
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`svnserve did not listen on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
