import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ClusterModule } from '../clusters/cluster.module.js';
import { DispatchModule } from '../dispatch/dispatch.module.js';
import { FleetStatusModule } from '../fleet-status/fleet-status.module.js';
import { RepositoryModule } from '../repositories/repository.module.js';
import { ApplicationController } from './application.controller.js';
import { ApplicationRepository } from './application.repository.js';
import { ApplicationService } from './application.service.js';

@Module({
  imports: [AuditModule, ClusterModule, RepositoryModule, DispatchModule, FleetStatusModule],
  controllers: [ApplicationController],
  providers: [ApplicationRepository, ApplicationService],
  exports: [ApplicationRepository, ApplicationService],
})
export class ApplicationModule {}
