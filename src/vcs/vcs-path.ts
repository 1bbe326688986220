import { InvalidInputError } from '../domain/errors.js';

/** Longest repository path accepted. */
const MAX_PATH_LENGTH = 4096;

/**
 * Validates a repository-relative path and returns it in canonical form (segments joined by
 * `/`, no trailing slash). Repository paths reach the VCS as data, never through a shell, but
 * they name files on disk (exports, caches) and in other repositories' trees, so anything
 * that could escape or confuse is refused: `..` and `.` segments, absolute paths, empty
 * segments, backslashes, NUL and other control characters.
 *
 * @param allowRoot accept `''` (and `/`-free forms of it) meaning the repository root.
 */
export function normalizeRepoPath(path: string, field = 'path', allowRoot = false): string {
  if (typeof path !== 'string') throw new InvalidInputError(`${field}: must be a string`);
  if (path.length > MAX_PATH_LENGTH)
    throw new InvalidInputError(`${field}: longer than ${MAX_PATH_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path))
    throw new InvalidInputError(`${field}: contains a control character`);
  if (allowRoot && path === '/') return '';
  if (path.includes('\\')) throw new InvalidInputError(`${field}: contains a backslash`);
  if (path.startsWith('/'))
    throw new InvalidInputError(`${field}: must be relative to the repository root, not absolute`);
  if (/^[a-zA-Z]:/.test(path))
    throw new InvalidInputError(`${field}: must be relative to the repository root, not absolute`);
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  if (trimmed === '' || trimmed === '.') {
    if (allowRoot) return '';
    throw new InvalidInputError(`${field}: must name a file, not the repository root`);
  }
  const segments = trimmed.split('/');
  for (const s of segments) {
    if (s === '..') throw new InvalidInputError(`${field}: '..' segments are not allowed`);
    if (s === '.' || s === '') throw new InvalidInputError(`${field}: empty or '.' segments are not allowed`);
  }
  return segments.join('/');
}

/** Joins a directory and a relative path, either of which may be the root `''`. */
export function joinRepoPath(dir: string, name: string): string {
  if (dir === '') return name;
  return name === '' ? dir : `${dir}/${name}`;
}

/** Directory part of a repository path (`''` for a top-level entry). */
export function repoDirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/**
 * Resolves a symlink target stored at `linkPath` to a repository path, or null when it points
 * outside the repository (absolute, or `..` climbing above the root). Symlinks are repository
 * content, hence untrusted: a link to `/etc/passwd` or `../../secrets` must never be followed.
 */
export function resolveSymlinkTarget(linkPath: string, target: string): string | null {
  if (target.startsWith('/') || target.includes('\\') || target.includes('\0')) return null;
  const parts = repoDirname(linkPath) === '' ? [] : repoDirname(linkPath).split('/');
  for (const s of target.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(s);
  }
  return parts.join('/');
}

/** True when `path` equals `dir` or lies under it (`dir` `''` = root contains everything). */
export function isUnder(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}
