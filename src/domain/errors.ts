/**
 * Typed errors shared by every layer. Each carries a kind the HTTP edge maps to a status code,
 * and a message that is safe to show to a caller (never a secret, never a stack).
 */
export type DomainErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'rate-limited'
  | 'dependency-failed'
  | 'unavailable';

/** Base class of every error a caller is meant to see. */
export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** Machine-readable details (field names, revisions); never secrets. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that breaks a rule: the message names the field and the rule. */
export class InvalidInputError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('invalid', message, details);
  }
}

/** The thing asked for does not exist (or the caller may not know it exists). */
export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super('not-found', `${what} '${id}' not found`);
  }
}

/** The request collides with current state: a duplicate name, a stale base revision. */
export class ConflictError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, details);
  }
}

/** The hub's own database is down; the request may succeed later. */
export class UnavailableError extends DomainError {
  constructor(message: string) {
    super('unavailable', message);
  }
}

/**
 * A server the hub depends on for this request (a repository's VCS server) failed or cannot be
 * reached: the hub itself is up, so this is a failed dependency (424), not a 503.
 */
export class DependencyFailedError extends DomainError {
  constructor(message: string) {
    super('dependency-failed', message);
  }
}

/** Missing or unknown credentials. */
export class UnauthenticatedError extends DomainError {
  constructor(message = 'missing or invalid bearer token') {
    super('unauthenticated', message);
  }
}

/** Known caller, insufficient role or scope. */
export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

/** Input over a size limit. */
export class TooLargeError extends DomainError {
  constructor(message: string) {
    super('too-large', message);
  }
}

/** Too many requests from one caller: try again after `retryAfterSeconds` (the Retry-After header). */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate-limited', message, { retryAfterSeconds });
  }
}
