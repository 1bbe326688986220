import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SYSTEM_ACTOR } from '../../domain/audit-chain.js';
import { AuditService } from '../audit/audit.service.js';
import { ClusterRepository } from '../clusters/cluster.repository.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { FleetStatusRepository } from '../fleet-status/fleet-status.repository.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { runPeriodically } from '../platform/periodic.js';
import { JobNotifier } from './job-notifier.repository.js';
import { ReconcileJobRepository } from './reconcile-job.repository.js';

/**
 * Housekeeping any replica may run at any time (every transition is a conditional UPDATE, so
 * running it on several replicas changes nothing): hands out again the jobs whose agent went
 * silent past its lease, fails those out of attempts, and shows silent clusters Disconnected.
 */
@Injectable()
export class DispatchSweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('sweeper');
  private stop: (() => void) | null = null;

  constructor(
    @Inject(ReconcileJobRepository) private readonly jobs: ReconcileJobRepository,
    @Inject(ClusterRepository) private readonly clusters: ClusterRepository,
    @Inject(JobNotifier) private readonly notifier: JobNotifier,
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
    // One transaction: expired leases, the clusters gone silent, their status rows and audit.
    const { requeued, failed, silent } = await this.uow.run(async (tx) => {
      const { requeued, failed } = await this.jobs.expireLeases(tx, now, now);
      await this.fleetStatus.refreshPairs(tx, [...requeued, ...failed]);
      const silent = await this.clusters.markSilentDisconnected(
        new Date(now.getTime() - this.config.disconnectAfterSeconds * 1000),
        tx,
      );
      await this.fleetStatus.refreshClusters(
        tx,
        silent.map((c) => c.id),
      );
      for (const j of failed)
        await this.audit.record(tx, {
          actor: SYSTEM_ACTOR,
          action: 'job.failed',
          clusterId: j.clusterId,
          applicationId: j.applicationId,
          revision: j.revision || null,
          details: { jobId: j.id, kind: j.kind, attempt: j.attempts, message: j.error },
        });
      for (const c of silent)
        await this.audit.record(tx, {
          actor: SYSTEM_ACTOR,
          action: 'cluster.disconnected',
          clusterId: c.id,
          details: { name: c.name, silentForSeconds: this.config.disconnectAfterSeconds },
        });
      return { requeued, failed, silent };
    });
    if (requeued.length) await this.notifier.notifyNow(requeued.map((r) => r.clusterId));
    return { requeued: requeued.length, failed: failed.length, disconnected: silent.length };
  }
}
