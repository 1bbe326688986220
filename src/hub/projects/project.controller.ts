import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { CurrentActor, CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ProjectScoped, RequireRole } from '../auth/roles.js';
import { CreateProjectDto, ProjectDto, ProjectListDto, UpdateProjectDto } from './project.dto.js';
import { ProjectService } from './project.service.js';

/** Projects: anyone sees the projects they hold a role in; global admins change them. */
@ApiTags('projects')
@ApiBearerAuth()
@Controller('api/v1/projects')
export class ProjectController {
  constructor(@Inject(ProjectService) private readonly projects: ProjectService) {}

  @Post()
  @RequireRole('admin')
  @ApiCreatedResponse({ type: ProjectDto })
  create(@Body() dto: CreateProjectDto, @CurrentActor() actor: Actor): Promise<ProjectDto> {
    return this.projects.create(dto, actor);
  }

  @Get()
  @ProjectScoped()
  @ApiOkResponse({ type: ProjectListDto })
  async list(@CurrentPrincipal() principal: Principal): Promise<ProjectListDto> {
    return { items: await this.projects.list(principal), nextCursor: null };
  }

  @Get(':idOrName')
  @ProjectScoped()
  @ApiOkResponse({ type: ProjectDto })
  get(@Param('idOrName') key: string, @CurrentPrincipal() principal: Principal): Promise<ProjectDto> {
    return this.projects.get(key, principal);
  }

  @Patch(':idOrName')
  @RequireRole('admin')
  @ApiOkResponse({ type: ProjectDto })
  update(
    @Param('idOrName') key: string,
    @Body() dto: UpdateProjectDto,
    @CurrentActor() actor: Actor,
  ): Promise<ProjectDto> {
    return this.projects.update(key, dto, actor);
  }

  @Delete(':idOrName')
  @HttpCode(204)
  @RequireRole('admin')
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiConflictResponse({ description: "applications still belong to it, or it is the 'default' project" })
  delete(@Param('idOrName') key: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.projects.delete(key, actor);
  }
}
