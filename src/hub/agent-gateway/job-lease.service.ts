import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, ForbiddenError, NotFoundError } from '../../domain/errors.js';
import { transition } from '../../domain/job-lifecycle.js';
import type { JobLeaseV1 } from '../../protocol/v1/agent-protocol.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { ReconcileJobRepository } from '../dispatch/reconcile-job.repository.js';
import { CLOCK, type Clock } from '../platform/clock.js';

/**
 * Lease renewal for agents still working on a job (health-gated waves, hooks, long applies):
 * without it a job outliving its lease is handed out again while the first attempt still runs.
 * The domain's `renew` transition decides; the row is locked first (FOR UPDATE), so a result or
 * the sweeper taking the lease back either happened before (and the renewal is refused) or
 * waits for it. Only the lease end changes: state, attempts and the fleet status read model
 * stay as they are, and nothing is audited (a renewal is not an event anyone acts on).
 */
@Injectable()
export class JobLeaseService {
  constructor(
    @Inject(ReconcileJobRepository) private readonly jobs: ReconcileJobRepository,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'jobLeaseSeconds'>,
  ) {}

  /**
   * Renews the lease of a job this cluster holds, from now.
   * @throws NotFoundError no such job; ForbiddenError another cluster's job (as for results);
   * ConflictError the job is not leased any more (finished, superseded, or taken back).
   */
  renew(cluster: { id: string }, jobId: string): Promise<JobLeaseV1> {
    const leaseSeconds = this.config.jobLeaseSeconds;
    return this.uow.run(async (tx) => {
      const job = (await this.jobs.findManyForClusters(tx, [{ id: jobId, clusterId: cluster.id }])).get(
        jobId,
      );
      if (!job)
        throw (await this.jobs.findById(jobId))
          ? new ForbiddenError('this job belongs to another cluster')
          : new NotFoundError('job', jobId);
      const decided = transition(job, { type: 'renew', leaseMs: leaseSeconds * 1000 }, this.clock.now());
      if (!decided.ok) throw new ConflictError(`lease not renewed: ${decided.refusal.message}`);
      const { change } = decided;
      const written = await this.jobs.writeStates(tx, [
        {
          id: job.id,
          from: job.state,
          state: change.state,
          attempts: change.attempts,
          notBefore: change.notBefore,
          leaseExpiresAt: change.leaseExpiresAt,
          error: job.error,
        },
      ]);
      // Locked above, so always written; kept so a change in locking cannot grant a lease silently.
      if (!written.has(job.id)) throw new ConflictError('lease not renewed: the job changed meanwhile');
      return { leaseExpiresAt: change.leaseExpiresAt!.toISOString(), leaseSeconds };
    });
  }
}
