import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ProjectScoped } from '../auth/roles.js';
import { FleetGridDto, FleetGridQueryDto } from './fleet-grid.dto.js';
import { FleetGridService } from './fleet-grid.service.js';
import {
  FleetProblemListDto,
  FleetProblemListQueryDto,
  FleetProblemsDto,
  FleetProblemsQueryDto,
} from './fleet-problems.dto.js';
import { FleetProblemsService } from './fleet-problems.service.js';
import { FleetStatusPageDto, FleetStatusQueryDto } from './fleet-status.dto.js';
import { FleetStatusService } from './fleet-status.service.js';

@ApiTags('fleet')
@ApiBearerAuth()
@Controller('api/v1/fleet')
export class FleetStatusController {
  constructor(
    @Inject(FleetStatusService) private readonly status: FleetStatusService,
    @Inject(FleetGridService) private readonly grid: FleetGridService,
    @Inject(FleetProblemsService) private readonly problems: FleetProblemsService,
  ) {}

  /** Project-scoped callers see the rows of their projects' applications. */
  @Get('status')
  @ProjectScoped()
  @ApiOkResponse({ type: FleetStatusPageDto })
  list(
    @Query() q: FleetStatusQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FleetStatusPageDto> {
    return this.status.list(q, principal);
  }

  /** The dashboard's grid: application columns, one window of cluster rows, counts. */
  @Get('grid')
  @ProjectScoped()
  @ApiOkResponse({ type: FleetGridDto })
  gridWindow(@Query() q: FleetGridQueryDto, @CurrentPrincipal() principal: Principal): Promise<FleetGridDto> {
    return this.grid.window(q, principal);
  }

  /** The landing view: what needs attention, counted by application and by a cluster label. */
  @Get('problems')
  @ProjectScoped()
  @ApiOkResponse({ type: FleetProblemsDto })
  problemSummary(
    @Query() q: FleetProblemsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FleetProblemsDto> {
    return this.problems.summary(q, principal);
  }

  /** One group's affected clusters, with their messages, most urgent first. */
  @Get('problems/clusters')
  @ProjectScoped()
  @ApiOkResponse({ type: FleetProblemListDto })
  problemList(
    @Query() q: FleetProblemListQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FleetProblemListDto> {
    return this.problems.list(q, principal);
  }
}
