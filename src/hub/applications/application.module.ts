import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ClusterModule } from '../clusters/cluster.module.js';
import { DispatchModule } from '../dispatch/dispatch.module.js';
import { RepositoryModule } from '../repositories/repository.module.js';
import { ApplicationReconcilerService } from './application-reconciler.service.js';
import { ApplicationController } from './application.controller.js';
import { ApplicationRepository } from './application.repository.js';
import { ApplicationService } from './application.service.js';

@Module({
  imports: [AuditModule, ClusterModule, RepositoryModule, DispatchModule],
  controllers: [ApplicationController],
  providers: [ApplicationRepository, ApplicationService, ApplicationReconcilerService],
  exports: [ApplicationRepository, ApplicationService, ApplicationReconcilerService],
})
export class ApplicationModule {}
