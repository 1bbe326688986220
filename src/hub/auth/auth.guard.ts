import { Injectable, type CanActivate, type ExecutionContext, Inject } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '../../domain/errors.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import { type AuthenticatedRequest } from './principal.js';
import { allowsSomewhere, authorize, describeGrants } from '../../domain/authorization.js';
import { PROJECT_SCOPED_KEY, PUBLIC_KEY, ROLE_KEY, type Role } from './roles.js';
import { TokenService } from './token.service.js';

/** What the guard reads of an Express request. */
type GuardedRequest = AuthenticatedRequest & {
  headers: Record<string, string | undefined>;
  ip?: string;
  socket?: { remoteAddress?: string };
};

/**
 * Every route needs a bearer token with a sufficient role, unless marked {@link Public}. Failed
 * authentications count against the caller's address ({@link FailedAuthLimiter}).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenService) private readonly tokens: TokenService,
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
    const need = this.reflector.getAllAndOverride<Role>(ROLE_KEY, targets) ?? 'viewer';
    // Project routes: the role in some project gets the caller in; the service decides on the
    // project concerned. Every other route is fleet-wide and needs a global role.
    const scoped = this.reflector.getAllAndOverride<boolean>(PROJECT_SCOPED_KEY, targets) ?? false;
    if (scoped ? !allowsSomewhere(principal, need) : !authorize(principal, need, null))
      throw new ForbiddenError(
        `this needs the ${need} role${scoped ? ' (globally or in a project)' : ' globally'}; token '${principal.name}' has ${describeGrants(principal)}`,
      );
    req.principal = principal;
    return true;
  }

  private authenticate(req: GuardedRequest) {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match)
      return Promise.reject(
        new UnauthenticatedError('missing bearer token: send "Authorization: Bearer <token>"'),
      );
    return this.tokens.authenticate(match[1]);
  }
}
