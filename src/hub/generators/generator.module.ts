import { Module } from '@nestjs/common';
import { ApplicationModule } from '../applications/application.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { ClusterModule } from '../clusters/cluster.module.js';
import { DispatchModule } from '../dispatch/dispatch.module.js';
import { ProjectModule } from '../projects/project.module.js';
import { RepositoryModule } from '../repositories/repository.module.js';
import { GeneratorSyncService } from './generator-sync.service.js';
import { GeneratorController } from './generator.controller.js';
import { GeneratorRepository } from './generator.repository.js';
import { GeneratorService } from './generator.service.js';

/** Generated applications (issue 20): the generators' API and the loop keeping their sets current. */
@Module({
  imports: [AuditModule, ApplicationModule, ClusterModule, DispatchModule, ProjectModule, RepositoryModule],
  controllers: [GeneratorController],
  providers: [GeneratorRepository, GeneratorService, GeneratorSyncService],
  exports: [GeneratorRepository],
})
export class GeneratorModule {}
