import { Module } from '@nestjs/common';
import { FleetGridRepository } from './fleet-grid.repository.js';
import { FleetGridService } from './fleet-grid.service.js';
import { FleetProblemsRepository } from './fleet-problems.repository.js';
import { FleetProblemsService } from './fleet-problems.service.js';
import { FleetStatusController } from './fleet-status.controller.js';
import { FleetStatusRepository } from './fleet-status.repository.js';
import { FleetStatusService } from './fleet-status.service.js';

/**
 * The status read model. Depends on nothing but the database, so every module whose writes
 * change status (clusters, dispatch, the agent gateway, applications) can import it.
 */
@Module({
  controllers: [FleetStatusController],
  providers: [
    FleetStatusRepository,
    FleetStatusService,
    FleetGridRepository,
    FleetGridService,
    FleetProblemsRepository,
    FleetProblemsService,
  ],
  exports: [FleetStatusRepository, FleetStatusService],
})
export class FleetStatusModule {}
