import { type DynamicModule, Module } from '@nestjs/common';
import { AgentGatewayModule } from './agent-gateway/agent-gateway.module.js';
import { ApplicationModule } from './applications/application.module.js';
import { RolloutModule } from './rollouts/rollout.module.js';
import { PreviewModule } from './previews/preview.module.js';
import { GeneratorModule } from './generators/generator.module.js';
import { HealthCheckModule } from './health-checks/health-check.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ClusterModule } from './clusters/cluster.module.js';
import { CoreModule, type HubDependencies } from './core.module.js';
import { FleetStatusModule } from './fleet-status/fleet-status.module.js';
import { HealthModule } from './health/health.module.js';
import { NotificationModule } from './notifications/notification.module.js';
import { ProjectModule } from './projects/project.module.js';
import { RepositoryModule } from './repositories/repository.module.js';
import { VcsModule } from './vcs/vcs.module.js';
import { WebhookModule } from './webhooks/webhook.module.js';

/** The hub application: every feature module over the shared core. */
@Module({})
export class HubModule {
  static forRoot(deps: HubDependencies): DynamicModule {
    return {
      module: HubModule,
      imports: [
        CoreModule.forRoot(deps),
        VcsModule,
        AuditModule,
        AuthModule,
        ClusterModule,
        RepositoryModule,
        ProjectModule,
        WebhookModule,
        ApplicationModule,
        RolloutModule,
        PreviewModule,
        GeneratorModule,
        HealthCheckModule,
        AgentGatewayModule,
        FleetStatusModule,
        HealthModule,
        NotificationModule,
      ],
    };
  }
}
