/**
 * Typed errors of the cluster client. The kind decides what the agent does next: `unavailable`
 * (5xx, connection refused, timeouts) is retried with backoff; every other kind is the object's
 * own fault or the agent's permissions, and retrying the same request cannot help.
 */

/** What went wrong, as far as the agent needs to know. */
export type ClusterErrorKind =
  | 'conflict'
  | 'invalid'
  | 'immutable'
  | 'forbidden'
  | 'not-found'
  | 'unavailable'
  /** The object's namespace is being deleted: refused now, fine once it is gone (and recreated). */
  | 'terminating'
  | 'unknown';

/** An API server refusal or a transport failure, with the server's own message. */
export class ClusterError extends Error {
  constructor(
    readonly kind: ClusterErrorKind,
    message: string,
    /** HTTP status; 0 when no response came. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'ClusterError';
  }

  /** True when the same request may succeed later (server down or overloaded). */
  get retryable(): boolean {
    return this.kind === 'unavailable' || this.kind === 'conflict' || this.kind === 'terminating';
  }
}

// Wording of the API server's validation for fields that cannot change once set (Job
// template, Deployment selector, Service clusterIP, PVC spec, ...).
const IMMUTABLE = /field is immutable|may not change once set|immutable/i;

/** The `details.causes[].reason` of a `Status` body. */
function causes(body: unknown): string[] {
  const list = (body as { details?: { causes?: unknown } } | null)?.details?.causes;
  return Array.isArray(list)
    ? list.map((c) => (c as { reason?: unknown })?.reason).filter((r): r is string => typeof r === 'string')
    : [];
}

/** Maps an API server response (a `Status` object, usually) to a {@link ClusterError}. */
export function errorFromResponse(status: number, body: unknown, what: string): ClusterError {
  const message =
    body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string'
      ? (body as { message: string }).message
      : typeof body === 'string' && body !== ''
        ? body.slice(0, 2000)
        : `HTTP ${status}`;
  // Some refusals quote a whole Go struct; keep reports readable and under the hub's limits.
  const text = `${what}: ${message.length > 4000 ? `${message.slice(0, 4000)}…` : message}`;
  if (status === 404) return new ClusterError('not-found', text, status);
  // NamespaceLifecycle answers 403 too, but that refusal passes once the deletion completes.
  if (status === 403 && causes(body).includes('NamespaceTerminating'))
    return new ClusterError('terminating', text, status);
  if (status === 403 || status === 401) return new ClusterError('forbidden', text, status);
  if (status === 409) return new ClusterError('conflict', text, status);
  if (status === 422 || status === 400) {
    return new ClusterError(IMMUTABLE.test(message) ? 'immutable' : 'invalid', text, status);
  }
  if (status === 429 || status >= 500) return new ClusterError('unavailable', text, status);
  return new ClusterError('unknown', text, status);
}

/** A transport failure (no HTTP response at all): always retryable. */
export function unavailable(what: string, cause: unknown): ClusterError {
  return new ClusterError('unavailable', `${what}: ${(cause as Error)?.message ?? String(cause)}`, 0);
}
