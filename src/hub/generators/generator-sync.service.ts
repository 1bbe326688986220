import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { SYSTEM_ACTOR, type Actor } from '../../domain/audit-chain.js';
import {
  diffGeneratedSet,
  duplicateNames,
  fillTemplate,
  generatorElements,
  parseDirectoryGlob,
  segmentMatches,
  type GeneratedCluster,
  type GeneratedDir,
} from '../../domain/application-generator.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import { NotFoundError } from '../../domain/errors.js';
import { matchesSelector, parseLabelSelector } from '../../domain/label-selector.js';
import { followedRevision } from '../../domain/reconcile-schedule.js';
import { type VcsRegistry } from '../../vcs/index.js';
import { describeApplication } from '../applications/application-audit.js';
import { assertValidSource, storedSource } from '../applications/application-source.js';
import { assertWithinProject, newApplication, normalisePath } from '../applications/application-spec.js';
import { type ApplicationEntity } from '../applications/application.entity.js';
import { ApplicationReconcilerService } from '../applications/application-reconciler.service.js';
import { ApplicationRepository } from '../applications/application.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { ClusterRepository } from '../clusters/cluster.repository.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { DesiredStateService } from '../dispatch/desired-state.service.js';
import { JobDispatchService } from '../dispatch/job-dispatch.service.js';
import { CoalescedRun } from '../platform/coalesced-run.js';
import { FLEET_EVENTS, type FleetEvent, type FleetEvents } from '../platform/fleet-events.js';
import { runPeriodically } from '../platform/periodic.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { type ProjectEntity } from '../projects/project.entity.js';
import { ProjectService } from '../projects/project.service.js';
import { type RepositoryEntity } from '../repositories/repository.entity.js';
import { RepositoryService } from '../repositories/repository.service.js';
import { VCS } from '../vcs/vcs.module.js';
import { type GeneratorEntity } from './generator.entity.js';
import { GeneratorRepository } from './generator.repository.js';

/** Most directories one directories generator may match: a glob is not a way to walk a whole tree. */
const MAX_DIRS = 500;

/** An application a generator wants, checked as its creation would be. */
interface Wanted {
  name: string;
  path: string;
  source: ApplicationEntity['source'];
  targets: ApplicationEntity['targets'];
  syncPolicy: ApplicationEntity['syncPolicy'];
  ignoreDifferences: string[];
  healthChecks: ApplicationEntity['healthChecks'];
}

/**
 * Keeps every generator's applications what its template and generators yield (level-triggered):
 * on its creation or change, on a new revision of its repository, on a cluster joining, leaving
 * or changing labels, and on the reconcile interval (so a lost event only delays).
 */
