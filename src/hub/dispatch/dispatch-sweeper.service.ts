import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SYSTEM_ACTOR } from '../../domain/audit-chain.js';
import { ApplicationRepository } from '../applications/application.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { ClusterRepository } from '../clusters/cluster.repository.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { FleetStatusRepository } from '../fleet-status/fleet-status.repository.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { runPeriodically } from '../platform/periodic.js';
import { JobDispatchService } from './job-dispatch.service.js';

/**
 * Housekeeping any replica may run at any time (expired leases are taken SKIP LOCKED and
 * written only from the state they were read in, so replicas never both act on one): expires
 * the leases of silent agents through the job owner, and shows silent clusters Disconnected.
 */
@Injectable()
export class DispatchSweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('sweeper');
  private stop: (() => void) | null = null;

  constructor(
    @Inject(JobDispatchService) private readonly dispatch: JobDispatchService,
    @Inject(ClusterRepository) private readonly clusters: ClusterRepository,
    @Inject(ApplicationRepository) private readonly apps: ApplicationRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HUB_CONFIG)
    private readonly config: Pick<HubConfig, 'sweepIntervalMs' | 'disconnectAfterSeconds'>,
    @Inject(FleetStatusRepository) private readonly fleetStatus: FleetStatusRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.sweepIntervalMs <= 0) return;
    this.stop = runPeriodically(
      this.config.sweepIntervalMs,
      () => this.sweep(),
      (e) => this.log.warn(`sweep failed: ${e.message}`),
    );
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  async sweep(): Promise<{ requeued: number; failed: number; disconnected: number }> {
    const now = this.clock.now();
    const { requeued, failed } = await this.dispatch.expireLeases();
    // A deletion whose last job ended while its hub died before removing the record.
    for (const id of await this.apps.deletingWithoutWork(100))
      await this.dispatch.finishDeletionIfDone(id, SYSTEM_ACTOR);
    // One transaction: the clusters gone silent, their status rows and the audit of it.
    const silent = await this.uow.run(async (tx) => {
      const silent = await this.clusters.markSilentDisconnected(
        new Date(now.getTime() - this.config.disconnectAfterSeconds * 1000),
        tx,
      );
      await this.fleetStatus.refreshClusters(
        tx,
        silent.map((c) => c.id),
      );
      for (const c of silent)
        await this.audit.record(tx, {
          actor: SYSTEM_ACTOR,
          action: 'cluster.disconnected',
          clusterId: c.id,
          details: { name: c.name, silentForSeconds: this.config.disconnectAfterSeconds },
        });
      return silent;
    });
    return { requeued, failed, disconnected: silent.length };
  }
}
