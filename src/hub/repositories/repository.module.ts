import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ProjectModule } from '../projects/project.module.js';
import { RepositoryContentController } from './repository-content.controller.js';
import { RepositoryContentService } from './repository-content.service.js';
import { RepositoryPollerService } from './repository-poller.service.js';
import { RepositoryResealService } from './repository-reseal.service.js';
import { RepositoryController } from './repository.controller.js';
import { RepositoriesRepository } from './repository.repository.js';
import { RepositoryService } from './repository.service.js';

@Module({
  imports: [AuditModule, ProjectModule],
  controllers: [RepositoryController, RepositoryContentController],
  providers: [
    RepositoriesRepository,
    RepositoryService,
    RepositoryContentService,
    RepositoryPollerService,
    RepositoryResealService,
  ],
  exports: [RepositoryService, RepositoriesRepository, RepositoryPollerService, RepositoryResealService],
})
export class RepositoryModule {}
