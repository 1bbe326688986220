import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort, run } from './vcs-process.js';

/** A real OpenSSH server that serves bare Git repositories to one deploy key. */
export interface SshGitServer {
  readonly port: number;
  /** `ssh://<user>@127.0.0.1:<port>/<dir>/<name>.git` */
  url(name: string): string;
  /** A new bare repository; returns its path on disk (push to it directly as the "outside" user). */
  createRepo(name: string): Promise<string>;
  /** The private key the server accepts (OpenSSH format). */
  readonly clientKey: string;
  /** A valid private key the server does not accept. */
  readonly strangerKey: string;
  /** The server's host key as a known_hosts line for `[127.0.0.1]:<port>`. */
  readonly knownHosts: string;
  /** A known_hosts line naming this host with some other server's key. */
  readonly wrongKnownHosts: string;
  /** How many sessions sshd opened (a line per accepted public key). */
  acceptedLogins(): number;
  close(): Promise<void>;
}

/** Where the distribution installs sshd (it must be started by its absolute path). */
const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd', '/usr/local/sbin/sshd'];

/**
 * Starts `sshd -D` on 127.0.0.1 with its own configuration, host key and authorized_keys: only
 * the current user, only the generated client key, no passwords. Logins run the user's shell,
 * which runs `git-upload-pack` / `git-receive-pack` on the repositories under its directory.
 */
export async function startSshGitServer(): Promise<SshGitServer> {
  const { existsSync } = await import('node:fs');
  const sshd = SSHD.find((p) => existsSync(p));
  if (!sshd) throw new Error('sshd not found: install openssh-server (npm test installs it on Debian)');
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-sshd-'));
  await chmod(dir, 0o755);
  const keygen = (file: string) =>
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'flotilla-test', '-f', file]);
  await Promise.all([
    keygen(join(dir, 'host')),
    keygen(join(dir, 'client')),
    keygen(join(dir, 'stranger')),
    keygen(join(dir, 'other-host')),
  ]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client.pub')));
  const repos = join(dir, 'repos');
  await mkdir(repos);
  const port = await freeTcpPort();
  const user = userInfo().username;
  await writeFile(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `AllowUsers ${user}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  // Run as root, sshd wants its privilege-separation directory.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const child: ChildProcess = spawn(sshd, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  for (let i = 0; !log.includes(`Server listening on 127.0.0.1 port ${port}`); i++) {
    if (child.exitCode !== null || i > 300) {
      child.kill('SIGKILL');
      throw new Error(`sshd did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const hostLine = (file: string) =>
    readFile(file, 'utf8').then((pub) => `[127.0.0.1]:${port} ${pub.split(' ').slice(0, 2).join(' ')}\n`);
  const [knownHosts, wrongKnownHosts, clientKey, strangerKey] = await Promise.all([
    hostLine(join(dir, 'host.pub')),
    hostLine(join(dir, 'other-host.pub')),
    readFile(join(dir, 'client'), 'utf8'),
    readFile(join(dir, 'stranger'), 'utf8'),
  ]);
  return {
    port,
    url: (name) => `ssh://${user}@127.0.0.1:${port}${repos}/${name}.git`,
    async createRepo(name) {
      const path = join(repos, `${name}.git`);
      await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', path]);
      return path;
    },
    clientKey,
    strangerKey,
    knownHosts,
    wrongKnownHosts,
    acceptedLogins: () => log.split('\n').filter((l) => l.includes('Accepted publickey')).length,
    async close() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
