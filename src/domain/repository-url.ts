import { type AllowEntry, egressRefusal, parseIp } from './egress-policy.js';

/** URL schemes a repository may use (and `ssh` for Git); `file` only when the operator allows it. */
export const REPOSITORY_SCHEMES = ['https', 'http', 'svn'] as const;

/** Ports a URL without one goes to. */
export const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, svn: 3690, ssh: 22 };

/** A DNS host name: dot-separated labels of letters, digits and inner hyphens. */
const DNS_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?\.?$/i;

/**
 * Why a repository URL is unacceptable, or null. Credentials inside the URL are refused so
 * that they can never be echoed back in a response, a log line or an audit event.
 */
export function repositoryUrlProblem(
  url: string,
  opts: { allowFile: boolean; type: 'git' | 'svn' | 'helm'; allowedHosts?: readonly AllowEntry[] },
): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url is not a valid absolute URL';
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme === 'svn+ssh')
    return 'url scheme "svn+ssh" is not supported: the hub does not run ssh; use svn:// or https:// (see README, Repositories)';
  const allowed: string[] = [...REPOSITORY_SCHEMES];
  if (opts.type === 'git') allowed.push('ssh');
  if (opts.allowFile) allowed.push('file');
  if (!allowed.includes(scheme))
    return `url scheme "${scheme}" is not allowed (allowed: ${allowed.join(', ')}${opts.allowFile ? '' : '; file needs FLOTILLA_ALLOW_FILE_URLS=true'})`;
  if (opts.type !== 'svn' && scheme === 'svn')
    return `url scheme "${scheme}" is for SVN repositories, not ${opts.type === 'git' ? 'Git' : 'Helm chart repositories'}`;
  if (opts.type === 'helm' && scheme === 'file')
    return 'url scheme "file" is not supported for Helm chart repositories (http, https)';
  // The user of an SSH URL (`ssh://git@host/…`) is part of the address, not a secret.
  if (parsed.password || (parsed.username && scheme !== 'ssh'))
    return 'url must not contain credentials: pass them in the credentials field';
  if (scheme === 'ssh' && parsed.pathname.length < 2)
    return 'url of an SSH repository needs a path (ssh://host/path)';
  // ssh takes `user@host` as one argument: nothing in it may read as an option or a pattern.
  if (scheme === 'ssh' && parsed.username && !/^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/.test(parsed.username))
    return 'url user of an SSH repository must be letters, digits, ".", "_" or "-" (e.g. ssh://git@host/repo.git)';
  if (scheme !== 'file' && !parsed.hostname) return 'url has no host';
  // URL parsing keeps characters such as "*" or "_" in a host name, which no DNS name holds.
  const hostName = parsed.hostname.replace(/^\[|\]$/g, '');
  if (scheme !== 'file' && !parseIp(hostName) && !DNS_NAME.test(hostName))
    return 'url host must be a DNS name (letters, digits, "-" and ".") or an IP address';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\s\u0000-\u001f]/.test(url)) return 'url must not contain whitespace or control characters';
  // A literal address is refused here already; names are checked once resolved, at every call.
  if (scheme !== 'file' && opts.allowedHosts) {
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (parseIp(host)) {
      const refusal = egressRefusal({ host, port: portOf(parsed) }, [host], opts.allowedHosts);
      if (refusal) return `url: ${refusal}`;
    }
  }
  return null;
}

/** The port a URL goes to, explicit or the scheme's default. */
export function portOf(url: URL): number {
  return url.port ? Number(url.port) : (DEFAULT_PORTS[url.protocol.replace(/:$/, '')] ?? 0);
}

/**
 * The origin credentials are bound to: scheme, host (lowercase) and port, default ports made
 * explicit (`URL.origin` is "null" for svn://). A URL that does not parse is its own origin.
 */
export function urlOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.protocol === 'file:') return 'file://';
  return `${parsed.protocol}//${parsed.hostname.toLowerCase()}:${portOf(parsed)}`;
}

/** Removes any `user:password@` part from URLs inside a text (for logs and error messages). */
export function scrubUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@');
}
