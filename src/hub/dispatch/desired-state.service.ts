import { Inject, Injectable, Logger } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { DomainError } from '../../domain/errors.js';
import { matchesSelector, parseLabelSelector } from '../../domain/label-selector.js';
import { DEFAULT_RENDER_LIMITS, prepareManifests, renderManifests } from '../../domain/render/render.js';
import { type RenderTarget } from '../../domain/render/render.types.js';
import { type FileSet, type VcsRegistry } from '../../vcs/index.js';
import { type ApplicationEntity, type ApplicationTarget } from '../applications/application.entity.js';
import { AuditService } from '../audit/audit.service.js';
import { ClusterRepository } from '../clusters/cluster.repository.js';
import { type Tx } from '../database/data-source.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { type RepositoryEntity } from '../repositories/repository.entity.js';
import { RepositoryService } from '../repositories/repository.service.js';
import { VCS } from '../vcs/vcs.module.js';
import { BundleRepository } from './bundle.repository.js';
import { type DesiredStateEntity } from './desired-state.entity.js';
import { DesiredStateRepository } from './desired-state.repository.js';
import { DeploymentRepository } from './deployment.repository.js';
import { JobNotifier } from './job-notifier.repository.js';
import { ReconcileJobRepository } from './reconcile-job.repository.js';

/** Why desired state is being recomputed (shown in the deployment history). */
export type Trigger =
  | 'created'
  | 'updated'
  | 'revision'
  | 'sync'
  | 'rollback'
  | 'unpin'
  | 'cluster-labels'
  | 'cluster-registered'
  | 'delete';

/** What one recomputation did. */
export interface ReconcileOutcome {
  revision: string | null;
  jobs: number;
  removals: number;
  unchanged: number;
  renderFailures: number;
}

type ClusterRef = { id: string; name: string; labels: Record<string, string> };

/**
 * Decides what every cluster should run for an application: snapshot the repository at the
 * wanted revision, render per target cluster, store each distinct bundle once, and queue a
 * reconcile job wherever the desired state changed (superseding older queued ones). Clusters
 * that left the selector get a removal job. Render errors leave the previous state in force.
 */
@Injectable()
export class DesiredStateService {
  private readonly log = new Logger('desired-state');

