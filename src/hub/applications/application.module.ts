import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ClusterModule } from '../clusters/cluster.module.js';
import { DispatchModule } from '../dispatch/dispatch.module.js';
import { FleetStatusModule } from '../fleet-status/fleet-status.module.js';
import { ProjectModule } from '../projects/project.module.js';
import { RepositoryModule } from '../repositories/repository.module.js';
import { ApplicationReconcilerService } from './application-reconciler.service.js';
import { ApplicationStoreModule } from './application-store.module.js';
import { ApplicationController } from './application.controller.js';
import { ApplicationService } from './application.service.js';

@Module({
  imports: [
    AuditModule,
    ClusterModule,
    RepositoryModule,
    DispatchModule,
    ApplicationStoreModule,
    FleetStatusModule,
    ProjectModule,
  ],
  controllers: [ApplicationController],
  providers: [ApplicationService, ApplicationReconcilerService],
  exports: [ApplicationStoreModule, ApplicationService, ApplicationReconcilerService],
})
export class ApplicationModule {}
