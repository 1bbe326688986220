import { Injectable, type CanActivate, type ExecutionContext, Inject } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '../../domain/errors.js';
import { type AuthenticatedRequest } from './principal.js';
import { PUBLIC_KEY, ROLE_KEY, roleAllows, type Role } from './roles.js';
import { TokenService } from './token.service.js';

/** Every route needs a bearer token with a sufficient role, unless marked {@link Public}. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenService) private readonly tokens: TokenService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx
      .switchToHttp()
      .getRequest<AuthenticatedRequest & { headers: Record<string, string | undefined> }>();
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new UnauthenticatedError('missing bearer token: send "Authorization: Bearer <token>"');
    const principal = await this.tokens.authenticate(match[1]);
    const need = this.reflector.getAllAndOverride<Role>(ROLE_KEY, targets) ?? 'viewer';
    if (!roleAllows(principal.role, need))
      throw new ForbiddenError(
        `this needs the ${need} role; token '${principal.name}' has ${principal.role}`,
      );
    req.principal = principal;
    return true;
  }
}
