import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DependencyFailedError } from '../../domain/errors.js';
import { knownHostsName, knownHostsProblem } from '../../domain/ssh-credentials.js';
import { type EgressGuard } from '../egress-guard.js';
import { type VcsRepository } from '../vcs-backend.js';
import { scrubUrl } from '../vcs.errors.js';

/** What one git invocation against an SSH repository needs, and how to clean up after it. */
export interface SshSession {
  /** Environment for git: GIT_SSH names the wrapper, the wrapper's options ride along. */
  env: Record<string, string>;
  /** git configuration that lets this one command use the ssh transport. */
  config: string[];
  close(): Promise<void>;
}

/**
 * The program git runs as its ssh (`GIT_SSH`): it starts `ssh` with an argument array, the
 * hub's options first, then exactly what git passed. Git runs `GIT_SSH` directly, never
 * through a shell, unlike `GIT_SSH_COMMAND` or `core.sshCommand`, so nothing here is ever
 * parsed by a shell. Fixed text: no value of any repository is written into it.
 */
const WRAPPER = `#!/usr/bin/env node
'use strict';
const { spawn } = require('node:child_process');
const options = JSON.parse(process.env.FLOTILLA_SSH_OPTIONS || '[]');
const child = spawn('ssh', [...options, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('error', (e) => { process.stderr.write('ssh: ' + e.message + '\\n'); process.exit(255); });
child.on('exit', (code, signal) => process.exit(code === null ? 255 : code));
`;

/**
 * Prepares an SSH connection for one git command: the deploy key and the pinned host keys in
 * files of a private temporary directory (never in argv or the environment), and ssh options
 * that use only them — no user or system ssh configuration, no agent, no prompts, no host key
 * learnt on first use, no forwarding. With an egress policy the host is resolved and checked
 * here and ssh connects to the checked address (`HostName`), still verifying the host key
 * under the repository's host name (`HostKeyAlias`), so a DNS answer cannot change between
 * the check and the connection.
 */
export async function openSshSession(repo: VcsRepository, egress?: EgressGuard): Promise<SshSession> {
  const url = new URL(repo.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : 22;
  const knownHosts = repo.credentials?.knownHosts ?? '';
  const problem = knownHostsProblem(knownHosts);
  if (problem)
    throw new DependencyFailedError(
      `repository ${scrubUrl(repo.url)} cannot be reached over SSH without its host keys: ${problem}`,
    );
  const target = egress ? await egress.check(url) : null;
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-ssh-'));
  try {
    await chmod(dir, 0o700);
    const wrapper = join(dir, 'ssh.cjs');
    await writeFile(wrapper, WRAPPER, { mode: 0o700 });
    const knownHostsFile = join(dir, 'known_hosts');
    await writeFile(knownHostsFile, knownHosts.endsWith('\n') ? knownHosts : `${knownHosts}\n`, {
      mode: 0o600,
    });
    const options = [
      '-F',
      '/dev/null',
      ...opt('BatchMode', 'yes'),
      ...opt('StrictHostKeyChecking', 'yes'),
      ...opt('UserKnownHostsFile', knownHostsFile),
      ...opt('GlobalKnownHostsFile', '/dev/null'),
      ...opt('HostKeyAlias', knownHostsName(host, port)),
      ...opt('CheckHostIP', 'no'),
      ...opt('UpdateHostKeys', 'no'),
      ...opt('IdentitiesOnly', 'yes'),
      ...opt('IdentityAgent', 'none'),
      ...opt('ForwardAgent', 'no'),
      ...opt('ForwardX11', 'no'),
      ...opt('ClearAllForwardings', 'yes'),
      ...opt('PermitLocalCommand', 'no'),
      ...opt('ProxyCommand', 'none'),
      ...opt('ProxyJump', 'none'),
      ...opt('ConnectTimeout', '30'),
      ...opt('ServerAliveInterval', '15'),
      ...opt('PasswordAuthentication', 'no'),
      ...opt('KbdInteractiveAuthentication', 'no'),
    ];
    const key = repo.credentials?.sshPrivateKey;
    if (key) {
      const keyFile = join(dir, 'id');
      await writeFile(keyFile, key.endsWith('\n') ? key : `${key}\n`, { mode: 0o600 });
      options.push(...opt('IdentityFile', keyFile));
    } else options.push(...opt('IdentityFile', 'none'));
    if (target) options.push(...opt('HostName', target.addresses[0].address));
    return {
      env: {
        GIT_SSH: wrapper,
        GIT_SSH_VARIANT: 'ssh',
        FLOTILLA_SSH_OPTIONS: JSON.stringify(options),
        // The wrapper's `#!/usr/bin/env node` finds the node the hub runs on first.
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      },
      config: ['protocol.ssh.allow=always'],
      close: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

const opt = (name: string, value: string) => ['-o', `${name}=${value}`];

/** The SSH server showed a host key that is not pinned for the repository: refused. */
export class SshHostKeyError extends DependencyFailedError {
  constructor(url: string) {
    super(`repository ${scrubUrl(url)}: the SSH server's host key is not one of the repository's knownHosts`);
  }
}

/** What ssh printed, as the typed failure it means; null when it is not an ssh failure. */
export function sshFailure(stderr: string, url: string): DependencyFailedError | 'auth' | null {
  if (
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No \S+ host key is known/i.test(
      stderr,
    )
  )
    return new SshHostKeyError(url);
  if (/Permission denied \(|Too many authentication failures/i.test(stderr)) return 'auth';
  const load = /Load key "[^"]*": (.+)/.exec(stderr);
  if (load)
    return new DependencyFailedError(
      `repository ${scrubUrl(url)}: the SSH private key cannot be used (${load[1].trim().slice(0, 120)})`,
    );
  return null;
}
