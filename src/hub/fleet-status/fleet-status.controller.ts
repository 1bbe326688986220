import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
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

  @Get('status')
  @ApiOkResponse({ type: FleetStatusPageDto })
  list(@Query() q: FleetStatusQueryDto): Promise<FleetStatusPageDto> {
    return this.status.list(q);
  }

  /** The dashboard's grid: application columns, one window of cluster rows, counts. */
  @Get('grid')
  @ApiOkResponse({ type: FleetGridDto })
  gridWindow(@Query() q: FleetGridQueryDto): Promise<FleetGridDto> {
    return this.grid.window(q);
  }
}
