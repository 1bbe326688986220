/** URL schemes a repository may use; `file` only when the operator allows it. */
export const REPOSITORY_SCHEMES = ['https', 'http', 'svn', 'svn+ssh'] as const;

/**
 * Why a repository URL is unacceptable, or null. Credentials inside the URL are refused so
 * that they can never be echoed back in a response, a log line or an audit event.
 */
export function repositoryUrlProblem(
  url: string,
  opts: { allowFile: boolean; type: 'git' | 'svn' },
): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url is not a valid absolute URL';
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  const allowed: string[] = [...REPOSITORY_SCHEMES];
  if (opts.allowFile) allowed.push('file');
  if (!allowed.includes(scheme))
    return `url scheme "${scheme}" is not allowed (allowed: ${allowed.join(', ')}${opts.allowFile ? '' : '; file needs FLOTILLA_ALLOW_FILE_URLS=true'})`;
  if (opts.type === 'git' && (scheme === 'svn' || scheme === 'svn+ssh'))
    return `url scheme "${scheme}" is for SVN repositories, not Git`;
  if (parsed.username || parsed.password)
    return 'url must not contain credentials: pass them in the credentials field';
  if (scheme !== 'file' && !parsed.hostname) return 'url has no host';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\s\u0000-\u001f]/.test(url)) return 'url must not contain whitespace or control characters';
  return null;
}

/** Removes any `user:password@` part from URLs inside a text (for logs and error messages). */
export function scrubUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@');
}
