import { InvalidInputError, TooLargeError } from '../domain/errors.js';
import { normalizeRepoPath } from './vcs-path.js';
import { type CommitRequest, type FileChange, type HistoryQuery, type VcsLimits } from './vcs-backend.js';

/** A validated change: canonical path, and content unless it is a delete. */
export type NormalizedChange = { path: string; content: Buffer } | { path: string; content: null };

/** A validated commit request. */
export interface NormalizedCommitRequest {
  message: string;
  author: { name: string; email: string };
  baseRevision: string | null;
}

const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Validates the change set of a commit: at least one change, each path valid and mentioned
 * once, content within the file size limit. Runs before anything touches the network.
 */
export function normalizeChanges(changes: readonly FileChange[], limits: VcsLimits): NormalizedChange[] {
  const list = changes;
  if (!Array.isArray(changes) || changes.length === 0)
    throw new InvalidInputError('changes: at least one change is required');
  if (changes.length > limits.maxChangesPerCommit)
    throw new TooLargeError(`changes: at most ${limits.maxChangesPerCommit} changes per commit`);
  const seen = new Set<string>();
  const out: NormalizedChange[] = [];
  for (const change of list) {
    const path = normalizeRepoPath(change.path);
    if (seen.has(path)) throw new InvalidInputError(`changes: path '${path}' appears more than once`);
    for (const other of seen)
      if (other.startsWith(`${path}/`) || path.startsWith(`${other}/`))
        throw new InvalidInputError(`changes: '${path}' and '${other}' cannot both be files`);
    seen.add(path);
    if ('delete' in change && change.delete === true) {
      out.push({ path, content: null });
    } else if ('content' in change && Buffer.isBuffer(change.content)) {
      if (change.content.length > limits.maxFileBytes)
        throw new TooLargeError(
          `${path}: ${change.content.length} bytes is over the ${limits.maxFileBytes}-byte file limit`,
        );
      out.push({ path, content: change.content });
    } else {
      throw new InvalidInputError(`changes: '${path}' needs either content (bytes) or delete: true`);
    }
  }
  return out;
}

/**
 * Validates commit metadata. The message is free text (it reaches the VCS as data: a file or an
 * object, never a shell); the author name ends up in a one-line header, so it may not contain
 * control characters or the `<>` that delimit a Git identity.
 */
export function normalizeCommitRequest(request: CommitRequest): NormalizedCommitRequest {
  const message = request?.message;
  if (typeof message !== 'string' || message.trim() === '') throw new InvalidInputError('message: required');
  if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES)
    throw new TooLargeError(`message: over ${MAX_MESSAGE_BYTES} bytes`);
  if (message.includes('\0')) throw new InvalidInputError('message: contains a NUL character');
  const name = request.author?.name;
  if (typeof name !== 'string' || name.trim() === '') throw new InvalidInputError('author.name: required');
  const email = request.author.email ?? '';
  for (const [field, value] of [
    ['author.name', name],
    ['author.email', email],
  ] as const) {
    if (value.length > 256) throw new InvalidInputError(`${field}: longer than 256 characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f<>]/.test(value))
      throw new InvalidInputError(`${field}: contains control characters or '<' '>'`);
  }
  const baseRevision = request.baseRevision ?? null;
  if (baseRevision !== null && typeof baseRevision !== 'string')
    throw new InvalidInputError('baseRevision: must be a string');
  return { message, author: { name: name.trim(), email: email.trim() }, baseRevision };
}

/** Validates a history query; returns the page size and the root-or-path filter. */
export function normalizeHistoryQuery(query: HistoryQuery): {
  path: string;
  limit: number;
  cursor: string | null;
} {
  const limit = query?.limit;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new InvalidInputError('limit: must be an integer from 1 to 1000');
  const path = normalizeRepoPath(query.path ?? '', 'path', true);
  const cursor = query.cursor ?? null;
  if (cursor !== null && (typeof cursor !== 'string' || cursor.length > 4096))
    throw new InvalidInputError('cursor: not a cursor returned by this API');
  return { path, limit, cursor };
}
