import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { CurrentActor, CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ProjectScoped, RequireRole } from '../auth/roles.js';
import {
  CreateRepositoryDto,
  ListRepositoriesQueryDto,
  RepositoryDto,
  RepositoryPageDto,
  UpdateRepositoryDto,
} from './repository.dto.js';
import { RepositoryService } from './repository.service.js';

@ApiTags('repositories')
@ApiBearerAuth()
@Controller('api/v1/repositories')
export class RepositoryController {
  constructor(@Inject(RepositoryService) private readonly repositories: RepositoryService) {}

  @Post()
  @RequireRole('operator')
  @ApiCreatedResponse({ type: RepositoryDto })
  create(@Body() dto: CreateRepositoryDto, @CurrentActor() actor: Actor): Promise<RepositoryDto> {
    return this.repositories.create(dto, actor);
  }

  /** Project-scoped callers see the repositories their projects may deploy from. */
  @Get()
  @ProjectScoped()
  @ApiOkResponse({ type: RepositoryPageDto })
  list(
    @Query() q: ListRepositoriesQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RepositoryPageDto> {
    return this.repositories.list(q, principal);
  }

  @Get(':idOrName')
  @ProjectScoped()
  @ApiOkResponse({ type: RepositoryDto })
  get(@Param('idOrName') key: string, @CurrentPrincipal() principal: Principal): Promise<RepositoryDto> {
    return this.repositories.get(key, principal);
  }

  @Patch(':idOrName')
  @RequireRole('operator')
  @ApiOkResponse({ type: RepositoryDto })
  update(
    @Param('idOrName') key: string,
    @Body() dto: UpdateRepositoryDto,
    @CurrentActor() actor: Actor,
  ): Promise<RepositoryDto> {
    return this.repositories.update(key, dto, actor);
  }

  @Delete(':idOrName')
  @HttpCode(204)
  @RequireRole('operator')
  delete(@Param('idOrName') key: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.repositories.delete(key, actor);
  }
}
