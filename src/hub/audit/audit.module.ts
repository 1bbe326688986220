import { Module } from '@nestjs/common';
import { AUDIT_OBSERVERS, AuditObservers } from './audit-observers.js';
import { AuditCheckpointRepository } from './audit-checkpoint.repository.js';
import { AuditCheckpointService } from './audit-checkpoint.service.js';
import { AuditPartitionRepository } from './audit-partition.repository.js';
import { AuditPartitionService } from './audit-partition.service.js';
import { AuditController } from './audit.controller.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { AuditVerifyService } from './audit-verify.service.js';

@Module({
  controllers: [AuditController],
  providers: [
    AuditRepository,
    AuditCheckpointRepository,
    AuditPartitionRepository,
    AuditService,
    AuditPartitionService,
    AuditVerifyService,
    AuditCheckpointService,
    { provide: AUDIT_OBSERVERS, useFactory: () => new AuditObservers() },
  ],
  exports: [AuditService, AUDIT_OBSERVERS],
})
export class AuditModule {}
