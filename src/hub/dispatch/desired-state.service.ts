import { Inject, Injectable, Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { type Actor } from '../../domain/audit-chain.js';
import { DomainError } from '../../domain/errors.js';
import { CLUSTER_NAME_LABEL } from '../../domain/application-generator.js';
import { matchesSelector, parseLabelSelector } from '../../domain/label-selector.js';
import { sourcesNameRepository } from '../../domain/project-rules.js';
import { followedRevision } from '../../domain/reconcile-schedule.js';
import { projectObjectPolicy } from '../../domain/object-policy.js';
import {
  bundleChecker,
  guardrailChecks,
  describeRefusals,
  MAX_QUOTED_REFUSALS,
  type PolicyRefusal,
} from '../../domain/render/bundle-policy.js';
import { type FileSet, type VcsRegistry } from '../../vcs/index.js';
import { plainSecretsWarning } from '../projects/plain-secrets.js';
import { ProjectRepository } from '../projects/project.repository.js';
import { type ProjectEntity } from '../projects/project.entity.js';
import { type ApplicationEntity, type ApplicationTarget } from '../applications/application.entity.js';
import { ApplicationRepository } from '../applications/application.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { ClusterRepository } from '../clusters/cluster.repository.js';
import { type Tx } from '../database/data-source.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { type RepositoryEntity } from '../repositories/repository.entity.js';
import { RepositoryService } from '../repositories/repository.service.js';
import { VCS } from '../vcs/vcs.module.js';
import { FleetStatusRepository } from '../fleet-status/fleet-status.repository.js';
import { describeRenderErrors, SourceRenderer } from '../render/source-renderer.js';
import { BundleRepository } from './bundle.repository.js';
import { givenBundle, type DesiredStateEntity } from './desired-state.entity.js';
import { DesiredStateRepository } from './desired-state.repository.js';
import { RolloutRunner } from '../rollouts/rollout-runner.service.js';
import { RolloutService } from '../rollouts/rollout.service.js';
import { JobDispatchService } from './job-dispatch.service.js';
import { DependencyGate } from './dependency-gate.service.js';

import type {
  ClusterRef,
  PreviewRef,
  ReconcileOutcome,
  RenderPlan,
  Rendered,
  Trigger,
} from './desired-state.types.js';

export type {
  ClusterRef,
  PreviewRef,
  ReconcileOutcome,
  RenderPlan,
  Rendered,
  Trigger,
} from './desired-state.types.js';

/**
 * Decides what every cluster should run for an application: snapshot the repository at the
 * wanted revision, render per target cluster, store each distinct bundle once, and queue a
 * reconcile job wherever the desired state changed (superseding older queued ones). Clusters
 * that left the selector get a removal job. Render errors leave the previous state in force;
 * so does a bundle with an object the application's project or the cluster's registered
 * guardrail does not allow (a render error naming each object and rule, audited as
 * `policy.denied` once per revision).
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
    @Inject(JobDispatchService) private readonly dispatch: JobDispatchService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(FleetStatusRepository) private readonly fleetStatus: FleetStatusRepository,
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(SourceRenderer) private readonly renderer: SourceRenderer,
    @Inject(RolloutService) private readonly rollouts: RolloutService,
    @Inject(RolloutRunner) private readonly runner: RolloutRunner,
    @Inject(ApplicationRepository) private readonly apps: ApplicationRepository,
    @Inject(DependencyGate) private readonly dependencies: DependencyGate,
  ) {}

  /** Recomputes and (when `dispatch`) queues jobs; `force` re-sends unchanged bundles too. */
  async reconcile(
    app: ApplicationEntity,
    trigger: Trigger,
    actor: Actor,
    opts: {
      dispatch: boolean;
      force?: boolean;
      /**
       * False: an unchanged bundle not yet applied is not sent again (it is when true, the
       * default, so any recompute retries what did not arrive). A cluster's capabilities changing
       * re-renders for what it changes, not to retry every failed job of the fleet.
       */
      resendUnapplied?: boolean;
    },
  ): Promise<ReconcileOutcome> {
    const outcome: ReconcileOutcome = {
      revision: null,
      jobs: 0,
      removals: 0,
      unchanged: 0,
      renderFailures: 0,
    };
    const t0 = performance.now();
    const { revision, project, objectPolicy, rendered, fetchMs } = await this.plan(app);
    outcome.revision = revision?.id ?? null;
    const t1 = t0 + fetchMs;
    const t2 = performance.now();
    let kick = false;
    let dependencyHeld = false;
    await this.uow.run(async (tx) => {
      // A deletion may have committed while this rendered: its removal jobs own the clusters now,
      // and a sync job queued here would supersede them and leave the objects behind. Locked, so
      // a deletion waits for this write and then finds what it wrote.
      const current = await this.apps.findByIdOrName(app.id, tx, true);
      if (!current || current.deleting) return;
      // plan: compare with the desired state in force
      const existing = new Map((await this.desired.forApplication(app.id, tx)).map((d) => [d.clusterId, d]));
      let desiredRows: Omit<DesiredStateEntity, 'updatedAt'>[] = [];
      const failures: {
        cluster: ClusterRef;
        before?: DesiredStateEntity;
        message: string;
        refusals?: PolicyRefusal[];
      }[] = [];
      let syncs: { cluster: ClusterRef; digest: string; before?: DesiredStateEntity }[] = [];
      const bundles = new Map<string, { digest: string; content: Buffer; objectCount: number }>();
      let newRevision = false;
      for (const r of rendered) {
        const before = existing.get(r.cluster.id);
        existing.delete(r.cluster.id);
        if (!('bundle' in r) || !r.bundle || !revision) {
          // audited once per error and revision: polling the same revision adds nothing, but a
          // new revision refused alike is a new decision
          if (
            before?.renderError !== r.error ||
            (before?.renderErrorRevision ?? null) !== (revision?.id ?? null)
          )
            failures.push({
              cluster: r.cluster,
              before,
              message: r.error ?? 'render failed',
              refusals: r.refusals,
            });
          continue;
        }
        const { digest, canonical, objectCount } = r.bundle;
        const same =
          before && before.bundleDigest === digest && before.revision === revision.id && !before.renderError;
        if (same && !opts.force) {
          outcome.unchanged++;
          if (!opts.dispatch || before.appliedDigest === digest || opts.resendUnapplied === false) continue;
        }
        if (before?.revision !== revision.id) newRevision = true;
        bundles.set(digest, { digest, content: canonical, objectCount });
        desiredRows.push(
          givenBundle(before, {
            applicationId: app.id,
            clusterId: r.cluster.id,
            revision: revision.id,
            revisionDisplay: revision.display,
            bundleDigest: digest,
          }),
        );
        if (opts.dispatch) syncs.push({ cluster: r.cluster, digest, before });
      }
      outcome.renderFailures = rendered.filter((r) => !('bundle' in r)).length;
      // plain Secrets a `warn` project lets through: shown on the application, audited once per revision
      const plain = plainSecretsWarning(
        app,
        project,
        revision,
        actor,
        rendered.map((r) => r.bundle),
      );
      if (rendered.some((r) => r.bundle) && plain.warnings.join('\n') !== app.renderWarnings.join('\n'))
        await this.apps.setRenderWarnings(tx, app.id, plain.warnings);
      if (plain.event && newRevision) await this.audit.record(tx, plain.event);
      // write: bundles once, desired state, jobs, audit — each as one batch
      for (const b of bundles.values()) await this.bundles.store(tx, b);
      // dependencies (issue 20): where one is not yet Synced and Healthy on the cluster, the
      // desired state is stored (shown OutOfSync) with why, and its job waits for the releaser
      if (syncs.length && app.dependsOn?.length) {
        const holds = await this.dependencies.holds(
          app,
          syncs.map((s) => s.cluster),
          tx,
        );
        syncs = syncs.filter((s) => !holds.has(s.cluster.id));
        for (const d of desiredRows) d.waitingFor = holds.get(d.clusterId) ?? null;
        dependencyHeld = holds.size > 0;
      }
      // staged rollouts: a change a rollout holds back leaves the cluster's desired state as it
      // is (the rollout gives it the bundle when its batch starts); re-sends of what a cluster
      // already runs or was already given go out as before
      if (opts.dispatch && revision && app.rollout) {
        const changed = syncs.filter((s) => s.digest !== s.before?.appliedDigest);
        const now = await this.rollouts.gate(
          tx,
          app,
          revision,
          changed.map((s) => ({ cluster: s.cluster, digest: s.digest, before: s.before ?? null })),
          actor,
          new Set(rendered.map((r) => r.cluster.id)),
        );
        const held = new Set(changed.filter((s) => !now.has(s.cluster.id)).map((s) => s.cluster.id));
        if (held.size) {
          syncs = syncs.filter((s) => !held.has(s.cluster.id));
          desiredRows = desiredRows.filter((d) => !held.has(d.clusterId));
          outcome.held = held.size;
          kick = true;
        }
      }
      await this.desired.saveMany(tx, [
        ...desiredRows,
        ...failures.map(({ cluster, before, message }) => ({
          applicationId: app.id,
          clusterId: cluster.id,
          revision: before?.revision ?? null,
          revisionDisplay: before?.revisionDisplay ?? null,
          bundleDigest: before?.bundleDigest ?? null,
          generation: before?.generation ?? 0,
          renderError: message,
          renderErrorRevision: revision?.id ?? null,
          appliedRevision: before?.appliedRevision ?? null,
          appliedDigest: before?.appliedDigest ?? null,
          inventory: before?.inventory ?? [],
          waitingFor: null,
        })),
      ]);
      if (failures.length)
        await this.audit.recordMany(tx, [
          ...failures.map(({ cluster, message }) => ({
            actor,
            action: 'sync.failed',
            clusterId: cluster.id,
            applicationId: app.id,
            revision: revision?.id ?? null,
            details: { application: app.name, cluster: cluster.name, phase: 'render', error: message },
          })),
          ...policyDenied(app, project, revision, actor, failures),
        ]);
      const removals = [...existing.values()];
      const jobs = [
        ...syncs.map((s) => ({
          clusterId: s.cluster.id,
          kind: 'sync' as const,
          revision: revision!.id,
          revisionDisplay: revision!.display,
          bundleDigest: s.digest,
        })),
        // clusters no longer targeted: remove what the application put there
        ...removals.map((d) => ({
          clusterId: d.clusterId,
          kind: 'remove' as const,
          revision: d.revision ?? '',
          revisionDisplay: d.revisionDisplay ?? '',
          bundleDigest: null,
        })),
      ];
      for (const d of removals) await this.desired.delete(tx, app.id, d.clusterId);
      outcome.jobs = syncs.length;
      outcome.removals = removals.length;
      // status: the read model of the pairs this wrote without a job (queueing refreshes the rest)
      const queued = new Set(jobs.map((j) => j.clusterId));
      const touched = [...desiredRows.map((d) => d.clusterId), ...failures.map((f) => f.cluster.id)];
      await this.fleetStatus.refresh(
        tx,
        app.id,
        touched.filter((c) => !queued.has(c)),
      );
      if (jobs.length)
        await this.dispatch.queueDeployment(tx, { ...app, objectPolicy }, trigger, actor, revision, jobs);
    });
    if (dependencyHeld) this.dependencies.heldCommitted(trigger === 'dependencies');
    if (kick) this.runner.kick([app.id]);
    const t3 = performance.now();
    this.log.log(
      `${app.name} (${trigger}): ${outcome.jobs} jobs, ${outcome.removals} removals, ${outcome.unchanged} unchanged, ` +
        `${outcome.renderFailures} render failures in ${Math.round(t3 - t0)} ms ` +
        `(fetch ${Math.round(t1 - t0)}, render ${Math.round(t2 - t1)}, write ${Math.round(t3 - t2)})`,
    );
    return outcome;
  }

  /**
   * The front half of a sync, shared with previews so both use the same renderers and rules:
   * fetch the repository at the wanted revision (or at `ref`: a revision, or a Git branch's
   * newest commit), render for every target cluster, and check each bundle against the project's
   * rules and the cluster's guardrail. Writes nothing.
   */
  async plan(app: ApplicationEntity, ref?: PreviewRef): Promise<RenderPlan> {
    const t0 = performance.now();
    const repoRow = await this.repositories.require(app.repositoryId);
    const fetched = await this.fetch(app, repoRow, ref);
    const project = await this.projectOf(app);
    const targets = await this.targetsOf(app, project);
    const revision = fetched.ok ? fetched.files.revision : null;
    const fetchMs = performance.now() - t0;
    // render outside any transaction: manifests parsed once per revision, tools run once per
    // distinct input (see SourceRenderer), then each cluster's bundle
    const results = fetched.ok
      ? await this.renderer.render({
          app,
          files: fetched.files,
          targets,
          project: {
            id: project.id,
            mayUseRepository: (name) => sourcesNameRepository(project.sources, name),
          },
        })
      : targets.map(() => null);
    // the project's rules, with plain Secrets refused when its plainSecrets is deny
    const objectPolicy = projectObjectPolicy(project.objects, project.plainSecrets);
    const check = bundleChecker(objectPolicy);
    const guardrailOf = guardrailChecks();
    const rendered = targets.map(({ cluster }, i): Rendered => {
      const result = results[i];
      if (!result || !revision) return { cluster, error: fetched.ok ? 'no revision' : fetched.error };
      if (result.ok) {
        // policy: an object the project does not allow, or the cluster's registered guardrail
        // (which its agent would refuse at apply), fails this cluster's render like any error
        const refusals = check(result.bundle, guardrailOf(cluster.guardrail));
        if (refusals.length) return { cluster, error: describeRefusals(refusals), refusals };
        return { cluster, bundle: result.bundle };
      }
      return { cluster, error: describeRenderErrors(result.errors) };
    });
    return {
      revision,
      fetchError: fetched.ok ? null : fetched.error,
      project,
      objectPolicy,
      rendered,
      fetchMs,
    };
  }

  /**
   * Removal jobs for every cluster of an application being deleted, in the caller's transaction
   * when given (the deletion request and its jobs commit together). Returns how many.
   */
  async removeEverywhere(app: ApplicationEntity, actor: Actor, inTx?: Tx): Promise<number> {
    const work = async (tx: Tx) => {
      const project = await this.projectOf(app, tx);
      const states = await this.desired.forApplication(app.id, tx);
      for (const d of states) await this.desired.delete(tx, app.id, d.clusterId);
      if (states.length)
        await this.dispatch.queueDeployment(
          tx,
          { ...app, objectPolicy: projectObjectPolicy(project.objects, project.plainSecrets) },
          'delete',
          actor,
          null,
          states.map((d) => ({
            clusterId: d.clusterId,
            kind: 'remove' as const,
            revision: d.revision ?? '',
            revisionDisplay: d.revisionDisplay ?? '',
            bundleDigest: null,
          })),
        );
      return states.length;
    };
    return inTx ? work(inTx) : this.uow.run(work);
  }

  /** The application's project; the foreign key guarantees one. */
  private async projectOf(app: ApplicationEntity, tx?: Tx): Promise<ProjectEntity> {
    const project = await this.projects.findById(app.projectId, tx);
    if (!project) throw new Error(`project ${app.projectId} of application ${app.name} not found`);
    return project;
  }

  private async fetch(
    app: ApplicationEntity,
    repoRow: RepositoryEntity,
    ref?: PreviewRef,
  ): Promise<{ ok: true; files: FileSet } | { ok: false; error: string }> {
    try {
      // Inside the try: stored credentials that no longer open fail this job, not the dispatch.
      const stored = this.repositories.toVcs(repoRow);
      const repo = ref?.branch ? { ...stored, branch: ref.branch } : stored;
      const backend = this.vcs.for(repo);
      // Unpinned: the revision the repository follows, which a rewound branch does not move back.
      // A preview's branch: that branch's newest commit; its revision: exactly that one.
      const revision = ref?.branch
        ? (await backend.resolve(repo)).id
        : (ref?.revision ?? app.revision ?? followedRevision(repoRow) ?? (await backend.resolve(repo)).id);
      return { ok: true, files: await backend.snapshot(repo, revision, app.path) };
    } catch (e) {
      if (e instanceof DomainError) return { ok: false, error: `fetch: ${e.message}` };
      this.log.error(`fetch of ${app.name} failed: ${(e as Error).message}`);
      return { ok: false, error: 'fetch: the repository could not be read' };
    }
  }

  /**
   * Every cluster a target of the application selects, among the clusters its project's selector
   * selects (both must match: a project narrowed after its applications were created still bounds
   * them); the first matching target wins.
   */
  private async targetsOf(
    app: ApplicationEntity,
    project: ProjectEntity,
  ): Promise<{ cluster: ClusterRef; target: ApplicationTarget }[]> {
    const selectors = app.targets.map((t) => ({ t, s: parseLabelSelector(t.clusterSelector) }));
    const within = parseLabelSelector(project.clusterSelector);
    const out: { cluster: ClusterRef; target: ApplicationTarget }[] = [];
    for (const c of await this.clusters.all()) {
      if (!matchesSelector(within, c.labels)) continue;
      // Every cluster also answers to its own name, so a generated target can name one cluster.
      const labels = { ...c.labels, [CLUSTER_NAME_LABEL]: c.name };
      const hit = selectors.find(({ s }) => matchesSelector(s, labels));
      if (hit) out.push({ cluster: c, target: hit.t });
    }
    return out;
  }
}

