import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ProjectScoped } from '../auth/roles.js';
import { FleetGridDto, FleetGridQueryDto } from './fleet-grid.dto.js';
import { FleetGridService } from './fleet-grid.service.js';
import { FleetStatusPageDto, FleetStatusQueryDto } from './fleet-status.dto.js';
import { FleetStatusService } from './fleet-status.service.js';

@ApiTags('fleet')
@ApiBearerAuth()
@Controller('api/v1/fleet')
export class FleetStatusController {
  constructor(
    @Inject(FleetStatusService) private readonly status: FleetStatusService,
    @Inject(FleetGridService) private readonly grid: FleetGridService,
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
}
