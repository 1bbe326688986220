import {
  Body,
  Controller,
  createParamDecorator,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  StreamableFile,
  UseGuards,
  type ExecutionContext,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from '../auth/roles.js';
import {
  HeartbeatAnswerDto,
  HeartbeatDto,
  JobLeaseDto,
  JobResultDto,
  JobsQueryDto,
  RegisterRequestDto,
  RegisterResponseDto,
  ReportAckDto,
  StatusReportDto,
} from './agent.dto.js';
import { AgentGuard, CurrentCluster, type AgentCluster } from './agent.guard.js';
import { AgentRegistrationService } from './agent-registration.service.js';
import { AgentService } from './agent.service.js';
import { JobLeaseService } from './job-lease.service.js';
import { PreviewService } from '../previews/preview.service.js';
import { PreviewResultDto } from './preview-result.dto.js';

/** Why a long-poll's signal fired: one object, since an abort without a reason builds a DOMException. */
const CLIENT_GONE = new Error('the client went away');

/**
 * An AbortSignal that fires when the client goes away (ends a long-poll early). A request also
 * closes after its answer was sent: only a close before that is the client going away.
 */
const ClientGone = createParamDecorator((_: unknown, ctx: ExecutionContext): AbortSignal => {
  const req = ctx.switchToHttp().getRequest<{ on(e: 'close', f: () => void): void }>();
  const res = ctx.switchToHttp().getResponse<{ writableEnded: boolean }>();
  const ac = new AbortController();
  req.on('close', () => {
    if (!res.writableEnded) ac.abort(CLIENT_GONE);
  });
  return ac.signal;
});

/** Registration: the registration token in the body is the credential. */
@ApiTags('agent')
@Public()
@Controller('api/v1/agent')
export class AgentRegistrationController {
  constructor(@Inject(AgentRegistrationService) private readonly registrations: AgentRegistrationService) {}

  @Post('register')
  // It creates the agent's credential: 201, as agents and the join tests have always seen.
  @ApiCreatedResponse({ type: RegisterResponseDto })
  @ApiUnauthorizedResponse({ description: 'the registration token is invalid or was already used' })
  register(@Body() dto: RegisterRequestDto): Promise<RegisterResponseDto> {
    return this.registrations.register(dto);
  }
}

/** Everything else an agent does, authenticated by its cluster credential. */
@ApiTags('agent')
@ApiBearerAuth()
@Public()
@UseGuards(AgentGuard)
@Controller('api/v1/agent')
export class AgentController {
  constructor(
    @Inject(AgentService) private readonly agents: AgentService,
    @Inject(JobLeaseService) private readonly leases: JobLeaseService,
    @Inject(PreviewService) private readonly previews: PreviewService,
  ) {}

  @Get('jobs')
  jobs(@CurrentCluster() cluster: AgentCluster, @Query() q: JobsQueryDto, @ClientGone() gone: AbortSignal) {
    return this.agents.nextJobs(cluster, q.waitSeconds ?? 30, q.limit ?? 10, gone);
  }

  @Get('bundles/:digest')
  @Header('Content-Type', 'application/x-ndjson')
  @Header('Cache-Control', 'private, max-age=31536000, immutable')
  async bundle(
    @CurrentCluster() cluster: AgentCluster,
    @Param('digest') digest: string,
  ): Promise<StreamableFile> {
    return new StreamableFile(await this.agents.bundle(cluster, digest));
  }

  @Post('jobs/:id/result')
  @HttpCode(200)
  @ApiOkResponse({ type: ReportAckDto })
  result(
    @CurrentCluster() cluster: AgentCluster,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: JobResultDto,
  ): Promise<ReportAckDto> {
    return this.agents.reportResult(cluster, id, dto);
  }

  @Post('previews/:id/result')
  @HttpCode(200)
  @ApiOkResponse({ type: ReportAckDto, description: 'recorded (recorded: false: this report was already)' })
  @ApiResponse({ status: 403, description: "the preview job is another cluster's" })
  @ApiResponse({ status: 404, description: 'no such preview job' })
  @ApiResponse({ status: 409, description: 'already answered, or the preview expired (drop it)' })
  previewResult(
    @CurrentCluster() cluster: AgentCluster,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: PreviewResultDto,
  ): Promise<ReportAckDto> {
    return this.previews.answer(cluster, id, dto);
  }

  @Post('jobs/:id/lease')
  @HttpCode(200)
  @ApiOkResponse({ type: JobLeaseDto, description: 'the lease, renewed from now' })
  @ApiResponse({ status: 403, description: "the job is another cluster's" })
  @ApiResponse({ status: 404, description: 'no such job' })
  @ApiResponse({
    status: 409,
    description: 'the job is not leased any more (finished, superseded or taken back)',
  })
  renewLease(
    @CurrentCluster() cluster: AgentCluster,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<JobLeaseDto> {
    return this.leases.renew(cluster, id);
  }

  @Post('status')
  @HttpCode(200)
  @ApiOkResponse({ type: ReportAckDto })
  @ApiResponse({
    status: 429,
    description: "the credential's status budget is spent: nothing recorded, retry after Retry-After seconds",
  })
  status(@CurrentCluster() cluster: AgentCluster, @Body() dto: StatusReportDto): Promise<ReportAckDto> {
    return this.agents.reportStatus(cluster, dto);
  }

  @Post('heartbeat')
  @ApiNoContentResponse({ description: 'recorded; nothing to ask' })
  @ApiOkResponse({ type: HeartbeatAnswerDto, description: 'recorded; the hub asks something of the agent' })
  async heartbeat(
    @CurrentCluster() cluster: AgentCluster,
    @Body() dto: HeartbeatDto,
    @Res({ passthrough: true }) res: { status(code: number): unknown },
  ): Promise<HeartbeatAnswerDto | undefined> {
    const answer = await this.agents.heartbeat(cluster, dto);
    // 204 as before unless there is something to ask: older agents never read a body
    res.status(answer ? 200 : 204);
    return answer ?? undefined;
  }
}
