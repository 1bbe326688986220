import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Inject,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { CurrentActor, CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ProjectScoped, RequireRole } from '../auth/roles.js';
import {
  AgentManifestQueryDto,
  ClusterDto,
  ClusterPageDto,
  ClusterWithRegistrationDto,
  CreateClusterDto,
  ListClustersQueryDto,
  RegistrationDto,
  UpdateClusterDto,
} from './cluster.dto.js';
import { ClusterService } from './cluster.service.js';

@ApiTags('clusters')
@ApiBearerAuth()
@Controller('api/v1/clusters')
export class ClusterController {
  constructor(@Inject(ClusterService) private readonly clusters: ClusterService) {}

  @Post()
  @RequireRole('operator')
  @ApiCreatedResponse({ type: ClusterWithRegistrationDto })
  create(@Body() dto: CreateClusterDto, @CurrentActor() actor: Actor): Promise<ClusterWithRegistrationDto> {
    return this.clusters.create(dto, actor);
  }

  /** Project-scoped callers see the clusters their projects' selectors select. */
  @Get()
  @ProjectScoped()
  @ApiOkResponse({ type: ClusterPageDto })
  list(@Query() q: ListClustersQueryDto, @CurrentPrincipal() principal: Principal): Promise<ClusterPageDto> {
    return this.clusters.list(q, principal);
  }

  @Get(':idOrName')
  @ProjectScoped()
  @ApiOkResponse({ type: ClusterDto })
  get(@Param('idOrName') key: string, @CurrentPrincipal() principal: Principal): Promise<ClusterDto> {
    return this.clusters.get(key, principal);
  }

  @Patch(':idOrName')
  @RequireRole('operator')
  @ApiOkResponse({ type: ClusterDto })
  update(
    @Param('idOrName') key: string,
    @Body() dto: UpdateClusterDto,
    @CurrentActor() actor: Actor,
  ): Promise<ClusterDto> {
    return this.clusters.update(key, dto, actor);
  }

  @Delete(':idOrName')
  @HttpCode(204)
  @RequireRole('operator')
  delete(@Param('idOrName') key: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.clusters.delete(key, actor);
  }

  @Post(':idOrName/registration-token')
  @RequireRole('operator')
  @ApiCreatedResponse({ type: RegistrationDto })
  registrationToken(@Param('idOrName') key: string, @CurrentActor() actor: Actor): Promise<RegistrationDto> {
    return this.clusters.issueRegistrationToken(key, actor);
  }

  @Post(':idOrName/credentials/revoke')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOkResponse({
    type: ClusterDto,
    description:
      "Revokes the agent's credential: it gets 401 from then on and the cluster needs a new registration.",
  })
  @ApiNotFoundResponse({ description: 'no such cluster' })
  revokeCredential(@Param('idOrName') key: string, @CurrentActor() actor: Actor): Promise<ClusterDto> {
    return this.clusters.revokeCredential(key, actor);
  }

  @Get(':idOrName/agent-manifest')
  @RequireRole('operator')
  @Header('Content-Type', 'text/yaml; charset=utf-8')
  // The manifest carries a live registration token: never cache it.
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/yaml')
  @ApiOkResponse({
    description:
      'Namespace, ServiceAccount, RBAC, Secret and Deployment of the agent, for `kubectl apply -f -`. ' +
      'Issues a fresh registration token (the previous one stops working) and audits it.',
    schema: { type: 'string' },
  })
  agentManifest(
    @Param('idOrName') key: string,
    @Query() q: AgentManifestQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<string> {
    return this.clusters.agentManifest(key, actor, q);
  }
}
