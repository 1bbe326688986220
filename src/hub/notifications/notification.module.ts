import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { NotificationGate } from './notification-gate.js';
import { NotificationController } from './notification.controller.js';
import { NotificationRepository } from './notification.repository.js';
import { NotificationService } from './notification.service.js';

/** Subscriptions to audit events, the outbox the audit write fills, and the delivery worker. */
@Module({
  imports: [AuditModule],
  controllers: [NotificationController],
  providers: [NotificationRepository, NotificationGate, NotificationService],
})
export class NotificationModule {}
