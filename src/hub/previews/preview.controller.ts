import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { CurrentActor, CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ProjectScoped, RequireRole } from '../auth/roles.js';
import { DraftPreviewRequestDto, PreviewDto, PreviewListDto, PreviewRequestDto } from './preview.dto.js';
import { PreviewService } from './preview.service.js';

/** Fleet-wide previews (issue 18): what a revision would do on every target cluster. */
@ApiTags('previews')
@ApiBearerAuth()
@ProjectScoped()
@Controller('api/v1')
export class PreviewController {
  constructor(@Inject(PreviewService) private readonly previews: PreviewService) {}

  @Post('applications/:idOrName/previews')
  @RequireRole('operator')
  @ApiCreatedResponse({ type: PreviewDto, description: 'rendered; agents are asked (state running)' })
  @ApiNotFoundResponse({
    description:
      'no such application (or one the caller may not see), or the revision or branch is not in its repository',
  })
  @ApiResponse({ status: 400, description: 'both revision and branch' })
  @ApiResponse({ status: 429, description: 'the application has 5 open previews: retry after Retry-After' })
  request(
    @Param('idOrName') key: string,
    @Body() dto: PreviewRequestDto,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PreviewDto> {
    return this.previews.forApplication(key, dto, actor, principal);
  }

  @Get('applications/:idOrName/previews')
  @ApiOkResponse({ type: PreviewListDto, description: 'newest first, without clusters' })
  @ApiNotFoundResponse({ description: 'no such application (or one the caller may not see)' })
  list(@Param('idOrName') key: string, @CurrentPrincipal() principal: Principal): Promise<PreviewListDto> {
    return this.previews.list(key, principal);
  }

  @Post('previews')
  @RequireRole('operator')
  @ApiCreatedResponse({ type: PreviewDto, description: 'an application not created yet, rendered' })
  @ApiResponse({ status: 400, description: 'the application spec is invalid (as for its creation)' })
  @ApiResponse({ status: 403, description: "the spec's project or its rules do not allow it" })
  @ApiNotFoundResponse({
    description: "no such repository or project, or the revision or branch is not in the spec's repository",
  })
  requestDraft(
    @Body() dto: DraftPreviewRequestDto,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PreviewDto> {
    return this.previews.forDraft(dto, actor, principal);
  }

  @Get('previews/:id')
  @ApiOkResponse({ type: PreviewDto })
  @ApiNotFoundResponse({ description: 'no such preview, one the caller may not see, or one deleted' })
  get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PreviewDto> {
    return this.previews.get(id, principal);
  }
}
