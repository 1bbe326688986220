import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { CurrentActor, CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ProjectScoped, RequireRole } from '../auth/roles.js';
import {
  ApplicationDetailDto,
  ApplicationDto,
  ApplicationPageDto,
  CreateApplicationDto,
  DeploymentPageDto,
  HistoryQueryDto,
  ListApplicationsQueryDto,
  ResourceListDto,
  ResourcesQueryDto,
  RollbackDto,
  SyncRequestDto,
  SyncResultDto,
  UpdateApplicationDto,
} from './application.dto.js';
import { ApplicationService } from './application.service.js';

@ApiTags('applications')
@ApiBearerAuth()
@ProjectScoped()
@Controller('api/v1/applications')
export class ApplicationController {
  constructor(@Inject(ApplicationService) private readonly apps: ApplicationService) {}

  @Post()
  @RequireRole('operator')
  @ApiCreatedResponse({ type: ApplicationDto })
  @ApiNotFoundResponse({
    description:
      'the repository named by repositoryId, or an application named in dependsOn (same project), does not exist',
  })
  @ApiConflictResponse({ description: 'the name is taken, or dependsOn would close a cycle (named)' })
  create(
    @Body() dto: CreateApplicationDto,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApplicationDto> {
    return this.apps.create(dto, actor, principal);
  }

  @Get()
  @ApiOkResponse({ type: ApplicationPageDto })
  list(
    @Query() q: ListApplicationsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApplicationPageDto> {
    return this.apps.list(q, principal);
  }

  @Get(':idOrName')
  @ApiOkResponse({ type: ApplicationDetailDto })
  get(
    @Param('idOrName') key: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApplicationDetailDto> {
    return this.apps.get(key, principal);
  }

  @Patch(':idOrName')
  @RequireRole('operator')
  @ApiOkResponse({ type: ApplicationDto })
  @ApiNotFoundResponse({
    description: 'the application, or an application named in dependsOn (same project), does not exist',
  })
  @ApiConflictResponse({
    description:
      'dependsOn would close a cycle (named), or the application would leave its project while others depend on it',
  })
  update(
    @Param('idOrName') key: string,
    @Body() dto: UpdateApplicationDto,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApplicationDto> {
    return this.apps.update(key, dto, actor, principal);
  }

  @Delete(':idOrName')
  @RequireRole('operator')
  @ApiAcceptedResponse({
    description: 'removal jobs queued; the record goes when they finish',
    schema: {
      type: 'object',
      properties: { pending: { type: 'integer', minimum: 1 } },
      required: ['pending'],
      additionalProperties: false,
    },
  })
  @ApiNoContentResponse({ description: 'removed at once: nothing was deployed' })
  @ApiConflictResponse({ description: 'other applications depend on it (named): they are removed first' })
  async delete(
    @Param('idOrName') key: string,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: { status(code: number): void },
  ): Promise<{ pending: number } | undefined> {
    const result = await this.apps.delete(key, actor, principal);
    res.status(result.pending ? 202 : 204);
    return result.pending ? result : undefined;
  }

  @Post(':idOrName/sync')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiAcceptedResponse({ type: SyncResultDto })
  sync(
    @Param('idOrName') key: string,
    @Body() dto: SyncRequestDto,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SyncResultDto> {
    return this.apps.sync(key, dto, actor, principal);
  }

  @Post(':idOrName/rollback')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiAcceptedResponse({ type: SyncResultDto })
  rollback(
    @Param('idOrName') key: string,
    @Body() dto: RollbackDto,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SyncResultDto> {
    return this.apps.rollback(key, dto.revision, actor, principal);
  }

  @Post(':idOrName/unpin')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiAcceptedResponse({ type: SyncResultDto })
  unpin(
    @Param('idOrName') key: string,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SyncResultDto> {
    return this.apps.unpin(key, actor, principal);
  }

  @Get(':idOrName/history')
  @ApiOkResponse({ type: DeploymentPageDto })
  history(
    @Param('idOrName') key: string,
    @Query() q: HistoryQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeploymentPageDto> {
    return this.apps.history(key, q, principal);
  }

  @Get(':idOrName/resources')
  @ApiOkResponse({ type: ResourceListDto })
  resources(
    @Param('idOrName') key: string,
    @Query() q: ResourcesQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ResourceListDto> {
    return this.apps.resourceStatus(key, q.cluster, principal);
  }
}
