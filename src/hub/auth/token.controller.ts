import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Inject } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { CurrentActor } from './principal.js';
import { RequireRole } from './roles.js';
import { CreatedTokenDto, CreateTokenDto, TokenListDto } from './token.dto.js';
import { TokenService } from './token.service.js';

@ApiTags('tokens')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('api/v1/tokens')
export class TokenController {
  constructor(@Inject(TokenService) private readonly tokens: TokenService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedTokenDto })
  @ApiNotFoundResponse({ description: 'a project named in `projects` does not exist' })
  create(@Body() dto: CreateTokenDto, @CurrentActor() actor: Actor): Promise<CreatedTokenDto> {
    return this.tokens.create(dto, actor);
  }

  @Get()
  @ApiOkResponse({ type: TokenListDto })
  async list(): Promise<TokenListDto> {
    return { items: await this.tokens.list(), nextCursor: null };
  }

  @Delete(':id')
  @HttpCode(204)
  revoke(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.tokens.revoke(id, actor);
  }
}
