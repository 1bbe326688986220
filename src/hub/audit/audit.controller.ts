import { Controller, Get, Header, Inject, Query, StreamableFile } from '@nestjs/common';
import { Readable } from 'node:stream';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { projectsAllowing } from '../../domain/authorization.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ProjectScoped, Public, RequireRole } from '../auth/roles.js';
import { PageQueryDto } from '../common/list-query.dto.js';
import {
  AuditCheckpointPageDto,
  AuditExportQueryDto,
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

  /**
   * Every matching event, oldest first, as JSON Lines streamed while it is read (same filters and
   * visibility as the list): `flotilla audit export ... > trail.jsonl`.
   */
  @Get('export')
  @ProjectScoped()
  @Header('Content-Type', 'application/x-ndjson')
  @Header('Content-Disposition', 'attachment; filename="audit.jsonl"')
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({
    description: 'one AuditEvent JSON object per line, oldest first',
    // No schema: JSON Lines is not one JSON (or YAML) document, and OpenAPI 3.0 cannot say "lines".
    content: { 'application/x-ndjson': {} },
  })
  async export(
    @Query() q: AuditExportQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<StreamableFile> {
    const lines = await this.audit.export({
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
    });
    return new StreamableFile(Readable.from(lines, { objectMode: false }));
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
