import { assertValidHealthChecks } from '../health-checks/health-check.service.js';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { SYSTEM_ACTOR, type Actor } from '../../domain/audit-chain.js';
import { decodeCursor, encodeCursor } from '../../domain/cursor.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../domain/errors.js';
import { DEFAULT_PROJECT_NAME } from '../../domain/project.js';
import { parseLabelSelector } from '../../domain/label-selector.js';
import { AuditService } from '../audit/audit.service.js';
import { type Page } from '../common/list-query.dto.js';
import { applicationDto } from './application-view.js';
import { afterName, namePage } from '../common/name-page.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { DeploymentRepository } from '../dispatch/deployment.repository.js';
import { DesiredStateRepository } from '../dispatch/desired-state.repository.js';
import {
  DesiredStateService,
  type ReconcileOutcome,
  type Trigger,
} from '../dispatch/desired-state.service.js';
import { JobDispatchService } from '../dispatch/job-dispatch.service.js';
import { ReconcileJobRepository } from '../dispatch/reconcile-job.repository.js';
import { ResourceStatusRepository } from '../dispatch/resource-status.repository.js';
import { FleetStatusRepository } from '../fleet-status/fleet-status.repository.js';
import { toFleetStatusDto } from '../fleet-status/fleet-status.service.js';
import { FLEET_EVENTS, type FleetEvent, type FleetEvents } from '../platform/fleet-events.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { type ProjectEntity } from '../projects/project.entity.js';
import { ProjectService } from '../projects/project.service.js';
import { assertAllowed, type Principal } from '../auth/principal.js';
import { type Tx } from '../database/data-source.js';
import { authorize, projectsAllowing, roleAllows, type Role } from '../../domain/authorization.js';
import { RepositoryService, rewoundOf } from '../repositories/repository.service.js';
import {
  type ApplicationDetailDto,
  type ApplicationDto,
  type ClusterStatusDto,
  type CreateApplicationDto,
  type DeploymentPageDto,
  type ResourceListDto,
  type UpdateApplicationDto,
} from './application.dto.js';
import { type ApplicationEntity } from './application.entity.js';
import { describeApplication } from './application-audit.js';
import { storedRollout } from '../rollouts/rollout.dto.js';
import { RolloutService } from '../rollouts/rollout.service.js';
import { assertValidSource, storedSource } from './application-source.js';
import { ApplicationReconcilerService } from './application-reconciler.service.js';
import { ApplicationRepository } from './application.repository.js';
import { assertWithinProject, newApplication, normalisePath } from './application-spec.js';
import { assertDependencies, assertNoDependents, storedDependsOn } from './application-dependency-checks.js';

/** Applications: CRUD, manual sync, rollback and unpin, status across the fleet, history. */
@Injectable()
export class ApplicationService implements OnModuleInit {
  constructor(
    @Inject(ApplicationRepository) private readonly apps: ApplicationRepository,
    @Inject(RepositoryService) private readonly repositories: RepositoryService,
    @Inject(DesiredStateService) private readonly desiredState: DesiredStateService,
    @Inject(ReconcileJobRepository) private readonly jobs: ReconcileJobRepository,
    @Inject(JobDispatchService) private readonly dispatch: JobDispatchService,
    @Inject(DeploymentRepository) private readonly deployments: DeploymentRepository,
    @Inject(ResourceStatusRepository) private readonly resources: ResourceStatusRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(FLEET_EVENTS) private readonly events: FleetEvents,
    @Inject(ApplicationReconcilerService) private readonly reconciler: ApplicationReconcilerService,
    @Inject(FleetStatusRepository) private readonly fleetStatus: FleetStatusRepository,
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(RolloutService) private readonly rollouts: RolloutService,
    @Inject(DesiredStateRepository) private readonly desired: DesiredStateRepository,
  ) {}

  onModuleInit(): void {
    this.events.subscribe((e) => this.onFleetEvent(e));
  }