@Injectable()
export class GeneratorSyncService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('generators');
  private stop: (() => void) | null = null;
  /**
   * Recomputes the generators of clusters after the set of clusters changed: a pass reads every
   * cluster as it is then, so changes arriving together (a fleet joining) share passes.
   */
  private readonly clusterPass = new CoalescedRun(async () => {
    await this.recomputeMany(this.generators.allIds(true));
  });

  constructor(
    @Inject(GeneratorRepository) private readonly generators: GeneratorRepository,
    @Inject(ApplicationRepository) private readonly apps: ApplicationRepository,
    @Inject(RepositoryService) private readonly repositories: RepositoryService,
    @Inject(ClusterRepository) private readonly clusters: ClusterRepository,
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(DesiredStateService) private readonly desiredState: DesiredStateService,
    @Inject(JobDispatchService) private readonly dispatch: JobDispatchService,
    @Inject(ApplicationReconcilerService) private readonly reconciler: ApplicationReconcilerService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(VCS) private readonly vcs: VcsRegistry,
    @Inject(FLEET_EVENTS) private readonly events: FleetEvents,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'reconcileIntervalSeconds'>,
  ) {}

  onModuleInit(): void {
    this.events.subscribe((e) => this.onFleetEvent(e));
  }

  onApplicationBootstrap(): void {
    const ms = this.config.reconcileIntervalSeconds * 1000;
    if (ms > 0)
      this.stop = runPeriodically(
        ms,
        () => this.recomputeMany(this.generators.allIds(false)),
        (e) => this.log.warn(`generator sweep failed: ${e.message}`),
      );
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  private async onFleetEvent(e: FleetEvent): Promise<void> {
    if (e.type === 'revision-detected')
      await this.recomputeMany(this.generators.idsForRepository(e.repositoryId));
    else if (
      e.type === 'cluster-registered' ||
      e.type === 'cluster-labels-changed' ||
      e.type === 'cluster-deleted'
    )
      await this.clusterPass.request();
  }

  private async recomputeMany(ids: Promise<string[]>): Promise<number> {
    let n = 0;
    for (const id of await ids) {
      try {
        await this.recompute(id, SYSTEM_ACTOR);
        n++;
      } catch (e) {
        this.log.warn(`recompute of generator ${id} failed: ${(e as Error).message}`);
      }
    }
    return n;
  }

  /**
   * Brings a generator's applications to what it yields now: creates the new, updates the
   * changed, deletes those it no longer yields (left in the clusters when it preserves on
   * delete). What it cannot do (a name taken by another application, a spec its project refuses,
   * a repository it cannot list) is recorded in its status; applications are never deleted
   * because their directories could not be listed.
   */
  async recompute(id: string, actor: Actor): Promise<void> {
    const g = await this.generators.findByIdOrName(id);
    if (!g) return;
    const project = await this.projects.require(g.projectId);
    const repo = await this.repositories.require(g.repositoryId);
    const revision = followedRevision(repo);
    const errors: string[] = [];
    let dirs: GeneratedDir[] | null = null;
    if (g.directoriesGlob !== null) {
      try {
        dirs = revision === null ? null : await this.listDirs(repo, revision, g.directoriesGlob);
        if (revision === null) errors.push(`repository '${repo.name}' has no revision yet`);
      } catch (e) {
        errors.push(`listing ${g.directoriesGlob} failed: ${(e as Error).message}`);
      }
      if (dirs === null) return this.recordStatus(g.id, revision, errors);
    }
    const clusters = g.clustersSelector === null ? null : await this.matchingClusters(g, project);
    const wanted: Wanted[] = [];
    for (const element of generatorElements(dirs, clusters)) {
      const what = [element.dir?.path, element.cluster?.name].filter(Boolean).join(' × ');
      try {
        wanted.push(this.check(fillTemplate(g.template, element), project, repo));
      } catch (e) {
        errors.push(`${what}: ${(e as Error).message}`);
      }
    }
    const dups = new Set(duplicateNames(wanted.map((w) => w.name)));
    for (const d of dups) errors.push(`several elements yield the application name '${d}'`);
    const changed = await this.uow.run(async (tx) => {
      const locked = await this.generators.findByIdOrName(g.id, tx, true);
      if (!locked) return null;
      const existing = (await this.generators.generatedApps(g.id, tx)).filter((a) => !a.deleting);
      const diff = diffGeneratedSet(
        wanted.filter((w) => !dups.has(w.name)),
        existing,
        (w, e) => canonicalJson(specOf(w)) !== canonicalJson(specOf(e)),
      );
      const touched: ApplicationEntity[] = [];
      const removed: string[] = [];
      const details = { generator: g.name, project: project.name };
      for (const w of diff.create) {
        const taken = await this.apps.findByName(w.name, tx);
        if (taken) {
          errors.push(`application '${w.name}' exists and was not made by this generator: left alone`);
          continue;
        }
        const row = await this.apps.insert(tx, {
          ...newApplication(
            { ...w, repositoryId: repo.id },
            { repo, path: w.path, source: w.source, project },
            this.secrets.uuid(),
          ),
          generatedBy: g.id,
        });
        await this.audit.record(tx, {
          actor,
          action: 'application.created',
          applicationId: row.id,
          repositoryId: repo.id,
          details: { ...describeApplication(row), ...details },
        });
        touched.push(row);
      }
      for (const w of diff.update) {
        const row = existing.find((e) => e.name === w.name)!;
        const before = describeApplication(row);
        Object.assign(row, specOf(w));
        row.generation++;
        const saved = await this.apps.save(tx, row);
        await this.audit.record(tx, {
          actor,
          action: 'application.updated',
          applicationId: row.id,
          details: { before, after: describeApplication(saved), ...details },
        });
        touched.push(saved);
      }
      for (const name of diff.delete) {
        const row = existing.find((e) => e.name === name)!;
        row.deleting = true;
        // Removal jobs carry the prune flag: off, they only take Flotilla's mark off the objects.
        if (g.preserveOnDelete) row.syncPolicy = { ...row.syncPolicy, prune: false };
        const saved = await this.apps.save(tx, row);
        await this.audit.record(tx, {
          actor,
          action: 'application.deletion-requested',
          applicationId: row.id,
          details: { ...describeApplication(row), ...details, preserveOnDelete: g.preserveOnDelete },
        });
        await this.desiredState.removeEverywhere(saved, actor, tx);
        removed.push(saved.id);
      }
      const names = [...existing.filter((e) => !diff.delete.includes(e.name)), ...touched].map((a) => a.name);
      locked.status = {
        revision,
        applications: [...new Set(names)].sort(),
        errors,
        recomputedAt: new Date().toISOString(),
      };
      await this.generators.save(tx, locked);
      return { touched, removed };
    });
    if (!changed) return;
    for (const app of changed.touched) {
      const outcome = await this.desiredState.reconcile(app, 'updated', actor, {
        dispatch: app.syncPolicy.automated && !app.suspended,
      });
      await this.reconciler.recorded(app, outcome);
    }
    for (const appId of changed.removed) await this.dispatch.finishDeletionIfDone(appId, actor);
  }

  /** Deletes every application of a generator being deleted (same rules as a recompute's). */
  async removeAll(g: GeneratorEntity, actor: Actor): Promise<void> {
    const ids = await this.uow.run(async (tx) => {
      const out: string[] = [];
      for (const row of await this.generators.generatedApps(g.id, tx)) {
        if (row.deleting) continue;
        row.deleting = true;
        if (g.preserveOnDelete) row.syncPolicy = { ...row.syncPolicy, prune: false };
        const saved = await this.apps.save(tx, row);
        await this.audit.record(tx, {
          actor,
          action: 'application.deletion-requested',
          applicationId: row.id,
          details: { ...describeApplication(row), generator: g.name, preserveOnDelete: g.preserveOnDelete },
        });
        await this.desiredState.removeEverywhere(saved, actor, tx);
        out.push(saved.id);
      }
      return out;
    });
    for (const id of ids) await this.dispatch.finishDeletionIfDone(id, actor);
  }

  /** A filled template, checked exactly as the creation of the application would be. */
  private check(filled: GeneratorEntity['template'], project: ProjectEntity, repo: RepositoryEntity): Wanted {
    const path = normalisePath(filled.path);
    filled.targets.forEach((t, i) => parseLabelSelector(t.clusterSelector, `targets[${i}].clusterSelector`));
    const source = storedSource(filled.source ?? null);
    assertValidSource(source, filled.targets as ApplicationEntity['targets']);
    assertWithinProject(project, repo.name, path, filled.targets);
    return {
      name: filled.name,
      path,
      source,
      targets: filled.targets,
      syncPolicy: filled.syncPolicy,
      ignoreDifferences: filled.ignoreDifferences,
      healthChecks: filled.healthChecks ?? [],
    };
  }

  /** Directories matching the glob at a revision, walking one tree level per glob segment. */
  private async listDirs(repo: RepositoryEntity, revision: string, glob: string): Promise<GeneratedDir[]> {
    const vcsRepo = this.repositories.toVcs(repo);
    const backend = this.vcs.for(vcsRepo);
    let level = [''];
    for (const segment of parseDirectoryGlob(glob)) {
      const next: string[] = [];
      for (const dir of level) {
        const entries = await backend.tree(vcsRepo, revision, dir).catch((e: Error) => {
          // A fixed segment that is not there matches nothing; any other failure is reported.
          if (e instanceof NotFoundError) return [];
          throw e;
        });
        for (const entry of entries)
          if (entry.type === 'dir' && segmentMatches(segment, entry.name)) next.push(entry.path);
        if (next.length > MAX_DIRS) throw new Error(`more than ${MAX_DIRS} directories match`);
      }
      level = next;
    }
    return level.map((path) => ({ name: path.slice(path.lastIndexOf('/') + 1), path }));
  }

  /** Clusters the generator's selector matches, among those its project may deploy to. */
  private async matchingClusters(g: GeneratorEntity, project: ProjectEntity): Promise<GeneratedCluster[]> {
    const selector = parseLabelSelector(g.clustersSelector ?? '');
    const within = parseLabelSelector(project.clusterSelector);
    return (await this.clusters.all())
      .filter((c) => matchesSelector(within, c.labels) && matchesSelector(selector, c.labels))
      .map((c) => ({ name: c.name, labels: c.labels }));
  }

  private async recordStatus(id: string, revision: string | null, errors: string[]): Promise<void> {
    await this.uow.run(async (tx) => {
      const g = await this.generators.findByIdOrName(id, tx, true);
      if (!g) return;
      g.status = { ...g.status, revision, errors, recomputedAt: new Date().toISOString() };
      await this.generators.save(tx, g);
    });
  }
}

/** The parts of an application a generator decides. */
function specOf(a: Wanted | ApplicationEntity): Omit<Wanted, 'name'> {
  return {
    path: a.path,
    source: a.source,
    targets: a.targets,
    syncPolicy: a.syncPolicy,
    ignoreDifferences: a.ignoreDifferences,
    healthChecks: a.healthChecks,
  };
}
