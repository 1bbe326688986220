import { type LookupFunction } from 'node:net';
import { type CheckedTarget } from './egress-guard.js';
import { type VcsCredentials } from './vcs-backend.js';

/**
 * HTTP headers carrying a repository's credentials (Git over HTTP, Helm chart repositories).
 * Sent up front (not after a 401 challenge) so an unchanged poll is a single request; a token is
 * basic auth with the token as password and `username`, else `x-access-token`, as user.
 */
export function authHeaders(credentials: VcsCredentials | null): Record<string, string> {
  if (!credentials) return {};
  const { username, password, token } = credentials;
  if (token)
    return {
      Authorization: `Basic ${Buffer.from(`${username || 'x-access-token'}:${token}`).toString('base64')}`,
    };
  if (username || password)
    return {
      Authorization: `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}`,
    };
  return {};
}

/**
 * A DNS lookup for `http(s).request` answering only the addresses the egress guard checked, so
 * the connection can never go to a second, different DNS answer; Host and the TLS server name
 * stay the URL's host.
 */
export function pinnedLookup(target: CheckedTarget): LookupFunction {
  return (_host, options, callback) => {
    const list = target.addresses;
    if ((options as { all?: boolean }).all) (callback as (e: null, a: typeof list) => void)(null, list);
    else callback(null, list[0].address, list[0].family);
  };
}
