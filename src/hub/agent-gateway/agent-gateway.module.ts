import { Module } from '@nestjs/common';
import { ApplicationModule } from '../applications/application.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { ClusterModule } from '../clusters/cluster.module.js';
import { DispatchModule } from '../dispatch/dispatch.module.js';
import { FleetStatusModule } from '../fleet-status/fleet-status.module.js';
import { HealthCheckModule } from '../health-checks/health-check.module.js';
import { PreviewModule } from '../previews/preview.module.js';
import { AgentController, AgentRegistrationController } from './agent.controller.js';
import { AgentCredentialCache } from './agent-credential-cache.service.js';
import { IdleClusters } from './idle-clusters.service.js';
import { AgentPresence } from './agent-presence.service.js';
import { AgentTraffic } from './agent-traffic.service.js';
import { AgentGuard } from './agent.guard.js';
import { AgentRegistrationService } from './agent-registration.service.js';
import { AgentService } from './agent.service.js';
import { JobLeaseService } from './job-lease.service.js';

@Module({
  imports: [
    AuditModule,
    ClusterModule,
    DispatchModule,
    ApplicationModule,
    FleetStatusModule,
    PreviewModule,
    HealthCheckModule,
  ],
  controllers: [AgentRegistrationController, AgentController],
  providers: [
    AgentCredentialCache,
    IdleClusters,
    AgentService,
    AgentRegistrationService,
    AgentGuard,
    AgentTraffic,
    AgentPresence,
    JobLeaseService,
  ],
})
export class AgentGatewayModule {}
