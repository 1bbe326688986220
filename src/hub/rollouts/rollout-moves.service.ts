import { Inject, Injectable } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { projectObjectPolicy } from '../../domain/object-policy.js';
import { type ApplicationEntity } from '../applications/application.entity.js';
import { type Tx } from '../database/data-source.js';
import { DesiredStateRepository } from '../dispatch/desired-state.repository.js';
import { JobDispatchService, type JobSpec } from '../dispatch/job-dispatch.service.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { ProjectRepository } from '../projects/project.repository.js';
import { type RolloutClusterView, RolloutRepository } from './rollout.repository.js';
import { type RolloutEntity } from './rollout.entity.js';

/**
 * What a rollout writes when it moves clusters: their desired state and their jobs, through the
 * job owner, in the caller's transaction, and where each cluster now stands in the rollout.
 */
@Injectable()
export class RolloutMoves {
  constructor(
    @Inject(RolloutRepository) private readonly rollouts: RolloutRepository,
    @Inject(DesiredStateRepository) private readonly desired: DesiredStateRepository,
    @Inject(JobDispatchService) private readonly dispatch: JobDispatchService,
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Gives clusters the rollout's revision: their desired state, then one sync job each. */
  async move(
    tx: Tx,
    app: ApplicationEntity,
    r: RolloutEntity,
    clusters: RolloutClusterView[],
    actor: Actor,
  ): Promise<void> {
    if (clusters.length === 0) return;
    await this.setDesired(
      tx,
      app,
      clusters.map((v) => ({
        clusterId: v.clusterId,
        revision: r.revision,
        revisionDisplay: r.revisionDisplay,
        digest: v.targetDigest,
      })),
    );
    await this.resend(tx, app, r, clusters, actor);
    await this.rollouts.markStarted(
      tx,
      r.id,
      clusters.map((v) => v.clusterId),
      this.clock.now(),
    );
  }

  /**
   * Returns clusters the rollout moved to what they ran before: the previous bundle where there
   * was one, else (the application was new there) a removal.
   */
  async moveBack(
    tx: Tx,
    app: ApplicationEntity,
    r: RolloutEntity,
    clusters: RolloutClusterView[],
    actor: Actor,
  ): Promise<void> {
    if (clusters.length === 0) return;
    const back = clusters.filter((v) => v.previousDigest !== null);
    const gone = clusters.filter((v) => v.previousDigest === null);
    await this.setDesired(
      tx,
      app,
      back.map((v) => ({
        clusterId: v.clusterId,
        revision: v.previousRevision ?? '',
        revisionDisplay: v.previousRevisionDisplay ?? '',
        digest: v.previousDigest!,
      })),
    );
    for (const v of gone) await this.desired.delete(tx, app.id, v.clusterId);
    const jobs: JobSpec[] = [
      ...back.map((v) => ({
        clusterId: v.clusterId,
        kind: 'sync' as const,
        revision: v.previousRevision ?? '',
        revisionDisplay: v.previousRevisionDisplay ?? '',
        bundleDigest: v.previousDigest,
      })),
      ...gone.map((v) => ({
        clusterId: v.clusterId,
        kind: 'remove' as const,
        revision: r.revision,
        revisionDisplay: r.revisionDisplay,
        bundleDigest: null,
      })),
    ];
    await this.queue(tx, app, 'rollback', actor, null, jobs);
    await this.rollouts.markRolledBack(
      tx,
      r.id,
      clusters.map((v) => v.clusterId),
      this.clock.now(),
    );
  }

  /** Sends the rollout's bundle to clusters (their first move, or a retry of the failed ones). */
  async resend(
    tx: Tx,
    app: ApplicationEntity,
    r: RolloutEntity,
    clusters: RolloutClusterView[],
    actor: Actor,
  ): Promise<void> {
    const revision = { id: r.revision, display: r.revisionDisplay };
    await this.queue(
      tx,
      app,
      'rollout',
      actor,
      revision,
      clusters.map((v) => ({
        clusterId: v.clusterId,
        kind: 'sync' as const,
        revision: revision.id,
        revisionDisplay: revision.display,
        bundleDigest: v.targetDigest,
      })),
    );
  }

  private async setDesired(
    tx: Tx,
    app: ApplicationEntity,
    rows: { clusterId: string; revision: string; revisionDisplay: string; digest: string }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const before = new Map((await this.desired.forApplication(app.id, tx)).map((d) => [d.clusterId, d]));
    await this.desired.saveMany(
      tx,
      rows.map((w) => {
        const b = before.get(w.clusterId);
        return {
          applicationId: app.id,
          clusterId: w.clusterId,
          revision: w.revision,
          revisionDisplay: w.revisionDisplay,
          bundleDigest: w.digest,
          generation: (b?.generation ?? 0) + 1,
          renderError: null,
          renderErrorRevision: null,
          appliedRevision: b?.appliedRevision ?? null,
          appliedDigest: b?.appliedDigest ?? null,
          inventory: b?.inventory ?? [],
        };
      }),
    );
  }

  private async queue(
    tx: Tx,
    app: ApplicationEntity,
    trigger: 'rollout' | 'rollback',
    actor: Actor,
    revision: { id: string; display: string } | null,
    jobs: JobSpec[],
  ): Promise<void> {
    if (jobs.length === 0) return;
    const project = await this.projects.findById(app.projectId, tx);
    await this.dispatch.queueDeployment(
      tx,
      {
        ...app,
        objectPolicy: project ? projectObjectPolicy(project.objects, project.plainSecrets) : null,
      },
      trigger,
      actor,
      revision,
      jobs,
    );
  }
}
