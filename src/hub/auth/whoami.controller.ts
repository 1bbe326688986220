import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from './principal.js';
import { AnyPrincipal } from './roles.js';
import { WhoamiDto } from './token.dto.js';
import { TokenService } from './token.service.js';

/**
 * Who the caller is: any valid token or SSO session may ask, also one holding project roles
 * only. Clients learn their roles (and a person their identity and session expiry) here instead
 * of probing a route they may not use.
 */
@ApiTags('tokens')
@ApiBearerAuth()
@Controller('api/v1/whoami')
export class WhoamiController {
  constructor(@Inject(TokenService) private readonly tokens: TokenService) {}

  @Get()
  @AnyPrincipal()
  @ApiOkResponse({ type: WhoamiDto })
  whoami(@CurrentPrincipal() principal: Principal): WhoamiDto {
    return this.tokens.whoami(principal);
  }
}