  async create(input: CreateApplicationDto, actor: Actor, principal: Principal): Promise<ApplicationDto> {
    const checked = await this.checkCreation(input, principal);
    const { repo, project } = checked;
    const app = await this.uow.run(async (tx) => {
      if (await this.apps.findByName(input.name, tx))
        throw new ConflictError(`an application named '${input.name}' already exists`);
      const fresh = newApplication(input, checked, this.secrets.uuid());
      fresh.dependsOn = storedDependsOn(input.dependsOn);
      if (fresh.dependsOn.length) await assertDependencies(this.apps, tx, fresh, project.name);
      const row = await this.apps.insert(tx, fresh);
      await this.audit.record(tx, {
        actor,
        action: 'application.created',
        applicationId: row.id,
        repositoryId: repo.id,
        details: { ...describeApplication(row), project: project.name },
      });
      return row;
    });
    await this.recompute(app, 'created', actor);
    return applicationDto(app, project.name);
  }

  /**
   * An application as `input` would create it, checked exactly as its creation is (repository,
   * path, selectors, source, project and its rules, the caller's role) but not stored: previews
   * of an application not created yet. Its name need not be free.
   */
  async draft(
    input: CreateApplicationDto,
    principal: Principal,
  ): Promise<{ app: ApplicationEntity; project: ProjectEntity }> {
    const checked = await this.checkCreation(input, principal);
    const now = new Date();
    return {
      project: checked.project,
      app: { ...newApplication(input, checked, this.secrets.uuid()), createdAt: now, updatedAt: now },
    };
  }

  /** The checks of a creation; what it needs to store the application. */
  private async checkCreation(input: CreateApplicationDto, principal: Principal) {
    const repo = await this.repositories.require(input.repositoryId);
    const path = normalisePath(input.path);
    input.targets.forEach((t, i) => parseLabelSelector(t.clusterSelector, `targets[${i}].clusterSelector`));
    const source = storedSource(input.source);
    assertValidSource(source, input.targets);
    const project = await this.projects.require(input.project ?? DEFAULT_PROJECT_NAME);
    assertAllowed(principal, 'operator', project.name);
    assertWithinProject(project, repo.name, path, input.targets);
    return { repo, path, source, project };
  }

  /** A page of the applications the caller may see (of one project when asked). */
  async list(
    q: { limit?: number; cursor?: string; project?: string },
    principal: Principal,
  ): Promise<Page<ApplicationDto>> {
    const limit = q.limit ?? 50;
    const after = afterName(q.cursor);
    const names = await this.projects.namesById();
    const visible = projectsAllowing(principal, 'viewer');
    const only =
      q.project === undefined && visible === 'all'
        ? null
        : [...names]
            .filter(
              ([, n]) =>
                (q.project === undefined || n === q.project) && (visible === 'all' || visible.includes(n)),
            )
            .map(([id]) => id);
    return namePage(await this.apps.list(after, limit + 1, only), limit, (a) =>
      applicationDto(a, names.get(a.projectId) ?? ''),
    );
  }

  /** The application with its state in every target cluster and fleet-wide counts. */
  async get(key: string, principal: Principal): Promise<ApplicationDetailDto> {
    const app = await this.requireAs(key, principal, 'viewer');
    // The read model holds one row per targeted cluster, kept current with every change.
    const waiting = new Map(
      (await this.desired.forApplication(app.id)).map((d) => [d.clusterId, d.waitingFor]),
    );
    const rows = (await this.fleetStatus.forApplication(app.id)).map((r) =>
      toClusterStatus(r, waiting.get(r.clusterId) ?? null),
    );
    const counts = {
      sync: {} as Record<string, number>,
      health: {} as Record<string, number>,
      total: rows.length,
    };
    for (const r of rows) {
      counts.sync[r.sync] = (counts.sync[r.sync] ?? 0) + 1;
      counts.health[r.health] = (counts.health[r.health] ?? 0) + 1;
    }
    // A rewound branch holds automated sync back: shown where the operator looks.
    const rewound = rewoundOf(await this.repositories.require(app.repositoryId));
    const project = await this.projects.require(app.projectId);
    return {
      ...applicationDto(app, project.name),
      rewound,
      reconciledRevision: app.reconciledRevision,
      warnings: app.renderWarnings,
      clusters: rows,
      counts,
    };
  }

