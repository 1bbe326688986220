import { Module } from '@nestjs/common';
import { FleetStatusController } from './fleet-status.controller.js';
import { FleetStatusRepository } from './fleet-status.repository.js';
import { FleetStatusService } from './fleet-status.service.js';

/**
 * The status read model. Depends on nothing but the database, so every module whose writes
 * change status (clusters, dispatch, the agent gateway, applications) can import it.
 */
@Module({
  controllers: [FleetStatusController],
  providers: [FleetStatusRepository, FleetStatusService],
  exports: [FleetStatusRepository, FleetStatusService],
})
export class FleetStatusModule {}
