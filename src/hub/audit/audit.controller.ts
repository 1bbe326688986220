import { Controller, Get, Query, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuditPageDto, AuditQueryDto, ChainVerdictDto } from './audit.dto.js';
import { AuditService } from './audit.service.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}

  @Get()
  @ApiOkResponse({ type: AuditPageDto })
  list(@Query() q: AuditQueryDto): Promise<AuditPageDto> {
    return this.audit.list({
      clusterId: q.cluster,
      repositoryId: q.repository,
      applicationId: q.application,
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

  @Get('verify')
  @ApiOkResponse({ type: ChainVerdictDto })
  verify(): Promise<ChainVerdictDto> {
    return this.audit.verify();
  }
}
