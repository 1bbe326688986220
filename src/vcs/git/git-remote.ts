import git, { type HttpClient } from 'isomorphic-git';
import { DomainError, InvalidInputError, NotFoundError, DependencyFailedError } from '../../domain/errors.js';
import { type VcsRepository } from '../vcs-backend.js';
import { type GitStore } from './git-objects.js';
import * as nodeFs from 'node:fs';
import { authHeaders } from '../http-connect.js';
import { scrubSecrets, scrubUrl, VcsAuthenticationError } from '../vcs.errors.js';

/**
 * Validates a Git remote URL: smart HTTP(S) only (isomorphic-git speaks nothing else), and no
 * credentials inside it — they belong in `credentials`, where they are kept out of messages.
 */
export function validateGitUrl(url: string, allowSsh = false): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError('url: not a valid URL');
  }
  if (parsed.protocol === 'ssh:') {
    if (!allowSsh)
      throw new InvalidInputError(
        'url: ssh:// repositories need the git CLI (FLOTILLA_GIT_IMPLEMENTATION=auto or cli, with git installed)',
      );
    // The user name of an SSH URL (`git@`) is not a secret; a password never goes there.
    if (parsed.password) throw new InvalidInputError('url: an SSH URL takes no password; use a deploy key');
    if (!parsed.hostname || parsed.pathname.length < 2)
      throw new InvalidInputError('url: ssh://host/path expected');
    return parsed;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InvalidInputError('url: Git repositories must use http://, https:// or ssh://');
  if (parsed.username || parsed.password)
    throw new InvalidInputError('url: put credentials in the credentials field, not in the URL');
  return parsed;
}

/** Validates a branch name against the rules of `git check-ref-format` that matter here. */
export function validateBranch(branch: string): string {
  if (
    typeof branch !== 'string' ||
    branch === '' ||
    branch.length > 255 ||
    !/^[A-Za-z0-9._/+-]+$/.test(branch) ||
    branch.startsWith('-') ||
    branch.startsWith('/') ||
    branch.endsWith('/') ||
    branch.endsWith('.lock') ||
    branch.includes('..') ||
    branch.includes('//')
  )
    throw new InvalidInputError('branch: not a valid Git branch name');
  return branch;
}

/** Secret values of a repository, for scrubbing messages. */
export function secretsOf(repo: VcsRepository): string[] {
  const c = repo.credentials;
  return c ? [c.password, c.token, c.sshPrivateKey].filter((s): s is string => !!s) : [];
}

/** The branch's newest commit on the remote, found from the ref advertisement alone. */
export interface RemoteHead {
  branch: string;
  oid: string;
}

/**
 * Asks the server for its refs: one GET of `info/refs` (protocol v1 advertises refs in that
 * response; v2 would need a second request for ls-refs). No pack is downloaded.
 */
export async function lsRemoteHead(http: HttpClient, repo: VcsRepository): Promise<RemoteHead> {
  const refs = await git.listServerRefs({
    http,
    url: repo.url,
    headers: authHeaders(repo.credentials),
    protocolVersion: 1,
    symrefs: true,
  });
  let branch = repo.branch;
  if (branch === null) {
    const head = refs.find((r) => r.ref === 'HEAD');
    if (!head?.target?.startsWith('refs/heads/'))
      throw new NotFoundError('default branch of repository', scrubUrl(repo.url));
    branch = head.target.slice('refs/heads/'.length);
  }
  const ref = refs.find((r) => r.ref === `refs/heads/${branch}`);
  if (!ref) throw new NotFoundError('branch', branch);
  return { branch, oid: ref.oid };
}

/**
 * Turns whatever isomorphic-git or the network threw into a typed, credential-free error.
 * DomainErrors pass through; unknown errors become DependencyFailedError with a scrubbed message.
 */
export function mapGitError(error: unknown, repo: VcsRepository): DomainError {
  if (error instanceof DomainError) return error;
  const e = error as { code?: string; data?: { statusCode?: number }; message?: string };
  const url = repo.url;
  const text = scrubSecrets(String(e?.message ?? error), secretsOf(repo));
  if (e?.code === 'HttpError') {
    const status = e.data?.statusCode;
    if (status === 401 || status === 403) return new VcsAuthenticationError(url);
    if (status === 404) return new NotFoundError('repository', scrubUrl(url));
    return new DependencyFailedError(`repository ${scrubUrl(url)} answered HTTP ${status ?? '?'}`);
  }
  if (e?.code === 'UserCanceledError') return new VcsAuthenticationError(url);
  if (
    [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EHOSTUNREACH',
      'ETIMEDOUT',
      'ECONNRESET',
      'EAI_AGAIN',
      'ENETUNREACH',
    ].includes(e?.code ?? '')
  )
    return new DependencyFailedError(`repository ${scrubUrl(url)} is unreachable (${e.code})`);
  if (e?.code === 'SmartHttpError' || e?.code === 'EmptyServerResponseError')
    return new DependencyFailedError(`repository ${scrubUrl(url)} is not a Git smart-HTTP endpoint`);
  return new DependencyFailedError(`git operation on ${scrubUrl(url)} failed: ${text}`);
}

/**
 * Pushes a local ref to a branch with isomorphic-git, never forcing; false when the server
 * refused because the branch moved (the caller rebuilds on the new head and retries).
 */
export async function pushWithoutForce(
  http: HttpClient,
  repo: VcsRepository,
  store: GitStore,
  localRef: string,
  branch: string,
): Promise<boolean> {
  try {
    const result = await git.push({
      fs: nodeFs,
      http,
      gitdir: store.gitdir,
      url: repo.url,
      ref: localRef,
      remoteRef: `refs/heads/${branch}`,
      headers: authHeaders(repo.credentials),
      cache: store.cache,
    });
    if (!result.ok)
      throw Object.assign(new Error(result.error ?? 'push rejected'), { code: 'PushRejectedError' });
    return true;
  } catch (e) {
    if (isRejectedPush(e)) return false;
    throw e;
  }
}

function isRejectedPush(e: unknown): boolean {
  const err = e as { code?: string; message?: string; data?: { reason?: string; prettyDetails?: string } };
  if (err?.code === 'PushRejectedError') return true;
  if (err?.code === 'GitPushError')
    return /non-fast-forward|fetch first|failed to update ref|stale info/i.test(
      `${err.message} ${err.data?.prettyDetails ?? ''}`,
    );
  return false;
}
