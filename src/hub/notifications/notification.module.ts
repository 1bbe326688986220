import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Module } from '@nestjs/common';
import { EgressGuard } from '../../vcs/egress-guard.js';
import { AuditModule } from '../audit/audit.module.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { ChannelSender, NOTIFICATION_SENDER } from './notification-channels.js';
import { NotificationGate } from './notification-gate.js';
import { NotificationOutboxRepository } from './notification-outbox.repository.js';
import { NotificationWorker } from './notification-worker.service.js';
import { NotificationController } from './notification.controller.js';
import { NotificationRepository } from './notification.repository.js';
import { NotificationService } from './notification.service.js';

/** Subscriptions to audit events, the outbox the audit write fills, and the delivery worker. */
@Module({
  imports: [AuditModule],
  controllers: [NotificationController],
  providers: [
    NotificationRepository,
    NotificationOutboxRepository,
    NotificationGate,
    NotificationService,
    NotificationWorker,
    {
      provide: NOTIFICATION_SENDER,
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig) =>
        new ChannelSender(
          new EgressGuard(config.notifyAllowedHosts),
          // Added to the public roots, not instead of them: public receivers keep working.
          config.notifyCaFile ? [...rootCertificates, readFileSync(config.notifyCaFile, 'utf8')] : undefined,
        ),
    },
  ],
  exports: [NotificationWorker],
})
export class NotificationModule {}
