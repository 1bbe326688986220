import { Controller, Get, Query, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { projectsAllowing } from '../../domain/authorization.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ProjectScoped, Public, RequireRole } from '../auth/roles.js';
import { PageQueryDto } from '../common/list-query.dto.js';
import {
  AuditCheckpointPageDto,
  AuditPageDto,
  AuditQueryDto,
  ChainVerdictDto,
  CheckpointPublicKeyDto,
  parseCheckpoint,
  VerifyQueryDto,
} from './audit.dto.js';
import { AuditCheckpointService } from './audit-checkpoint.service.js';
import { AuditService } from './audit.service.js';
import { AuditVerifyService } from './audit-verify.service.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AuditVerifyService) private readonly verifier: AuditVerifyService,
    @Inject(AuditCheckpointService) private readonly checkpoints: AuditCheckpointService,
  ) {}

  /** Project-scoped callers see the events of their projects only. */
  @Get()
  @ProjectScoped()
  @ApiOkResponse({ type: AuditPageDto })
  list(@Query() q: AuditQueryDto, @CurrentPrincipal() principal: Principal): Promise<AuditPageDto> {
    return this.audit.list({
      visible: projectsAllowing(principal, 'viewer'),
      clusterId: q.cluster,
      repositoryId: q.repository,
      applicationId: q.application,
      project: q.project,
      action: q.action,
      actor: q.actor,
      resource: q.resource,
      revision: q.revision,
      since: q.since,
      until: q.until,
      limit: q.limit ?? 100,
      cursor: q.cursor,
    });
  }

  /** A full scan of the trail: admin-only, so no viewer can load the database with it. */
  @Get('verify')
  @RequireRole('admin')
  @ApiOkResponse({ type: ChainVerdictDto })
  verify(@Query() q: VerifyQueryDto): Promise<ChainVerdictDto> {
    return this.verifier.verify(
      q.checkpoint === undefined ? undefined : parseCheckpoint(q.checkpoint),
      undefined,
      q.from ?? 'start',
    );
  }

  @Get('checkpoints')
  @ApiOkResponse({ type: AuditCheckpointPageDto })
  async checkpointList(@Query() q: PageQueryDto): Promise<AuditCheckpointPageDto> {
    return {
      ...(await this.checkpoints.list(q.limit ?? 50, q.cursor)),
      publicKey: this.checkpoints.publicKey(),
    };
  }

  /** Public: an external verifier checks checkpoint signatures with no secret at all. */
  @Get('checkpoints/public-key')
  @Public()
  @ApiOkResponse({ type: CheckpointPublicKeyDto })
  publicKey(): CheckpointPublicKeyDto {
    return this.checkpoints.publicKey();
  }
}
