import { describe, expect, it } from 'vitest';
import { repositoryUrlProblem } from './repository-url.js';
import {
  knownHostsName,
  knownHostsProblem,
  sshCredentialsProblem,
  sshPrivateKeyProblem,
} from './ssh-credentials.js';

const HOST_LINE =
  'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
/** The header of an OpenSSH key body: magic, then the cipher name as a length-prefixed string. */
const openSshKey = (cipher: string) => {
  const magic = Buffer.from('openssh-key-v1\0', 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(cipher.length);
  const body = Buffer.concat([magic, len, Buffer.from(cipher), Buffer.alloc(64, 1)]).toString('base64');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`;
};

describe('known hosts', () => {
  it('accepts ssh-keyscan output, comments and markers', () => {
    expect(
      knownHostsProblem(
        `# github\n${HOST_LINE}\n@cert-authority *.corp ${HOST_LINE.split(' ').slice(1).join(' ')}\n`,
      ),
    ).toBeNull();
  });
  it('refuses empty lists, unknown key types and keys that are not base64', () => {
    expect(knownHostsProblem('# nothing\n')).toMatch(/holds no host key/);
    expect(knownHostsProblem('host ssh-foo AAAA')).toMatch(/line 1: unknown key type "ssh-foo"/);
    expect(knownHostsProblem('host ssh-ed25519 not*base64')).toMatch(/line 1: the key is not base64/);
    expect(knownHostsProblem('host-only')).toMatch(/expected "host keytype key"/);
  });
  it('names a non-standard port the way ssh-keyscan -p does', () => {
    expect(knownHostsName('git.corp', 22)).toBe('git.corp');
    expect(knownHostsName('git.corp', 2222)).toBe('[git.corp]:2222');
  });
});

describe('deploy keys', () => {
  it('accepts unencrypted OpenSSH and PEM keys', () => {
    expect(sshPrivateKeyProblem(openSshKey('none'))).toBeNull();
    expect(
      sshPrivateKeyProblem('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n'),
    ).toBeNull();
  });
  it('refuses keys with a passphrase, public keys and other text, without quoting them', () => {
    expect(sshPrivateKeyProblem(openSshKey('aes256-ctr'))).toMatch(/protected by a passphrase/);
    expect(
      sshPrivateKeyProblem(
        '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES\n\nMIIE\n-----END RSA PRIVATE KEY-----',
      ),
    ).toMatch(/protected by a passphrase/);
    const problem = sshPrivateKeyProblem(HOST_LINE);
    expect(problem).toMatch(/not a PEM or OpenSSH private key/);
    expect(problem).not.toContain('AAAA');
  });
});

describe('credentials of a repository', () => {
  const ssh = 'ssh://git@github.com/org/fleet.git';
  it('an ssh:// repository needs pinned host keys and takes no password or token', () => {
    expect(sshCredentialsProblem(ssh, null)?.field).toBe('credentials.knownHosts');
    expect(sshCredentialsProblem(ssh, { sshPrivateKey: openSshKey('none') })?.problem).toMatch(
      /never accepted on first use/,
    );
    expect(sshCredentialsProblem(ssh, { knownHosts: HOST_LINE, password: 'x' })?.field).toBe(
      'credentials.password',
    );
    expect(sshCredentialsProblem(ssh, { knownHosts: HOST_LINE, token: 'x' })?.field).toBe(
      'credentials.token',
    );
    expect(sshCredentialsProblem(ssh, { knownHosts: HOST_LINE, sshPrivateKey: 'nope' })?.field).toBe(
      'credentials.sshPrivateKey',
    );
    expect(
      sshCredentialsProblem(ssh, { knownHosts: HOST_LINE, sshPrivateKey: openSshKey('none') }),
    ).toBeNull();
  });
  it('other repositories take no SSH fields', () => {
    expect(sshCredentialsProblem('https://github.com/org/fleet.git', { knownHosts: HOST_LINE })?.field).toBe(
      'credentials.knownHosts',
    );
    expect(sshCredentialsProblem('https://github.com/org/fleet.git', { token: 't' })).toBeNull();
  });
});

describe('ssh:// repository URLs', () => {
  const problem = (url: string, type: 'git' | 'svn' = 'git') =>
    repositoryUrlProblem(url, { allowFile: false, type });
  it('are Git URLs with an optional user and a path', () => {
    expect(problem('ssh://git@github.com/org/fleet.git')).toBeNull();
    expect(problem('ssh://git.corp:2222/fleet.git')).toBeNull();
    expect(problem('ssh://git@github.com/org/fleet.git', 'svn')).toMatch(/scheme "ssh" is not allowed/);
    expect(problem('ssh://git@github.com')).toMatch(/needs a path/);
  });
  it('refuse passwords and users ssh could read as an option', () => {
    expect(problem('ssh://git:pw@github.com/org/fleet.git')).toMatch(/must not contain credentials/);
    expect(problem('ssh://-oProxyCommand=touch%20x@github.com/fleet.git')).toMatch(
      /url user of an SSH repository/,
    );
    expect(problem('https://git@github.com/org/fleet.git')).toMatch(/must not contain credentials/);
  });
});
