import { type Revision, type VcsRepository } from '../vcs-backend.js';
import { normalizeRepoPath } from '../vcs-path.js';

/** URL of a repository path, each segment percent-encoded (so `@`, spaces, `#` are data). */
export function svnUrl(repo: VcsRepository, path: string): string {
  const base = repo.url.replace(/\/+$/, '');
  const root = repo.path ? normalizeRepoPath(repo.path, 'repository path') : '';
  const segments = [...(root ? root.split('/') : []), ...(path ? path.split('/') : [])];
  return [base, ...segments.map((s) => encodeURIComponent(s))].join('/');
}

/** URL of the repository root path, decoded: the prefix svn's output URLs are compared with. */
export function svnPlainUrl(repo: VcsRepository): string {
  return decodeURIComponent(svnUrl(repo, ''));
}

/** URL with an explicit peg revision: a path can never be mistaken for `name@rev`. */
export function svnPegUrl(repo: VcsRepository, path: string, rev: string): string {
  return `${svnUrl(repo, path)}@${rev}`;
}

/** The API revision of an svn revision number; the display names the repository path too. */
export function svnRevision(repo: VcsRepository, rev: number): Revision {
  const root = repo.path ? normalizeRepoPath(repo.path, 'repository path') : '';
  return { id: String(rev), display: root ? `${root}@r${rev}` : `r${rev}` };
}