/** Most cluster names one `policy.denied` event lists; the rest are counted. */
const MAX_DENIED_CLUSTERS = 50;

/**
 * One `policy.denied` event for the clusters whose render the project's rules newly refused:
 * the project, those clusters and the distinct refusals, each list bounded.
 */
function policyDenied(
  app: ApplicationEntity,
  project: ProjectEntity,
  revision: { id: string; display: string } | null,
  actor: Actor,
  failures: { cluster: ClusterRef; refusals?: PolicyRefusal[] }[],
) {
  const denied = failures.filter((f) => f.refusals?.length);
  if (denied.length === 0) return [];
  const distinct = new Map<string, PolicyRefusal>();
  for (const f of denied) for (const r of f.refusals!) distinct.set(`${r.resource}\n${r.message}`, r);
  const refusals = [...distinct.values()];
  return [
    {
      actor,
      action: 'policy.denied',
      applicationId: app.id,
      revision: revision?.id ?? null,
      details: {
        application: app.name,
        project: project.name,
        projectId: project.id,
        display: revision?.display ?? null,
        clusterCount: denied.length,
        clusters: denied.slice(0, MAX_DENIED_CLUSTERS).map((f) => f.cluster.name),
        refusalCount: refusals.length,
        refusals: refusals.slice(0, MAX_QUOTED_REFUSALS),
      },
    },
  ];
}
