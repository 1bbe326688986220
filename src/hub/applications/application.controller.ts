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
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { CurrentActor } from '../auth/principal.js';
import { RequireRole } from '../auth/roles.js';
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
@Controller('api/v1/applications')
export class ApplicationController {
  constructor(@Inject(ApplicationService) private readonly apps: ApplicationService) {}

  @Post()
  @RequireRole('operator')
  @ApiCreatedResponse({ type: ApplicationDto })
  @ApiNotFoundResponse({ description: 'the repository named by repositoryId does not exist' })
  create(@Body() dto: CreateApplicationDto, @CurrentActor() actor: Actor): Promise<ApplicationDto> {
    return this.apps.create(dto, actor);
  }

  @Get()
  @ApiOkResponse({ type: ApplicationPageDto })
  list(@Query() q: ListApplicationsQueryDto): Promise<ApplicationPageDto> {
    return this.apps.list(q);
  }

  @Get(':idOrName')
  @ApiOkResponse({ type: ApplicationDetailDto })
  get(@Param('idOrName') key: string): Promise<ApplicationDetailDto> {
    return this.apps.get(key);
  }

  @Patch(':idOrName')
  @RequireRole('operator')
  @ApiOkResponse({ type: ApplicationDto })
  update(
    @Param('idOrName') key: string,
    @Body() dto: UpdateApplicationDto,
    @CurrentActor() actor: Actor,
  ): Promise<ApplicationDto> {
    return this.apps.update(key, dto, actor);
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
  async delete(
    @Param('idOrName') key: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: { status(code: number): void },
  ): Promise<{ pending: number } | undefined> {
    const result = await this.apps.delete(key, actor);
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
  ): Promise<SyncResultDto> {
    return this.apps.sync(key, dto, actor);
  }

  @Post(':idOrName/rollback')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiAcceptedResponse({ type: SyncResultDto })
  rollback(
    @Param('idOrName') key: string,
    @Body() dto: RollbackDto,
    @CurrentActor() actor: Actor,
  ): Promise<SyncResultDto> {
    return this.apps.rollback(key, dto.revision, actor);
  }

  @Post(':idOrName/unpin')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiAcceptedResponse({ type: SyncResultDto })
  unpin(@Param('idOrName') key: string, @CurrentActor() actor: Actor): Promise<SyncResultDto> {
    return this.apps.unpin(key, actor);
  }

  @Get(':idOrName/history')
  @ApiOkResponse({ type: DeploymentPageDto })
  history(@Param('idOrName') key: string, @Query() q: HistoryQueryDto): Promise<DeploymentPageDto> {
    return this.apps.history(key, q);
  }

  @Get(':idOrName/resources')
  @ApiOkResponse({ type: ResourceListDto })
  resources(@Param('idOrName') key: string, @Query() q: ResourcesQueryDto): Promise<ResourceListDto> {
    return this.apps.resourceStatus(key, q.cluster);
  }
}
