import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SYSTEM_ACTOR } from '../../domain/audit-chain.js';
import {
  followedRevision,
  pathsTouch,
  reconcileDue,
  reconcileRetryDelayMs,
} from '../../domain/reconcile-schedule.js';
import { type VcsRegistry } from '../../vcs/index.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import {
  DesiredStateService,
  type ReconcileOutcome,
  type Trigger,
} from '../dispatch/desired-state.service.js';
import { type FleetEvent } from '../platform/fleet-events.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { CoalescedRun } from '../platform/coalesced-run.js';
import { runPeriodically } from '../platform/periodic.js';
import { type RepositoryEntity } from '../repositories/repository.entity.js';
import { RepositoryService } from '../repositories/repository.service.js';
import { VCS } from '../vcs/vcs.module.js';
import { type ApplicationEntity } from './application.entity.js';
import { ApplicationRepository } from './application.repository.js';

/** How long a replica may hold an application while reconciling it before another may take over. */
const LEASE_MS = 120_000;
/** Applications one sweep claims per batch, and batches per sweep at most. */
const BATCH = 16;
const MAX_BATCHES = 8;
/** Retry base when the periodic sweep is off (retries then only happen on events). */
const DEFAULT_RETRY_BASE_MS = 30_000;

/** A new revision as the poller announced it: the paths changed since `previous`, when known. */
export interface RevisionHint {
  previous: string | null;
  revision: string;
  paths: string[] | null;
}

/**
 * The level-triggered loop of applications (ARCHITECTURE.md §10). Every application records
 * the repository revision it was last reconciled against; a periodic sweep on any replica
 * claims (under a lease) the automated, unpinned ones that are behind the revision their
 * repository follows, or whose last reconcile failed and is due for a retry, and reconciles
 * them. The poller's event only makes this happen sooner: losing it (crash, failing handler)
 * delays a deploy by one sweep interval at most.
 */
