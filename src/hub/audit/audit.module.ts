import { Module } from '@nestjs/common';
import { AuditCheckpointRepository } from './audit-checkpoint.repository.js';
import { AuditCheckpointService } from './audit-checkpoint.service.js';
import { AuditController } from './audit.controller.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { AuditVerifyService } from './audit-verify.service.js';

@Module({
  controllers: [AuditController],
  providers: [
    AuditRepository,
    AuditCheckpointRepository,
    AuditService,
    AuditVerifyService,
    AuditCheckpointService,
  ],
  exports: [AuditService],
})
export class AuditModule {}
