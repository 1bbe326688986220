/** REST client of the hub's /api/v1 and the types of the answers the dashboard reads. */

export type Role = 'viewer' | 'operator' | 'admin';
export type Sync = 'Synced' | 'OutOfSync' | 'Progressing' | 'Failed' | 'Unknown';
export type Health = 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface Cluster {
  id: string;
  name: string;
  labels: Record<string, string>;
  connectionState: 'Pending' | 'Connected' | 'Disconnected';
  lastSeenAt: string | null;
  agentVersion: string | null;
  kubernetesVersion: string | null;
  registered: boolean;
}
export interface Target {
  clusterSelector: string;
  namespace?: string;
}
export interface Application {
  id: string;
  name: string;
  repositoryId: string;
  path: string;
  revision: string | null;
  targets: Target[];
  syncPolicy: { automated: boolean; prune: boolean; selfHeal: boolean };
  suspended: boolean;
  deleting: boolean;
}
export interface LastJob {
  id: string;
  kind: 'sync' | 'remove';
  state: 'queued' | 'leased' | 'succeeded' | 'failed' | 'superseded';
  revision: string;
  attempts: number;
  error: string | null;
  updatedAt: string;
}
export interface ClusterStatus {
  clusterId: string;
  clusterName: string;
  connectionState: string;
  revisionWanted: string | null;
  revisionApplied: string | null;
  sync: Sync;
  health: Health;
  message: string | null;
  lastJob: LastJob | null;
}
export interface ApplicationDetail extends Application {
  clusters: ClusterStatus[];
  counts: { total: number; sync: Record<string, number>; health: Record<string, number> };
}
export interface Deployment {
  id: string;
  revision: string;
  revisionDisplay: string;
  trigger: string;
  actor: string | null;
  clusters: number;
  outcome: string;
  jobs: Record<string, number>;
  createdAt: string;
}
export interface ResourceStatus {
  clusterId: string;
  resource: string;
  action: string | null;
  health: string;
  healthMessage: string | null;
  drifted: boolean;
  diff: string | null;
  message: string | null;
  updatedAt: string;
}
export interface Repository {
  id: string;
  name: string;
  type: 'git' | 'svn';
  url: string;
  branch: string | null;
  lastRevision: string | null;
  lastError: string | null;
}
export interface Commit {
  revision: { id: string; display: string };
  author: string;
  email: string | null;
  message: string;
  time: string;
  changedPaths: string[];
}
export interface TreeEntry {
  name: string;
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'submodule';
  size: number | null;
}
export interface Tree {
  revision: string;
  path: string;
  entries: TreeEntry[];
}
export interface AuditEvent {
  seq: string;
  occurredAt: string;
  actor: { type: 'token' | 'agent' | 'system'; id: string | null; name: string | null };
  action: string;
  clusterId: string | null;
  repositoryId: string | null;
  applicationId: string | null;
  revision: string | null;
  resource: string | null;
  details: Record<string, unknown>;
  hash: string;
  prevHash: string;
}
export interface ChainVerdict {
  ok: boolean;
  checked: number;
  brokenAt?: number;
  reason?: string;
  keyedFrom: number | null;
  checkpointsChecked: number;
}

/** An answer other than 2xx, with the API's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'flotilla.token';
export const session = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

function messageOf(body: unknown, status: number): string {
  if (body && typeof body === 'object' && 'message' in body) {
    const m = (body as { message: unknown }).message;
    if (Array.isArray(m)) return m.join('; ');
    if (typeof m === 'string') return m;
  }
  return typeof body === 'string' && body ? body : `HTTP ${status}`;
}

/** Calls the API with the session's token; JSON in and out (text when `text` is set). */
export async function api<T>(
  method: string,
  path: string,
  opts: { body?: unknown; text?: boolean; token?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = opts.token ?? session.get();
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  if (!opts.text || !res.ok) {
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
  }
  if (!res.ok) throw new ApiError(res.status, messageOf(body, res.status), body);
  return body as T;
}

/** Every page of a keyset-paginated list. */
export async function all<T>(path: string, limit = 500): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page<T> = await api<Page<T>>(
      'GET',
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/**
 * The role of a token. The API has no "who am I" route; `GET /api/v1/tokens` is read-only and
 * admin-only: 200 means admin, and its 403 answer names the token's role ("… has operator").
 * Anything else is treated as the least role, viewer: the API enforces roles regardless.
 */
export async function whoAmI(token: string): Promise<Role> {
  try {
    await api('GET', '/api/v1/tokens', { token });
    return 'admin';
  } catch (e) {
    if (e instanceof ApiError && e.status === 403)
      return /\bhas operator\b/.test(e.message) ? 'operator' : 'viewer';
    throw e;
  }
}

export const enc = encodeURIComponent;
export const encPath = (p: string) => p.split('/').map(encodeURIComponent).join('/');
