import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DependencyFailedError } from '../../domain/errors.js';
import { type EgressGuard } from '../egress-guard.js';
import { authHeaders, pinnedLookup } from '../http-connect.js';
import { type VcsRepository } from '../vcs-backend.js';
import { scrubUrl } from '../vcs.errors.js';

/** Redirects followed before giving up. */
const MAX_REDIRECTS = 5;

/** git answered a redirect, which the CLI is configured not to follow itself. */
export class GitRedirectedError extends DependencyFailedError {
  constructor(url: string) {
    super(`repository ${scrubUrl(url)} answered a redirect`);
  }
}

/**
 * Where a repository that answers with a redirect really is: follows the redirects of its ref
 * advertisement (`info/refs?service=…`, as git's own `http.followRedirects=initial` would) one
 * hop at a time, each hop checked by the egress policy and connected to the checked address,
 * credentials sent only while the origin is the repository's own. Returns the repository at its
 * final base URL, without credentials when that is another origin. Only called after git met a
 * redirect, so repositories that do not redirect pay nothing.
 */
export async function followGitRedirects(
  repo: VcsRepository,
  service: 'git-upload-pack' | 'git-receive-pack',
  egress?: EgressGuard,
): Promise<VcsRepository> {
  const origin = new URL(repo.url).origin;
  let url = new URL(`${repo.url.replace(/\/+$/, '')}/info/refs?service=${service}`);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const target = egress ? await egress.check(url) : null;
    const headers = url.origin === origin ? authHeaders(repo.credentials) : {};
    const res = await get(url, headers, target ? pinnedLookup(target) : undefined);
    res.resume();
    const location = res.headers.location;
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && location) {
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:')
        throw new DependencyFailedError(`repository ${scrubUrl(repo.url)} redirected to a non-HTTP URL`);
      url = next;
      continue;
    }
    if (!url.pathname.endsWith('/info/refs'))
      throw new DependencyFailedError(
        `repository ${scrubUrl(repo.url)} redirected to a URL that is not a Git repository`,
      );
    const base = `${url.origin}${url.pathname.slice(0, -'/info/refs'.length)}`;
    return { ...repo, url: base, credentials: url.origin === origin ? repo.credentials : null };
  }
  throw new DependencyFailedError(`repository ${scrubUrl(repo.url)}: too many redirects`);
}

function get(
  url: URL,
  headers: Record<string, string>,
  lookup: ReturnType<typeof pinnedLookup> | undefined,
): Promise<IncomingMessage> {
  const doRequest = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = doRequest(url, { method: 'GET', headers, ...(lookup ? { lookup } : {}), timeout: 60_000 });
    r.once('response', resolve);
    r.once('timeout', () => r.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    r.once('error', reject);
    r.end();
  });
}
