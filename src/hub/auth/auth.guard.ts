import { Injectable, type CanActivate, type ExecutionContext, Inject } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '../../domain/errors.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import { allowsSomewhere, authorize, describeGrants } from '../../domain/authorization.js';
import { type AuthenticatedRequest, type Principal } from './principal.js';
import { ANY_PRINCIPAL_KEY, PROJECT_SCOPED_KEY, PUBLIC_KEY, ROLE_KEY, type Role } from './roles.js';
import { cookieNames, readCookie } from './session-cookie.js';
import { SSO_SESSION_PREFIX, SsoService } from './sso.service.js';
import { TokenService } from './token.service.js';

/** What the guard reads of an Express request. */
type GuardedRequest = AuthenticatedRequest & {
  method: string;
  headers: Record<string, string | undefined>;
  ip?: string;
  socket?: { remoteAddress?: string };
};

/** Methods that change nothing: a cookie may authenticate them from anywhere (the browser's same-origin policy keeps the answer). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The header the dashboard sends with every request; a cross-site form or image cannot set it. */
export const CSRF_HEADER = 'x-flotilla-request';

/**
 * Every route needs a bearer token (an API token, or the session token of `flotilla login
 * --sso`) or a dashboard session cookie, with a sufficient role, unless marked {@link Public}.
 * A cookie-authenticated request that changes something must prove it comes from the hub's own
 * pages (cross-site request forgery). Failed authentications count against the caller's address
 * ({@link FailedAuthLimiter}).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(SsoService) private readonly sso: SsoService,
    @Inject(FailedAuthLimiter) private readonly limiter: FailedAuthLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<GuardedRequest>();
    const principal = await this.authenticate(req).catch((e: unknown) => {
      if (e instanceof UnauthenticatedError)
        this.limiter.failed(req.ip ?? req.socket?.remoteAddress ?? 'unknown');
      throw e;
    });
    req.principal = principal;
    if (this.reflector.getAllAndOverride<boolean>(ANY_PRINCIPAL_KEY, targets)) return true;
    const need = this.reflector.getAllAndOverride<Role>(ROLE_KEY, targets) ?? 'viewer';
    // Project routes: the role in some project gets the caller in; the service decides on the
    // project concerned. Every other route is fleet-wide and needs a global role.
    const scoped = this.reflector.getAllAndOverride<boolean>(PROJECT_SCOPED_KEY, targets) ?? false;
    if (scoped ? !allowsSomewhere(principal, need) : !authorize(principal, need, null))
      throw new ForbiddenError(
        `this needs the ${need} role${scoped ? ' (globally or in a project)' : ' globally'}; ${principal.identity ? 'user' : 'token'} '${principal.name}' has ${describeGrants(principal)}`,
      );
    return true;
  }

  private async authenticate(req: GuardedRequest): Promise<Principal> {
    const header = req.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match)
        throw new UnauthenticatedError('missing bearer token: send "Authorization: Bearer <token>"');
      return match[1].startsWith(`${SSO_SESSION_PREFIX}_`)
        ? this.sso.authenticate(match[1])
        : this.tokens.authenticate(match[1]);
    }
    const cookie = readCookie(req.headers.cookie, cookieNames(this.sso.secureCookies).session);
    if (cookie && this.sso.enabled) {
      const principal = await this.sso.authenticate(cookie);
      this.checkSameOrigin(req);
      return principal;
    }
    throw new UnauthenticatedError('missing bearer token: send "Authorization: Bearer <token>"');
  }

  /**
   * A cookie rides along on requests other sites make the browser send: a state-changing one
   * must carry the hub's own Origin (browsers set it on every cross-origin and every POST
   * request) or, when a client sends no Origin, the dashboard's custom header, which a
   * cross-site page cannot add without a CORS preflight the hub never grants.
   */
  private checkSameOrigin(req: GuardedRequest): void {
    if (SAFE_METHODS.has(req.method.toUpperCase())) return;
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (origin === this.sso.publicOrigin) return;
      throw new ForbiddenError(
        `cross-site request refused: Origin ${origin.slice(0, 200)} is not this hub (${this.sso.publicOrigin}); use a bearer token for automation`,
      );
    }
    if (req.headers[CSRF_HEADER] === '1') return;
    throw new ForbiddenError(
      `cross-site request refused: a cookie-authenticated ${req.method} needs an Origin header or ${CSRF_HEADER}: 1`,
    );
  }
}
