import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DispatchModule } from '../dispatch/dispatch.module.js';
import { EvaluateBudget } from './evaluate-budget.service.js';
import { HealthCheckController } from './health-check.controller.js';
import { HealthCheckRepository } from './health-check.repository.js';
import { HealthCheckService } from './health-check.service.js';

/** Custom health checks (issue 20): the hub's rules, and the rules leased jobs carry. */
@Module({
  imports: [AuditModule, DispatchModule],
  controllers: [HealthCheckController],
  providers: [HealthCheckRepository, HealthCheckService, EvaluateBudget],
  exports: [HealthCheckService],
})
export class HealthCheckModule {}
