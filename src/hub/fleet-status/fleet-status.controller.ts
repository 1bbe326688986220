import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { FleetStatusPageDto, FleetStatusQueryDto } from './fleet-status.dto.js';
import { FleetStatusService } from './fleet-status.service.js';

@ApiTags('fleet')
@ApiBearerAuth()
@Controller('api/v1/fleet')
export class FleetStatusController {
  constructor(@Inject(FleetStatusService) private readonly status: FleetStatusService) {}

  @Get('status')
  @ApiOkResponse({ type: FleetStatusPageDto })
  list(@Query() q: FleetStatusQueryDto): Promise<FleetStatusPageDto> {
    return this.status.list(q);
  }
}
