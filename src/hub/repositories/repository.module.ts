import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RepositoryController } from './repository.controller.js';
import { RepositoriesRepository } from './repository.repository.js';
import { RepositoryService } from './repository.service.js';

@Module({
  imports: [AuditModule],
  controllers: [RepositoryController],
  providers: [RepositoriesRepository, RepositoryService],
  exports: [RepositoryService, RepositoriesRepository],
})
export class RepositoryModule {}
