/**
 * Rules for the credentials of a Git repository reached over SSH: a deploy key and the server's
 * host keys, pinned. There is no trust on first use: a repository whose host keys are not given
 * cannot be fetched, so a server that changes its key (or a machine in the middle) is refused.
 * The API document states the same rules as patterns ({@link SSH_SCHEMA_PATTERNS}).
 */

/** Longest private key or known-hosts text accepted (an RSA 8192 key is about 6.5 KiB). */
export const MAX_SSH_TEXT_LENGTH = 65536;

/** Key types OpenSSH accepts in a known_hosts line (a regular-expression alternation). */
const HOST_KEY_TYPES =
  'ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\\.com|sk-ecdsa-sha2-nistp256@openssh\\.com|ssh-dss';
const HOST_KEY_TYPE = new RegExp(`^(${HOST_KEY_TYPES})$`);

/** The armours of a private key OpenSSH reads: its type, then a body of base64 lines only. */
const PRIVATE_KEY =
  /^-----BEGIN (OPENSSH|RSA|EC|DSA) PRIVATE KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1 PRIVATE KEY-----\s*$/;

/**
 * The start of an unencrypted OpenSSH key's body, in base64: the magic `openssh-key-v1\0` and
 * the cipher name `none`, length-prefixed. A passphrase-protected key names its cipher there.
 */
const OPENSSH_UNENCRYPTED = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU';

/**
 * The rules below as JSON-schema patterns, for the API document: a known_hosts text with at
 * least one key line (the others blank or comments), and an unencrypted private key.
 */
export const SSH_SCHEMA_PATTERNS = (() => {
  const ws = '[ \\t]';
  // Any character of a line but a line break or a control character (a tab is allowed).
  const eol = '[^\\u0000-\\u0008\\u000a-\\u001f]';
  const host = '[^ \\t\\r\\n#@\\u0000-\\u001f][^ \\t\\r\\n\\u0000-\\u001f]*';
  const key = `${ws}*(@(cert-authority|revoked)${ws}+)?${host}${ws}+(${HOST_KEY_TYPES})${ws}+[A-Za-z0-9+/]+={0,2}(${ws}${eol}*)?`;
  const line = `(${key}|${ws}*(#${eol}*)?)`;
  const body = '[A-Za-z0-9+/=\\r\\n]';
  const pem = (t: string) => `-----BEGIN ${t} PRIVATE KEY-----\\r?\\n${body}+-----END ${t} PRIVATE KEY-----`;
  const openssh = `-----BEGIN OPENSSH PRIVATE KEY-----\\r?\\n${OPENSSH_UNENCRYPTED}${body}*-----END OPENSSH PRIVATE KEY-----`;
  return {
    knownHosts: `^(${line}\\r?\\n)*${key}(\\r?\\n${line})*(\\r?\\n)?$`,
    privateKey: `^(${openssh}|${pem('RSA')}|${pem('EC')}|${pem('DSA')})\\s*$`,
  };
})();

/** Length in code points, as the API's maxLength counts it. */
const length = (text: string) => [...text].length;

/** Whether a URL is a Git-over-SSH URL (`ssh://[user@]host[:port]/path`). */
export function isSshUrl(url: string): boolean {
  return /^ssh:\/\//i.test(url);
}

/**
 * Why `text` is not a usable known_hosts list, or null. Each line that is not blank or a
 * comment is `hosts keytype base64key [comment]`, optionally after a `@cert-authority` or
 * `@revoked` marker. Host patterns are not interpreted here: OpenSSH matches them against the
 * name the repository URL gives.
 */
export function knownHostsProblem(text: string): string | null {
  if (length(text) > MAX_SSH_TEXT_LENGTH) return `knownHosts is over ${MAX_SSH_TEXT_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u0008\u000b-\u001f]|\r(?!\n)/.test(text.replace(/\r\n/g, '\n')))
    return 'knownHosts contains control characters';
  let keys = 0;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/[ \t]+/);
    if (fields[0] === '@cert-authority' || fields[0] === '@revoked') fields.shift();
    const [hosts, type, key] = fields;
    if (!hosts || !type || !key) return `knownHosts line ${i + 1}: expected "host keytype key"`;
    if (hosts.startsWith('@')) return `knownHosts line ${i + 1}: unknown marker "${hosts.slice(0, 40)}"`;
    if (!HOST_KEY_TYPE.test(type)) return `knownHosts line ${i + 1}: unknown key type "${type.slice(0, 40)}"`;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return `knownHosts line ${i + 1}: the key is not base64`;
    keys++;
  }
  return keys === 0 ? 'knownHosts holds no host key (use the lines `ssh-keyscan <host>` prints)' : null;
}

/**
 * Why `text` is not a private key OpenSSH can use unattended, or null. The key's content is
 * never quoted back. A passphrase-protected key is refused: the hub has nobody to type it.
 */
export function sshPrivateKeyProblem(text: string): string | null {
  if (length(text) > MAX_SSH_TEXT_LENGTH) return `sshPrivateKey is over ${MAX_SSH_TEXT_LENGTH} characters`;
  if (/Proc-Type: 4,ENCRYPTED/.test(text))
    return 'sshPrivateKey is protected by a passphrase; give an unencrypted deploy key';
  const armour = PRIVATE_KEY.exec(text);
  if (!armour)
    return 'sshPrivateKey is not a PEM or OpenSSH private key ("-----BEGIN OPENSSH PRIVATE KEY-----" …)';
  if (armour[1] === 'OPENSSH' && !armour[2].replace(/\s+/g, '').startsWith(OPENSSH_UNENCRYPTED))
    return 'sshPrivateKey is protected by a passphrase (or is not an OpenSSH key); give an unencrypted deploy key';
  return null;
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
