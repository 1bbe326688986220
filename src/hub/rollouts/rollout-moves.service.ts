import { Inject, Injectable } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { projectObjectPolicy } from '../../domain/object-policy.js';
import { type ApplicationEntity } from '../applications/application.entity.js';
import { type Tx } from '../database/data-source.js';
import { givenBundle } from '../dispatch/desired-state.entity.js';
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
    const moves = clusters.map((v) => toTarget(r, v));
    await this.setDesired(tx, app, moves);
    await this.queue(
      tx,
      app,
      'rollout',
      actor,
      { id: r.revision, display: r.revisionDisplay },
      moves.map(syncJob),
    );
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
    const back: Move[] = clusters.flatMap((v) =>
      v.previousDigest === null
        ? []
        : [
            {
              clusterId: v.clusterId,
              revision: v.previousRevision ?? '',
              revisionDisplay: v.previousRevisionDisplay ?? '',
              bundleDigest: v.previousDigest,
            },
          ],
    );
    const gone = clusters.filter((v) => v.previousDigest === null);
    await this.setDesired(tx, app, back);
    for (const v of gone) await this.desired.delete(tx, app.id, v.clusterId);
    const removals = gone.map((v) => ({
      clusterId: v.clusterId,
      kind: 'remove' as const,
      revision: r.revision,
      revisionDisplay: r.revisionDisplay,
      bundleDigest: null,
    }));
    await this.queue(tx, app, 'rollback', actor, null, [...back.map(syncJob), ...removals]);
    await this.rollouts.markRolledBack(
      tx,
      r.id,
      clusters.map((v) => v.clusterId),
      this.clock.now(),
    );
  }

  /** Sends the rollout's bundle to clusters it moved again (a retry of the failed ones). */
  async resend(
    tx: Tx,
    app: ApplicationEntity,
    r: RolloutEntity,
    clusters: RolloutClusterView[],
    actor: Actor,
  ): Promise<void> {
    const jobs = clusters.map((v) => syncJob(toTarget(r, v)));
    await this.queue(tx, app, 'rollout', actor, { id: r.revision, display: r.revisionDisplay }, jobs);
  }

  /** Writes the clusters' new desired state, reading only theirs. */
  private async setDesired(tx: Tx, app: ApplicationEntity, moves: Move[]): Promise<void> {
    if (moves.length === 0) return;
    const ids = moves.map((m) => m.clusterId);
    const before = new Map((await this.desired.forClusters(tx, app.id, ids)).map((d) => [d.clusterId, d]));
    await this.desired.saveMany(
      tx,
      moves.map((m) => givenBundle(before.get(m.clusterId), { applicationId: app.id, ...m })),
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

/** A cluster given a bundle at a revision. */
type Move = { clusterId: string; revision: string; revisionDisplay: string; bundleDigest: string };

/** The rollout's bundle for one of its clusters. */
function toTarget(r: RolloutEntity, v: RolloutClusterView): Move {
  return {
    clusterId: v.clusterId,
    revision: r.revision,
    revisionDisplay: r.revisionDisplay,
    bundleDigest: v.targetDigest,
  };
}

function syncJob(m: Move): JobSpec {
  return { ...m, kind: 'sync' };
}
