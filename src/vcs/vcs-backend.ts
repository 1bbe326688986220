/**
 * The one interface every version-control backend implements (ARCHITECTURE.md §4).
 * Nothing outside src/vcs/ knows whether a repository is Git, SVN or a Helm chart repository:
 * the hub holds a {@link VcsRepository}, asks the registry for its backend and calls these
 * methods.
 */

/** Which backend serves a repository. */
export type VcsType = 'git' | 'svn' | 'helm';

/** Secrets to reach a repository. Never logged, never put in an error message or argv. */
export interface VcsCredentials {
  username?: string;
  password?: string;
  /**
   * An access token. Git sends it as HTTP basic auth with the password set to the token and
   * the username set to `username` when given, else `x-access-token` (what GitHub, GitLab and
   * Gitea all accept). SVN uses it as the password.
   */
  token?: string;
  /** Git over SSH: the deploy key (PEM or OpenSSH, unencrypted). */
  sshPrivateKey?: string;
  /** Git over SSH: the server's host keys, known_hosts lines; required, nothing is learnt on first use. */
  knownHosts?: string;
}

/** A repository as the hub stores it. */
export interface VcsRepository {
  /** Stable identifier; names the on-disk cache, so it must be a safe file name (`[A-Za-z0-9._-]`). */
  id: string;
  type: VcsType;
  /**
   * Clone URL (git), URL of the repository root or any directory in it (svn), or base URL of a
   * chart repository, where `index.yaml` is (helm). No credentials in it.
   */
  url: string;
  /** Git branch; null means the remote's default branch (its HEAD). Ignored by SVN. */
  branch: string | null;
  /** SVN: directory under `url` that is the root of every path (e.g. `trunk`); null = `url` itself. Ignored by Git. */
  path: string | null;
  credentials: VcsCredentials | null;
}

/**
 * A revision. `id` is opaque to the hub (a Git commit id, an SVN revision number as a string)
 * and is what every method taking a revision expects back; `display` is for people.
 */
export interface Revision {
  /** Git: 40-hex commit id. SVN: decimal revision number. Helm: 64-hex SHA-256 of index.yaml. */
  readonly id: string;
  /** `main@sha1:1a2b3c4` / `trunk@r1234` / `index@1a2b3c4d5e6f`. */
  readonly display: string;
}

/** Kind of a tree entry. Symlinks are reported, never silently followed out of the repository. */
export type TreeEntryType = 'file' | 'dir' | 'symlink' | 'submodule';

/** One entry of a directory listing. */
export interface TreeEntry {
  /** Last path segment. */
  name: string;
  /** Path relative to the repository root (branch root for Git, `repo.path` for SVN). */
  path: string;
  type: TreeEntryType;
  /** Size in bytes of a file, when the backend knows it cheaply (SVN); null otherwise. */
  size: number | null;
  /** Target of a symlink as stored (may point anywhere; reading it is checked). */
  target?: string;
}

/** Every file under a path at one revision. */
export interface FileSet {
  revision: Revision;
  /** Repository-relative path (same form as {@link TreeEntry.path}) → content. Symlinks appear as their target's content. */
  files: Map<string, Buffer>;
  /** Sum of the sizes of `files`. */
  totalBytes: number;
}

/** Who made a commit. */
export interface CommitAuthor {
  name: string;
  email: string | null;
}

/** One entry of the history. */
export interface Commit {
  revision: Revision;
  author: CommitAuthor;
  message: string;
  time: Date;
  /** Repository-relative paths of files (and, for SVN, directories) added, modified or deleted. */
  changedPaths: string[];
}

/** One page of history, newest first. */
export interface HistoryPage {
  items: Commit[];
  /** Pass back as `cursor` to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** What to list in {@link VcsBackend.history}. */
export interface HistoryQuery {
  /** Only commits touching this path (file or directory); omitted or empty = whole repository root. */
  path?: string;
  /** Page size, 1..1000. */
  limit: number;
  /** From a previous {@link HistoryPage.nextCursor}. */
  cursor?: string | null;
}

/** One change in a commit: write a file (create or replace), or delete one. */
export type FileChange = { path: string; content: Buffer } | { path: string; delete: true };

/** Metadata of a commit made through the API. */
export interface CommitRequest {
  /** Any text; passed to the VCS as data, never interpreted. */
  message: string;
  /** The API caller (token name). Recorded as the commit author. */
  author: { name: string; email?: string };
  /**
   * The revision the caller's edit is based on. When given, the commit is refused with a
   * ConflictError (409) if any of the changed paths was modified in a revision after it;
   * changes to other paths do not conflict. When omitted, the commit applies to the newest
   * revision (last write wins).
   */
  baseRevision?: string;
}

/**
 * Reads from and writes to one kind of repository. Every path argument is relative to the
 * repository root and validated (see vcs-path.ts); every failure is a DomainError subclass
 * (InvalidInputError, NotFoundError, ConflictError, DependencyFailedError, TooLargeError,
 * VcsAuthenticationError) whose message never contains a credential.
 */
export interface VcsBackend {
  readonly type: VcsType;
  /** Newest revision of the branch (Git) or path (SVN). Cheap: one round-trip when nothing changed. */
  resolve(repo: VcsRepository): Promise<Revision>;
  /** Brings the local cache (if any) up to date and returns the newest revision. */
  refresh(repo: VcsRepository): Promise<Revision>;
  /** Immediate children of a directory; `''` is the root. */
  tree(repo: VcsRepository, revision: string, path: string): Promise<TreeEntry[]>;
  /** Content of one file. Symlinks are followed only when they stay inside the repository. */
  read(repo: VcsRepository, revision: string, path: string): Promise<Buffer>;
  /** Every file under a directory (recursively), within the snapshot size limit. */
  snapshot(repo: VcsRepository, revision: string, path: string): Promise<FileSet>;
  /** Commits newest first, optionally only those touching a path, paginated. */
  history(repo: VcsRepository, query: HistoryQuery): Promise<HistoryPage>;
  /** Paths changed between two revisions (`from` exclusive, `to` inclusive), sorted. */
  changedPaths(repo: VcsRepository, from: string, to: string): Promise<string[]>;
  /**
   * Whether `descendant` has `ancestor` in its history (or is it): false when the branch was
   * moved back to an older revision, or to one unrelated to `ancestor`. SVN revisions are
   * ordered numbers, so a lower number than one seen before means the repository was rewound
   * (e.g. reloaded with `svnadmin load`).
   */
  isAncestor(repo: VcsRepository, ancestor: string, descendant: string): Promise<boolean>;
  /** Commits the changes atomically as `request.author`; returns the new revision. */
  commit(repo: VcsRepository, changes: readonly FileChange[], request: CommitRequest): Promise<Revision>;
}

/** Size limits shared by every backend. */
export interface VcsLimits {
  /** Largest file `read` returns or `commit` accepts. Default 5 MiB. */
  maxFileBytes: number;
  /** Largest total a `snapshot` returns. Default 64 MiB. */
  maxSnapshotBytes: number;
  /** Most files a `snapshot` returns. Default 20,000. */
  maxSnapshotFiles: number;
  /** Most changes in one `commit`. Default 1,000. */
  maxChangesPerCommit: number;
}

/** Defaults for {@link VcsLimits}. */
export const DEFAULT_VCS_LIMITS: Readonly<VcsLimits> = Object.freeze({
  maxFileBytes: 5 * 1024 * 1024,
  maxSnapshotBytes: 64 * 1024 * 1024,
  maxSnapshotFiles: 20_000,
  maxChangesPerCommit: 1_000,
});
