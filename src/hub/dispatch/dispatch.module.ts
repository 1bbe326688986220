import { Module } from '@nestjs/common';
import { ApplicationStoreModule } from '../applications/application-store.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { ClusterModule } from '../clusters/cluster.module.js';
import { FleetStatusModule } from '../fleet-status/fleet-status.module.js';
import { ProjectModule } from '../projects/project.module.js';
import { RepositoryModule } from '../repositories/repository.module.js';
import { CHART_DEPENDENCY_VENDOR, RegisteredChartDependencies } from '../render/chart-dependency-vendor.js';
import { SourceRenderer } from '../render/source-renderer.js';
import { AgentReportRepository } from './agent-report.repository.js';
import { BundleRepository } from './bundle.repository.js';
import { DeploymentRepository } from './deployment.repository.js';
import { DesiredStateRepository } from './desired-state.repository.js';
import { DesiredStateService } from './desired-state.service.js';
import { DependencyGate } from './dependency-gate.service.js';
import { DependencyReleaser } from './dependency-releaser.service.js';
import { DispatchSweeperService } from './dispatch-sweeper.service.js';
import { JobDispatchService } from './job-dispatch.service.js';
import { JobClaims } from './job-claims.service.js';
import { JobNotifier } from './job-notifier.repository.js';
import { ReconcileJobRepository } from './reconcile-job.repository.js';
import { ResourceStatusRepository } from './resource-status.repository.js';
import { RolloutMoves } from '../rollouts/rollout-moves.service.js';
import { RolloutRepository } from '../rollouts/rollout.repository.js';
import { RolloutRunner } from '../rollouts/rollout-runner.service.js';
import { RolloutService } from '../rollouts/rollout.service.js';

const exported = [
  AgentReportRepository,
  BundleRepository,
  DeploymentRepository,
  DesiredStateRepository,
  DesiredStateService,
  JobDispatchService,
  JobClaims,
  JobNotifier,
  ReconcileJobRepository,
  ResourceStatusRepository,
  DispatchSweeperService,
  RolloutRepository,
  RolloutMoves,
  RolloutService,
  RolloutRunner,
  DependencyGate,
  DependencyReleaser,
];

/** Desired state, bundles, jobs (owned by JobDispatchService) and the wake-up channel between replicas. */
@Module({
  imports: [
    AuditModule,
    ApplicationStoreModule,
    ClusterModule,
    RepositoryModule,
    FleetStatusModule,
    ProjectModule,
  ],
  providers: [
    ...exported,
    SourceRenderer,
    { provide: CHART_DEPENDENCY_VENDOR, useClass: RegisteredChartDependencies },
  ],
  exports: exported,
})
export class DispatchModule {}