@Injectable()
export class ApplicationReconcilerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('reconciler');
  private stop: (() => void) | null = null;
  private running: Promise<number> | null = null;
  /** The passes after cluster changes, one per trigger (their options differ). */
  private readonly clusterPasses = new Map<Trigger, CoalescedRun>();

  constructor(
    @Inject(ApplicationRepository) private readonly apps: ApplicationRepository,
    @Inject(RepositoryService) private readonly repositories: RepositoryService,
    @Inject(VCS) private readonly vcs: VcsRegistry,
    @Inject(DesiredStateService) private readonly desiredState: DesiredStateService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'reconcileIntervalSeconds'>,
  ) {}

  onApplicationBootstrap(): void {
    const ms = this.config.reconcileIntervalSeconds * 1000;
    if (ms > 0)
      this.stop = runPeriodically(
        ms,
        () => this.sweepOnce(),
        (e) => this.log.warn(`reconcile sweep failed: ${e.message}`),
      );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop?.();
    await this.running?.catch(() => undefined);
  }

  /**
   * One sweep: claims due applications batch by batch and reconciles them. Returns how many it
   * reconciled. Exposed for tests; one application's failure does not stop the others.
   */
  async sweep(): Promise<number> {
    let done = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const now = this.clock.now();
      const due = await this.apps.claimDue(now, new Date(now.getTime() + LEASE_MS), BATCH);
      for (const app of due) {
        try {
          if (await this.converge(app, 'sweep')) done++;
        } catch (e) {
          this.log.warn(`reconcile of ${app.name} failed: ${(e as Error).message}`);
        }
      }
      if (due.length < BATCH) break;
    }
    return done;
  }

  /**
   * Reconciles the unpinned applications of a repository at once after the poller recorded a
   * new revision. An application another replica holds is skipped: the sweep redoes it if the
   * holder reconciled an older revision.
   */
  async revisionDetected(repositoryId: string, hint: RevisionHint): Promise<void> {
    for (const app of await this.apps.forRepository(repositoryId)) {
      if (app.revision !== null || app.deleting) continue;
      const now = this.clock.now();
      const claimed = await this.apps.claimOne(app.id, now, new Date(now.getTime() + LEASE_MS));
      if (claimed) await this.converge(claimed, 'event', hint);
    }
  }

  /**
   * Re-renders every application after a cluster changed: labels changed or a cluster joined
   * (selectors may now match differently), or the API versions it serves changed (only what Helm
   * renders can differ, so applications of another declared kind are skipped, and unchanged
   * bundles that were not applied are not sent again: a CRD installed is no reason to retry every
   * failed job of the fleet).
   */
  async clusterChanged(
    e: Exclude<FleetEvent, { type: 'revision-detected' } | { type: 'rollout-completed' }>,
  ): Promise<void> {
    const trigger: Trigger =
      e.type === 'cluster-registered'
        ? 'cluster-registered'
        : e.type === 'cluster-capabilities-changed'
          ? 'cluster-capabilities'
          : 'cluster-labels';
    // A pass reads every cluster as it is when it runs, whichever changed: clusters joining
    // together (a fleet registering) share passes instead of re-rendering everything once each.
    let pass = this.clusterPasses.get(trigger);
    if (!pass) {
      pass = new CoalescedRun(() => this.afterClusterChange(trigger));
      this.clusterPasses.set(trigger, pass);
    }
    await pass.request();
  }

  private async afterClusterChange(trigger: Trigger): Promise<void> {
    for (const app of await this.apps.all()) {
      if (app.deleting) continue;
      if (trigger === 'cluster-capabilities' && app.source !== null && app.source.kind !== 'helm') continue;
      const outcome = await this.desiredState.reconcile(app, trigger, SYSTEM_ACTOR, {
        dispatch: app.syncPolicy.automated && !app.suspended,
        resendUnapplied: trigger !== 'cluster-capabilities',
      });
      await this.recorded(app, outcome);
    }
  }

  /**
   * Re-renders an application after one of its staged rollouts completed. A cluster that joined
   * while it ran was held back (it waits for the rollout to end) and the revision is reconciled
   * already, so nothing else would give it the application until the next commit: this starts a
   * rollout of its own for such clusters. Nothing changed elsewhere, so nothing else is sent.
   */
  async rolloutCompleted(applicationId: string): Promise<void> {
    const app = await this.apps.findByIdOrName(applicationId);
    if (!app || app.deleting) return;
    const outcome = await this.desiredState.reconcile(app, 'rollout', SYSTEM_ACTOR, {
      dispatch: app.syncPolicy.automated && !app.suspended,
      resendUnapplied: false,
    });
    await this.recorded(app, outcome);
  }

  /** Records a reconcile made outside this loop (create, update, unpin) so the sweep does not redo it. */
  async recorded(app: ApplicationEntity, outcome: ReconcileOutcome): Promise<void> {
    if (app.revision !== null || outcome.revision === null) return;
    await this.finish(app, outcome.revision, outcome.renderFailures > 0, false);
  }

  private sweepOnce(): Promise<number> {
    if (this.running) return this.running;
    const run = this.sweep().finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  /**
   * Brings one claimed application to the revision its repository follows: re-rendered when
   * the change touched its path (or nothing is known about the change), else only recorded.
   * Returns whether it reconciled; always gives the lease up.
   */
  private async converge(
    app: ApplicationEntity,
    mode: 'sweep' | 'event',
    hint?: RevisionHint,
  ): Promise<boolean> {
    let repo: RepositoryEntity;
    let followed: string | null;
    try {
      repo = await this.repositories.require(app.repositoryId);
      followed = followedRevision(repo);
      const pending =
        mode === 'sweep'
          ? reconcileDue(
              {
                automated: app.syncPolicy.automated,
                pinned: app.revision !== null,
                suspended: app.suspended,
                deleting: app.deleting,
                reconciledRevision: app.reconciledRevision,
                reconcileRetryAt: app.reconcileRetryAt,
              },
              followed,
              this.clock.now(),
            )
          : followed !== null && (app.reconciledRevision !== followed || app.reconcileFailures > 0);
      if (!pending || followed === null) {
        await this.apps.release(app.id);
        return false;
      }
    } catch (e) {
      await this.apps.release(app.id).catch(() => undefined);
      throw e;
    }
    try {
      // A monorepo commit elsewhere renders nothing new: the application is only marked as seen.
      if (
        app.reconciledRevision !== null &&
        app.reconciledRevision !== followed &&
        app.reconcileFailures === 0
      ) {
        const paths =
          hint && hint.previous === app.reconciledRevision && hint.revision === followed
            ? hint.paths
            : await this.changedPaths(repo, app.reconciledRevision, followed);
        if (!pathsTouch(paths, app.path)) {
          await this.finish(app, followed, false, true);
          return true;
        }
      }
      const outcome = await this.desiredState.reconcile(app, 'revision', SYSTEM_ACTOR, {
        dispatch: app.syncPolicy.automated && !app.suspended,
      });
      await this.finish(app, outcome.revision ?? followed, outcome.renderFailures > 0, true);
      return true;
    } catch (e) {
      // Not recorded as reconciled: the sweep retries after the backoff.
      await this.finish(app, app.reconciledRevision, true, true).catch(() => undefined);
      throw e;
    }
  }

  private async finish(
    app: ApplicationEntity,
    revision: string | null,
    failed: boolean,
    release: boolean,
  ): Promise<void> {
    const failures = failed ? app.reconcileFailures + 1 : 0;
    const base = this.config.reconcileIntervalSeconds * 1000 || DEFAULT_RETRY_BASE_MS;
    await this.apps.finishReconcile(
      app.id,
      {
        reconciledRevision: revision,
        reconcileFailures: failures,
        reconcileRetryAt: failed
          ? new Date(this.clock.now().getTime() + reconcileRetryDelayMs(failures, base))
          : null,
      },
      release,
    );
  }

  /** Paths changed between two revisions; null (so: re-render) when the repository cannot say. */
  private async changedPaths(repo: RepositoryEntity, from: string, to: string): Promise<string[] | null> {
    try {
      const vcsRepo = this.repositories.toVcs(repo);
      return await this.vcs.for(vcsRepo).changedPaths(vcsRepo, from, to);
    } catch {
      return null;
    }
  }
}
