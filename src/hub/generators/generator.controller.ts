import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { CurrentActor, CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ProjectScoped, RequireRole } from '../auth/roles.js';
import {
  CreateGeneratorDto,
  GeneratorDetailDto,
  GeneratorPageDto,
  ListGeneratorsQueryDto,
  UpdateGeneratorDto,
} from './generator.dto.js';
import { GeneratorService } from './generator.service.js';

/** Generators of applications (issue 20): one template stamped out per directory, cluster, or both. */
@ApiTags('generators')
@ApiBearerAuth()
@ProjectScoped()
@Controller('api/v1/generators')
export class GeneratorController {
  constructor(@Inject(GeneratorService) private readonly generators: GeneratorService) {}

  @Post()
  @RequireRole('operator')
  @ApiCreatedResponse({ type: GeneratorDetailDto, description: 'created, and its applications with it' })
  @ApiResponse({ status: 400, description: 'an invalid template, glob or selector, or no generator at all' })
  @ApiResponse({ status: 403, description: 'the caller is not an operator of the project' })
  @ApiNotFoundResponse({ description: 'no such repository or project' })
  @ApiConflictResponse({ description: 'a generator of that name exists' })
  create(
    @Body() dto: CreateGeneratorDto,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<GeneratorDetailDto> {
    return this.generators.create(dto, actor, principal);
  }

  @Get()
  @ApiOkResponse({ type: GeneratorPageDto })
  list(
    @Query() q: ListGeneratorsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<GeneratorPageDto> {
    return this.generators.list(q, principal);
  }

  @Get(':idOrName')
  @ApiOkResponse({ type: GeneratorDetailDto })
  @ApiNotFoundResponse({ description: 'no such generator (or one the caller may not see)' })
  get(@Param('idOrName') key: string, @CurrentPrincipal() principal: Principal): Promise<GeneratorDetailDto> {
    return this.generators.get(key, principal);
  }

  @Patch(':idOrName')
  @RequireRole('operator')
  @ApiOkResponse({ type: GeneratorDetailDto, description: 'changed; its applications recomputed' })
  @ApiResponse({ status: 400, description: 'an invalid template, glob or selector' })
  @ApiConflictResponse({ description: 'the change would leave neither directories nor clusters' })
  @ApiResponse({ status: 403, description: 'the caller is not an operator of the project' })
  @ApiNotFoundResponse({ description: 'no such generator (or one the caller may not see)' })
  update(
    @Param('idOrName') key: string,
    @Body() dto: UpdateGeneratorDto,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<GeneratorDetailDto> {
    return this.generators.update(key, dto, actor, principal);
  }

  @Post(':idOrName/refresh')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOkResponse({ type: GeneratorDetailDto, description: 'its applications recomputed now' })
  @ApiResponse({ status: 403, description: 'the caller is not an operator of the project' })
  @ApiNotFoundResponse({ description: 'no such generator (or one the caller may not see)' })
  refresh(
    @Param('idOrName') key: string,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<GeneratorDetailDto> {
    return this.generators.refresh(key, actor, principal);
  }

  @Delete(':idOrName')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiNoContentResponse({
    description: 'deleted; its applications are being removed (their objects left when preserveOnDelete)',
  })
  @ApiResponse({ status: 403, description: 'the caller is not an operator of the project' })
  @ApiNotFoundResponse({ description: 'no such generator (or one the caller may not see)' })
  delete(
    @Param('idOrName') key: string,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    return this.generators.delete(key, actor, principal);
  }
}
