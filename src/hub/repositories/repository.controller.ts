import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { CurrentActor } from '../auth/principal.js';
import { RequireRole } from '../auth/roles.js';
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

  @Get()
  @ApiOkResponse({ type: RepositoryPageDto })
  list(@Query() q: ListRepositoriesQueryDto): Promise<RepositoryPageDto> {
    return this.repositories.list(q);
  }

  @Get(':idOrName')
  @ApiOkResponse({ type: RepositoryDto })
  get(@Param('idOrName') key: string): Promise<RepositoryDto> {
    return this.repositories.get(key);
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
