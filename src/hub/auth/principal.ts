import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { authorize, describeGrants } from '../../domain/authorization.js';
import { ForbiddenError } from '../../domain/errors.js';
import { type Role } from './roles.js';

/** A person signed in through single sign-on, as the provider named them at login. */
export interface SsoIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  /** The groups at login (their roles are fixed for the session). */
  groups: string[];
}

/** The authenticated caller of an API request: an API token, or an SSO session. */
export interface Principal {
  /** The token's id, or the SSO session's. */
  tokenId: string;
  name: string;
  /** Global role; null: holds project roles only. */
  role: Role | null;
  /** Role per project name. */
  projects: Readonly<Record<string, Role>>;
  /** When the token stops working; null: never. */
  expiresAt: Date | null;
  /** The token's last recorded use before this request (recorded at most once a minute). */
  lastUsedAt: Date | null;
  /** Set for a person signed in through SSO. */
  identity?: SsoIdentity;
}

/**
 * Refuses (403) a caller without `need` in `project` (a global role counts everywhere), naming
 * what it needs and what it holds.
 */
export function assertAllowed(p: Principal, need: Role, project: string): void {
  if (!authorize(p, need, project))
    throw new ForbiddenError(
      `this needs the ${need} role in project '${project}'; token '${p.name}' has ${describeGrants(p)}`,
    );
}

/** The request property the auth guard fills. */
export interface AuthenticatedRequest {
  principal?: Principal;
}

/** The audit actor for a principal: the SSO identity (with its groups at the time) when there is one. */
export function actorOf(p: Principal): Actor {
  if (p.identity)
    return {
      type: 'user',
      id: `${p.identity.issuer}#${p.identity.subject}`,
      name: p.identity.email ?? p.identity.subject,
      groups: [...p.identity.groups],
    };
  return { type: 'token', id: p.tokenId, name: p.name };
}

/** Injects the authenticated caller. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!req.principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return req.principal;
});

/** Injects the calling token as an audit {@link Actor}. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!req.principal) throw new Error('CurrentActor used on a route without authentication');
  return actorOf(req.principal);
});
