/**
 * Rules for the credentials of a Git repository reached over SSH: a deploy key and the server's
 * host keys, pinned. There is no trust on first use: a repository whose host keys are not given
 * cannot be fetched, so a server that changes its key (or a machine in the middle) is refused.
 */

/** Largest private key or known-hosts text accepted (an RSA 8192 key is about 6.5 KiB). */
export const MAX_SSH_TEXT_BYTES = 64 * 1024;

/** Key types OpenSSH accepts in a known_hosts line. */
const HOST_KEY_TYPE =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com|ssh-dss)$/;

/** Private key armours OpenSSH reads without a passphrase prompt. */
const PRIVATE_KEY =
  /^-----BEGIN (OPENSSH|RSA|EC|DSA) PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END \1 PRIVATE KEY-----\s*$/;

/** Whether a URL is a Git-over-SSH URL (`ssh://[user@]host[:port]/path`). */
export function isSshUrl(url: string): boolean {
  return /^ssh:\/\//i.test(url);
}

/**
 * Why `text` is not a usable known_hosts list, or null. Each non-empty, non-comment line is
 * `hosts keytype base64key [comment]`, optionally after a `@cert-authority` marker;
 * `@revoked` lines are kept as OpenSSH reads them. Host patterns are not interpreted here:
 * OpenSSH matches them against the name the repository URL gives.
 */
export function knownHostsProblem(text: string): string | null {
  if (Buffer.byteLength(text) > MAX_SSH_TEXT_BYTES) return `knownHosts is over ${MAX_SSH_TEXT_BYTES} bytes`;
  let keys = 0;
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    if (fields[0] === '@cert-authority' || fields[0] === '@revoked') fields.shift();
    const [hosts, type, key] = fields;
    if (!hosts || !type || !key) return `knownHosts line ${i + 1}: expected "host keytype key"`;
    if (!HOST_KEY_TYPE.test(type)) return `knownHosts line ${i + 1}: unknown key type "${type.slice(0, 40)}"`;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return `knownHosts line ${i + 1}: the key is not base64`;
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    if (/[\u0000-\u001f]/.test(hosts)) return `knownHosts line ${i + 1}: control characters in the host`;
    keys++;
  }
  return keys === 0 ? 'knownHosts holds no host key (use the lines `ssh-keyscan <host>` prints)' : null;
}

/**
 * Why `text` is not a private key OpenSSH can use unattended, or null. The key's content is
 * never quoted back. A passphrase-protected key is refused: the hub has nobody to type it.
 */
export function sshPrivateKeyProblem(text: string): string | null {
  if (Buffer.byteLength(text) > MAX_SSH_TEXT_BYTES)
    return `sshPrivateKey is over ${MAX_SSH_TEXT_BYTES} bytes`;
  if (!PRIVATE_KEY.test(text.trim() + '\n'))
    return 'sshPrivateKey is not a PEM or OpenSSH private key ("-----BEGIN OPENSSH PRIVATE KEY-----" …)';
  if (/Proc-Type: 4,ENCRYPTED/.test(text) || openSshCipher(text) !== 'none')
    return 'sshPrivateKey is protected by a passphrase; give an unencrypted deploy key';
  return null;
}

/**
 * The cipher an OpenSSH-format key is encrypted with (`none` when it is not), read from the
 * header of its body: the magic `openssh-key-v1\0`, then the cipher name as a length-prefixed
 * string. PEM keys answer `none` here (their encryption shows in the `Proc-Type` header).
 */
function openSshCipher(text: string): string {
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END/.exec(text)?.[1];
  if (body === undefined) return 'none';
  const bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (bytes.length < magic.length + 4 || bytes.subarray(0, magic.length).toString('latin1') !== magic)
    return 'unreadable';
  const length = bytes.readUInt32BE(magic.length);
  const start = magic.length + 4;
  return bytes.length < start + length
    ? 'unreadable'
    : bytes.subarray(start, start + length).toString('latin1');
}

/**
 * The name OpenSSH looks a host up by in known_hosts: the host itself on port 22,
 * `[host]:port` otherwise (what `ssh-keyscan -p` prints).
 */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The credential fields a repository may be given. */
export interface RepositoryCredentialFields {
  username?: string;
  password?: string;
  token?: string;
  sshPrivateKey?: string;
  knownHosts?: string;
}

/**
 * Why `credentials` do not suit a repository at `url`, or null: an `ssh://` repository needs
 * its host keys (and takes a deploy key, never a password or token); any other repository takes
 * no SSH fields. Returns the offending field with the reason.
 */
export function sshCredentialsProblem(
  url: string,
  credentials: RepositoryCredentialFields | null | undefined,
): { field: string; problem: string } | null {
  const c = credentials ?? {};
  if (!isSshUrl(url)) {
    const field =
      c.sshPrivateKey !== undefined ? 'sshPrivateKey' : c.knownHosts !== undefined ? 'knownHosts' : null;
    return field
      ? { field: `credentials.${field}`, problem: `${field} applies to ssh:// repositories only` }
      : null;
  }
  if (c.password !== undefined || c.token !== undefined)
    return {
      field: c.password !== undefined ? 'credentials.password' : 'credentials.token',
      problem:
        'an ssh:// repository authenticates with sshPrivateKey (a deploy key), not a password or token',
    };
  if (c.knownHosts === undefined)
    return {
      field: 'credentials.knownHosts',
      problem:
        'an ssh:// repository needs credentials.knownHosts, the server’s host keys as `ssh-keyscan` prints them: a host key is never accepted on first use',
    };
  const hosts = knownHostsProblem(c.knownHosts);
  if (hosts) return { field: 'credentials.knownHosts', problem: hosts };
  const key = c.sshPrivateKey === undefined ? null : sshPrivateKeyProblem(c.sshPrivateKey);
  return key ? { field: 'credentials.sshPrivateKey', problem: key } : null;
}