  async update(
    key: string,
    input: UpdateApplicationDto,
    actor: Actor,
    principal: Principal,
  ): Promise<ApplicationDto> {
    input.targets?.forEach((t, i) => parseLabelSelector(t.clusterSelector, `targets[${i}].clusterSelector`));
    const source = input.source === undefined ? undefined : storedSource(input.source);
    const { app, project } = await this.uow.run(async (tx) => {
      const row = await this.requireAs(key, principal, 'operator', tx);
      await this.refuseGenerated(row, 'changed', tx);
      const before = describeApplication(row);
      const from = await this.projects.require(row.projectId, tx);
      const project = input.project !== undefined ? await this.projects.require(input.project, tx) : from;
      // Moving an application takes the operator role in the project it moves into, too.
      assertAllowed(principal, 'operator', project.name);
      if (input.path !== undefined) row.path = normalisePath(input.path);
      if (input.targets !== undefined) row.targets = input.targets;
      // A changed source (or target Helm options) is checked against the other as it will be.
      if (source !== undefined) row.source = source;
      if (source !== undefined || input.targets !== undefined) assertValidSource(row.source, row.targets);
      if (input.syncPolicy !== undefined) row.syncPolicy = input.syncPolicy;
      if (input.rollout !== undefined) row.rollout = storedRollout(input.rollout);
      if (input.ignoreDifferences !== undefined) row.ignoreDifferences = input.ignoreDifferences;
      if (input.dependsOn !== undefined) row.dependsOn = storedDependsOn(input.dependsOn);
      if (input.healthChecks !== undefined)
        row.healthChecks = assertValidHealthChecks(input.healthChecks, 'healthChecks');
      if (input.dependsOn !== undefined || project.id !== row.projectId)
        await assertDependencies(this.apps, tx, { ...row, projectId: project.id }, project.name);
      // What the application deploys from and to must fit its project when either changes; a
      // change of its sync policy alone stays possible after the project was narrowed.
      if (input.project !== undefined || input.path !== undefined || input.targets !== undefined) {
        const repo = await this.repositories.require(row.repositoryId);
        assertWithinProject(project, repo.name, row.path, row.targets);
      }
      row.projectId = project.id;
      row.generation++;
      const saved = await this.apps.save(tx, row);
      if (input.rollout === null) await this.rollouts.strategyRemoved(tx, saved, actor);
      await this.audit.record(tx, {
        actor,
        action: 'application.updated',
        applicationId: row.id,
        details: {
          before: { ...before, project: from.name },
          after: { ...describeApplication(saved), project: project.name },
        },
      });
      return { app: saved, project };
    });
    await this.recompute(app, 'updated', actor);
    return applicationDto(app, project.name);
  }

  /** Queues jobs for every target cluster now (at the pinned revision, or a given one pinned). */
  async sync(
    key: string,
    input: { revision?: string },
    actor: Actor,
    principal: Principal,
  ): Promise<ReconcileOutcome> {
    if (input.revision) return this.pin(key, input.revision, actor, 'sync', principal);
    const app = await this.requireAs(key, principal, 'operator');
    await this.uow.run((tx) =>
      this.audit.record(tx, {
        actor,
        action: 'application.synced',
        applicationId: app.id,
        details: { name: app.name },
      }),
    );
    return this.desiredState.reconcile(app, 'sync', actor, { dispatch: true, force: true });
  }

  /** Pins a revision and suspends automated sync until unpinned. */
  rollback(key: string, revision: string, actor: Actor, principal: Principal): Promise<ReconcileOutcome> {
    return this.pin(key, revision, actor, 'rollback', principal);
  }

  unpin(key: string, actor: Actor, principal: Principal): Promise<ReconcileOutcome> {
    return this.pin(key, null, actor, 'unpin', principal);
  }