  constructor(
    @Inject(ClusterRepository) private readonly clusters: ClusterRepository,
    @Inject(RepositoryService) private readonly repositories: RepositoryService,
    @Inject(VCS) private readonly vcs: VcsRegistry,
    @Inject(BundleRepository) private readonly bundles: BundleRepository,
    @Inject(DesiredStateRepository) private readonly desired: DesiredStateRepository,
    @Inject(ReconcileJobRepository) private readonly jobs: ReconcileJobRepository,
    @Inject(DeploymentRepository) private readonly deployments: DeploymentRepository,
    @Inject(JobNotifier) private readonly notifier: JobNotifier,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Recomputes and (when `dispatch`) queues jobs; `force` re-sends unchanged bundles too. */
  async reconcile(
    app: ApplicationEntity,
    trigger: Trigger,
    actor: Actor,
    opts: { dispatch: boolean; force?: boolean },
  ): Promise<ReconcileOutcome> {
    const outcome: ReconcileOutcome = {
      revision: null,
      jobs: 0,
      removals: 0,
      unchanged: 0,
      renderFailures: 0,
    };
    // fetch: the repository at the wanted revision
    const repoRow = await this.repositories.require(app.repositoryId);
    const fetched = await this.fetch(app, repoRow);
    const targets = await this.targetsOf(app);
    const revision = fetched.ok ? fetched.files.revision : null;
    outcome.revision = revision?.id ?? null;

    // Parsing dominates rendering: parse once per revision, then render per cluster.
    const prepared = fetched.ok ? prepareManifests(fetched.files.files, DEFAULT_RENDER_LIMITS) : null;

    await this.uow.run(async (tx) => {
      const existing = new Map((await this.desired.forApplication(app.id, tx)).map((d) => [d.clusterId, d]));
      const deploymentId = this.secrets.uuid();
      const wake = new Set<string>();
      // render → plan: one desired state per targeted cluster
      for (const { cluster, target } of targets) {
        const before = existing.get(cluster.id);
        existing.delete(cluster.id);
        if (!fetched.ok || !revision) {
          await this.recordRenderFailure(
            tx,
            app,
            cluster,
            before,
            fetched.ok ? 'no revision' : fetched.error,
            actor,
          );
          outcome.renderFailures++;
          continue;
        }
        const result = renderManifests(prepared!, renderTargetOf(cluster, target));
        if (!result.ok) {
          const message = result.errors
            .map(
              (e) => `${e.file || '(patches)'}${e.document ? ` document ${e.document}` : ''}: ${e.message}`,
            )
            .join('; ');
          await this.recordRenderFailure(tx, app, cluster, before, message, actor, revision.id);
          outcome.renderFailures++;
          continue;
        }
        const { digest, canonical, objectCount } = result.bundle;
        const same =
          before && before.bundleDigest === digest && before.revision === revision.id && !before.renderError;
        if (same && !opts.force) {
          outcome.unchanged++;
          if (!opts.dispatch || before.appliedDigest === digest) continue;
        }
        await this.bundles.store(tx, { digest, content: canonical, objectCount });
        await this.desired.save(tx, {
          applicationId: app.id,
          clusterId: cluster.id,
          revision: revision.id,
          revisionDisplay: revision.display,
          bundleDigest: digest,
          generation: (before?.generation ?? 0) + 1,
          renderError: null,
          appliedRevision: before?.appliedRevision ?? null,
          appliedDigest: before?.appliedDigest ?? null,
          inventory: before?.inventory ?? [],
        });
        if (!opts.dispatch) continue;
        await this.queue(
          tx,
          app,
          cluster,
          deploymentId,
          {
            kind: 'sync',
            revision: revision.id,
            revisionDisplay: revision.display,
            bundleDigest: digest,
          },
          actor,
        );
        wake.add(cluster.id);
        outcome.jobs++;
      }
      // clusters no longer targeted: remove what the application put there
      for (const gone of existing.values()) {
        await this.queue(
          tx,
          app,
          { id: gone.clusterId, name: '' },
          deploymentId,
          {
            kind: 'remove',
            revision: gone.revision ?? '',
            revisionDisplay: gone.revisionDisplay ?? '',
            bundleDigest: null,
          },
          actor,
        );
        await this.desired.delete(tx, app.id, gone.clusterId);
        wake.add(gone.clusterId);
        outcome.removals++;
      }
      if (outcome.jobs + outcome.removals > 0)
        await this.deployments.insert(tx, {
          id: deploymentId,
          applicationId: app.id,
          revision: revision?.id ?? '',
          revisionDisplay: revision?.display ?? '',
          trigger,
          actorName: actor.name,
          clusterCount: outcome.jobs + outcome.removals,
        });
      for (const id of wake) await this.notifier.notify(tx, id);
    });
    return outcome;
  }

  /** Removal jobs for every cluster of an application being deleted. Returns how many. */
  async removeEverywhere(app: ApplicationEntity, actor: Actor): Promise<number> {
    return this.uow.run(async (tx) => {
      const states = await this.desired.forApplication(app.id, tx);
      const deploymentId = this.secrets.uuid();
      for (const d of states) {
        await this.queue(
          tx,
          app,
          { id: d.clusterId, name: '' },
          deploymentId,
          {
            kind: 'remove',
            revision: d.revision ?? '',
            revisionDisplay: d.revisionDisplay ?? '',
            bundleDigest: null,
          },
          actor,
        );
        await this.desired.delete(tx, app.id, d.clusterId);
        await this.notifier.notify(tx, d.clusterId);
      }
      if (states.length)
        await this.deployments.insert(tx, {
          id: deploymentId,
          applicationId: app.id,
          revision: '',
          revisionDisplay: '',
          trigger: 'delete',
          actorName: actor.name,
          clusterCount: states.length,
        });
      return states.length;
    });
  }

  private async queue(
    tx: Tx,
    app: ApplicationEntity,
    cluster: { id: string; name: string },
    deploymentId: string,
    job: { kind: 'sync' | 'remove'; revision: string; revisionDisplay: string; bundleDigest: string | null },
    actor: Actor,
  ): Promise<void> {
    await this.jobs.supersedeQueued(tx, app.id, cluster.id);
    const id = this.secrets.uuid();
    await this.jobs.insert(tx, {
      id,
      clusterId: cluster.id,
      applicationId: app.id,
      deploymentId,
      kind: job.kind,
      revision: job.revision,
      revisionDisplay: job.revisionDisplay,
      bundleDigest: job.bundleDigest,
      prune: job.kind === 'remove' ? app.syncPolicy.prune : app.syncPolicy.prune,
      state: 'queued',
      attempts: 0,
      maxAttempts: 5,
      notBefore: this.clock.now(),
      leaseExpiresAt: null,
      result: null,
      error: null,
    });
    await this.audit.record(tx, {
      actor,
      action: 'job.dispatched',
      clusterId: cluster.id,
      applicationId: app.id,
      revision: job.revision || null,
      details: {
        jobId: id,
        kind: job.kind,
        application: app.name,
        bundleDigest: job.bundleDigest,
        display: job.revisionDisplay,
      },
    });
  }

  private async recordRenderFailure(
    tx: Tx,
    app: ApplicationEntity,
    cluster: ClusterRef,
    before: DesiredStateEntity | undefined,
    message: string,
    actor: Actor,
    revision?: string,
  ): Promise<void> {
    if (before?.renderError === message) return;
    await this.desired.save(tx, {
      applicationId: app.id,
      clusterId: cluster.id,
      revision: before?.revision ?? null,
      revisionDisplay: before?.revisionDisplay ?? null,
      bundleDigest: before?.bundleDigest ?? null,
      generation: before?.generation ?? 0,
      renderError: message,
      appliedRevision: before?.appliedRevision ?? null,
      appliedDigest: before?.appliedDigest ?? null,
      inventory: before?.inventory ?? [],
    });
    await this.audit.record(tx, {
      actor,
      action: 'sync.failed',
      clusterId: cluster.id,
      applicationId: app.id,
      revision: revision ?? null,
      details: { application: app.name, cluster: cluster.name, phase: 'render', error: message },
    });
  }

  private async fetch(
    app: ApplicationEntity,
    repoRow: RepositoryEntity,
  ): Promise<{ ok: true; files: FileSet } | { ok: false; error: string }> {
    const repo = this.repositories.toVcs(repoRow);
    const backend = this.vcs.for(repo);
    try {
      const revision = app.revision ?? repoRow.lastRevision ?? (await backend.resolve(repo)).id;
      return { ok: true, files: await backend.snapshot(repo, revision, app.path) };
    } catch (e) {
      if (e instanceof DomainError) return { ok: false, error: `fetch: ${e.message}` };
      this.log.error(`fetch of ${app.name} failed: ${(e as Error).message}`);
      return { ok: false, error: 'fetch: the repository could not be read' };
    }
  }

  /** Every cluster a target of the application selects; the first matching target wins. */
  private async targetsOf(
    app: ApplicationEntity,
  ): Promise<{ cluster: ClusterRef; target: ApplicationTarget }[]> {
    const selectors = app.targets.map((t) => ({ t, s: parseLabelSelector(t.clusterSelector) }));
    const out: { cluster: ClusterRef; target: ApplicationTarget }[] = [];
    for (const c of await this.clusters.all()) {
      const hit = selectors.find(({ s }) => matchesSelector(s, c.labels));
      if (hit) out.push({ cluster: c, target: hit.t });
    }
    return out;
  }
}

function renderTargetOf(cluster: ClusterRef, t: ApplicationTarget): RenderTarget {
  return {
    cluster: { name: cluster.name, labels: cluster.labels },
    namespace: t.namespace,
    values: t.values,
    patches: t.patches,
  };
}
