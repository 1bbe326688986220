import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from './principal.js';
import { ProjectScoped } from './roles.js';
import { WhoamiDto } from './token.dto.js';
import { TokenService } from './token.service.js';

/**
 * Who the caller is: any valid token may ask (viewer is the least role). Clients learn their
 * role here instead of probing a route they may not use.
 */
@ApiTags('tokens')
@ApiBearerAuth()
@Controller('api/v1/whoami')
export class WhoamiController {
  constructor(@Inject(TokenService) private readonly tokens: TokenService) {}

  @Get()
  @ProjectScoped()
  @ApiOkResponse({ type: WhoamiDto })
  whoami(@CurrentPrincipal() principal: Principal): WhoamiDto {
    return this.tokens.whoami(principal);
  }
}