  /**
   * Deletes an application. Its objects are removed from every cluster through removal jobs
   * (pruned when its policy says prune, else left without our mark); the record goes when the
   * last of them finishes. Returns whether deletion is still in progress.
   */
  async delete(key: string, actor: Actor, principal: Principal): Promise<{ pending: number }> {
    // One transaction: an application marked deleting always has its removal jobs (a crash in
    // between would leave it deleting with nothing to finish it).
    const { app, pending } = await this.uow.run(async (tx) => {
      const row = await this.requireAs(key, principal, 'operator', tx);
      await this.refuseGenerated(row, 'deleted', tx);
      await assertNoDependents(this.apps, tx, row);
      row.deleting = true;
      const saved = await this.apps.save(tx, row);
      await this.audit.record(tx, {
        actor,
        action: 'application.deletion-requested',
        applicationId: row.id,
        details: describeApplication(row),
      });
      return { app: saved, pending: await this.desiredState.removeEverywhere(saved, actor, tx) };
    });
    // Nothing deployed anywhere: done now (else when the last removal job ends; the sweeper
    // finishes a deletion whose last step a crash cut off).
    await this.finishDeletionIfDone(app.id, actor);
    return { pending };
  }

  /** Deletes a deleting application's record once no job of it is unfinished. */
  finishDeletionIfDone(applicationId: string, actor: Actor = SYSTEM_ACTOR): Promise<boolean> {
    return this.dispatch.finishDeletionIfDone(applicationId, actor);
  }

  /** Every deployment ever made, newest first. */
  async history(
    key: string,
    q: { limit?: number; cursor?: string },
    principal: Principal,
  ): Promise<DeploymentPageDto> {
    const app = await this.requireAs(key, principal, 'viewer');
    const limit = q.limit ?? 50;
    let before: { createdAt: Date; id: string } | null = null;
    if (q.cursor) {
      const [t, id] = decodeCursor(q.cursor, ['string', 'string'] as const);
      before = { createdAt: new Date(t), id };
      if (Number.isNaN(before.createdAt.getTime()))
        throw new InvalidInputError('cursor: not a cursor returned by this API');
    }
    const rows = await this.deployments.list(app.id, before, limit + 1);
    const page = rows.slice(0, limit);
    const outcomes = await this.jobs.outcomes(page.map((d) => d.id));
    return {
      items: page.map((d) => {
        const jobs = outcomes.get(d.id) ?? {};
        return {
          id: d.id,
          revision: d.revision,
          revisionDisplay: d.revisionDisplay,
          trigger: d.trigger,
          actor: d.actorName,
          clusters: d.clusterCount,
          outcome: outcomeOf(jobs),
          jobs,
          createdAt: d.createdAt.toISOString(),
        };
      }),
      nextCursor:
        rows.length > limit
          ? encodeCursor([page[page.length - 1].createdAt.toISOString(), page[page.length - 1].id])
          : null,
    };
  }

  async resourceStatus(
    key: string,
    clusterId: string | undefined,
    principal: Principal,
  ): Promise<ResourceListDto> {
    const app = await this.requireAs(key, principal, 'viewer');
    const rows = await this.resources.forApplication(app.id, clusterId);
    return {
      items: rows.map((r) => ({
        clusterId: r.clusterId,
        resource: r.resource,
        action: r.action,
        health: r.health,
        healthMessage: r.healthMessage,
        drifted: r.drifted,
        diff: r.diff,
        message: r.message,
        updatedAt: r.updatedAt.toISOString(),
      })),
    };
  }

  /**
   * Pins a revision (rollback, or a sync of a given revision) and suspends automated sync, or
   * with `null` unpins and resumes it; then dispatches at once.
   */
  private async pin(
    key: string,
    revision: string | null,
    actor: Actor,
    trigger: Trigger,
    principal: Principal,
  ): Promise<ReconcileOutcome> {
    const action =
      { rollback: 'application.rolled-back', unpin: 'application.unpinned' }[trigger as string] ??
      'application.synced';
    const app = await this.uow.run(async (tx) => {
      const row = await this.requireAs(key, principal, 'operator', tx);
      const before = row.revision;
      row.revision = revision;
      row.suspended = revision !== null;
      const saved = await this.apps.save(tx, row);
      await this.audit.record(tx, {
        actor,
        action,
        applicationId: row.id,
        revision,
        details: { name: row.name, previousPin: before, pinned: revision },
      });
      return saved;
    });
    const outcome = await this.desiredState.reconcile(app, trigger, actor, {
      dispatch: true,
      force: revision !== null,
    });
    await this.reconciler.recorded(app, outcome);
    return outcome;
  }

  private async recompute(app: ApplicationEntity, trigger: Trigger, actor: Actor): Promise<ReconcileOutcome> {
    const outcome = await this.desiredState.reconcile(app, trigger, actor, {
      dispatch: app.syncPolicy.automated && !app.suspended,
    });
    await this.reconciler.recorded(app, outcome);
    return outcome;
  }

  private async onFleetEvent(e: FleetEvent): Promise<void> {
    // a new revision: sooner than the reconcile sweep, which redoes this if it is lost
    if (e.type === 'revision-detected') await this.reconciler.revisionDetected(e.repositoryId, e);
    else if (e.type === 'rollout-completed') await this.reconciler.rolloutCompleted(e.applicationId);
    // a deleted cluster's desired states went with it: nothing to re-render (generators listen)
    else if (e.type !== 'cluster-deleted') await this.reconciler.clusterChanged(e);
  }

  /**
   * The application, if the caller may do what needs `need` in its project: one of a project the
   * caller cannot see is not found (its name tells nothing); one it can see but not change is a 403.
   */
  /** The application, if the principal may see it (404 otherwise) and holds `need` in its project (403). */
  async requireAs(key: string, principal: Principal, need: Role, tx?: Tx): Promise<ApplicationEntity> {
    const row = await this.require(key, tx);
    if (principal.role !== null && roleAllows(principal.role, need)) return row;
    const project = (await this.projects.require(row.projectId, tx)).name;
    if (!authorize(principal, 'viewer', project)) throw new NotFoundError('application', key);
    assertAllowed(principal, need, project);
    return row;
  }

  /** A generated application is changed or removed through its generator only (409 naming it). */
  private async refuseGenerated(row: ApplicationEntity, what: string, tx: Tx): Promise<void> {
    if (row.generatedBy === null) return;
    const generator = await this.apps.generatorName(row.generatedBy, tx);
    throw new ConflictError(
      `application '${row.name}' is generated by generator '${generator}': it is ${what} through the generator`,
    );
  }

  private async require(
    key: string,
    tx?: Parameters<ApplicationRepository['findByIdOrName']>[1],
  ): Promise<ApplicationEntity> {
    const row = await this.apps.findByIdOrName(key, tx, tx !== undefined);
    if (!row) throw new NotFoundError('application', key);
    return row;
  }
}

function outcomeOf(jobs: Record<string, number>): string {
  const pending = (jobs.queued ?? 0) + (jobs.leased ?? 0);
  if (pending) return 'pending';
  const ok = jobs.succeeded ?? 0;
  const failed = jobs.failed ?? 0;
  if (failed && ok) return 'partial';
  if (failed) return 'failed';
  if (ok) return 'succeeded';
  return 'superseded';
}

/** A read-model row in the form of the application view's per-cluster status. */
function toClusterStatus(
  row: Parameters<typeof toFleetStatusDto>[0],
  waitingFor: string | null,
): ClusterStatusDto {
  const s = toFleetStatusDto(row);
  return {
    clusterId: s.clusterId,
    clusterName: s.clusterName,
    connectionState: s.connectionState,
    revisionWanted: s.wantedRevisionDisplay,
    revisionApplied: s.appliedRevisionDisplay,
    sync: s.sync,
    health: s.health,
    // a held job is why the cluster is out of sync: said where the operator looks
    message: s.message ?? waitingFor,
    lastJob: s.lastJob,
    waitingFor,
  };
}
