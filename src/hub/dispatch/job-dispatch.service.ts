import { Inject, Injectable } from '@nestjs/common';
import { SYSTEM_ACTOR, type Actor } from '../../domain/audit-chain.js';
import { ForbiddenError, NotFoundError } from '../../domain/errors.js';
import {
  type JobChange,
  type JobEvent,
  type JobKind,
  queuedJob,
  transition,
} from '../../domain/job-lifecycle.js';
import type { ObjectPolicy } from '../../domain/object-policy.js';
import type { JobResultV1 } from '../../protocol/v1/agent-protocol.js';
import { describeApplication } from '../applications/application-audit.js';
import { type ApplicationEntity } from '../applications/application.entity.js';
import { ApplicationRepository } from '../applications/application.repository.js';
import { AuditService, type AuditRecord } from '../audit/audit.service.js';
import { type Tx } from '../database/data-source.js';
import { FleetStatusRepository } from '../fleet-status/fleet-status.repository.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { GroupCommit, type Settled } from '../platform/group-commit.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { AgentReportRepository } from './agent-report.repository.js';
import { DeploymentRepository } from './deployment.repository.js';
import { DesiredStateRepository } from './desired-state.repository.js';
import { JobNotifier } from './job-notifier.repository.js';
import { type ReconcileJobEntity } from './reconcile-job.entity.js';
import { ReconcileJobRepository } from './reconcile-job.repository.js';
import { ResourceStatusRepository } from './resource-status.repository.js';
import { resultEvents } from './job-result-audit.js';
import { resultEvent, resultResourceRows, resultSummary } from './job-result-rows.js';

/** One job to queue for a cluster. */
export interface JobSpec {
  clusterId: string;
  kind: JobKind;
  revision: string;
  revisionDisplay: string;
  bundleDigest: string | null;
}

/**
 * The application a job is queued for: its sync policy and its project's object rules (null:
 * none to carry) are copied onto the job.
 */
export type QueuedFor = Pick<ApplicationEntity, 'id' | 'name' | 'syncPolicy' | 'ignoreDifferences'> & {
  objectPolicy: ObjectPolicy | null;
};

/** A job after a transition, with what the transition meant. */
export interface AppliedTransition {
  job: ReconcileJobEntity;
  change: Pick<JobChange, 'outcome' | 'willRetry' | 'finishesRemoval'>;
}

/** Which jobs a transition applies to. */
type TransitionBatch =
  /** New jobs, queued. */
  | { create: Omit<ReconcileJobEntity, 'createdAt' | 'updatedAt'>[] }
  /** Rows already locked by the caller, all with one event. */
  | { event: Exclude<JobEvent, { type: 'lease' }>; jobs: ReconcileJobEntity[] }
  /** Results: rows already locked by the caller, one per job, each stored with its result. */
  | { results: { job: ReconcileJobEntity; event: JobEvent; result: Record<string, unknown> }[] };

/** One agent's result, as submitted for a batch. */
interface ResultItem {
  clusterId: string;
  jobId: string;
  dto: JobResultV1;
  actor: Actor;
}

/** What writing a result did: whether it counted, and the application whose removal it may end. */
interface ResultWritten {
  recorded: boolean;
  finishes: string | null;
  /** The application of a recorded result. */
  applicationId: string | null;
}

/** A result that changes nothing: its report id was seen before, or its job has finished. */
const IGNORED: Settled<ResultWritten> = {
  ok: true,
  value: { recorded: false, finishes: null, applicationId: null },
};

/**
 * Results written together: up to this many per transaction, this many transactions at once
 * per hub process (more at once would only wait on the audit chain's lock holding pool
 * connections). Measured with `npm run bench:dispatch`.
 */
const RESULT_BATCH = { maxBatch: 50, maxConcurrent: 3 };

/** How many expired leases one sweep handles; the next sweep takes the rest. */
const EXPIRE_BATCH = 1000;

/**
 * The one owner of reconcile jobs: queues (superseding older queued jobs), leases, records
 * results and expires leases, each by asking `transition` in domain/job-lifecycle.ts for the
 * next state and writing it through `applyTransition`, the only place a job's state is
 * written. A removal job that ends — by result or by expiry — finishes its application's
 * deletion once no job of it is left.
 */
@Injectable()
export class JobDispatchService {
  private readonly results = new GroupCommit<ResultItem, ResultWritten>(
    (items) => this.writeResults(items),
    RESULT_BATCH,
  );

  constructor(
    @Inject(ReconcileJobRepository) private readonly jobs: ReconcileJobRepository,
    @Inject(AgentReportRepository) private readonly reports: AgentReportRepository,
    @Inject(DesiredStateRepository) private readonly desired: DesiredStateRepository,
    @Inject(ResourceStatusRepository) private readonly resources: ResourceStatusRepository,
    @Inject(ApplicationRepository) private readonly apps: ApplicationRepository,
    @Inject(JobNotifier) private readonly notifier: JobNotifier,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(FleetStatusRepository) private readonly fleetStatus: FleetStatusRepository,
    @Inject(DeploymentRepository) private readonly deployments: DeploymentRepository,
  ) {}

  private readonly resultListeners: ((applicationIds: string[]) => void)[] = [];

  /**
   * Calls `listener` with the applications whose jobs got results, after those results commit
   * (staged rollouts look again at once instead of on their next sweep).
   */
  onResults(listener: (applicationIds: string[]) => void): void {
    this.resultListeners.push(listener);
  }

  /**
   * Records a deployment (one change going out to some clusters) and queues its jobs, in the
   * caller's transaction.
   */
  async queueDeployment(
    tx: Tx,
    app: QueuedFor,
    trigger: string,
    actor: Actor,
    revision: { id: string; display: string } | null,
    specs: JobSpec[],
  ): Promise<void> {
    const deploymentId = this.secrets.uuid();
    await this.deployments.insert(tx, {
      id: deploymentId,
      applicationId: app.id,
      revision: revision?.id ?? '',
      revisionDisplay: revision?.display ?? '',
      trigger,
      actorName: actor.name,
      clusterCount: specs.length,
    });
    await this.queue(tx, app, actor, deploymentId, specs);
  }

  /**
   * Queues jobs of one deployment in the caller's transaction: supersedes older queued jobs of
   * the same (application, cluster), fixes the application's sync policy and its project's
   * object rules on each job, audits
   * `job.dispatched` and wakes the agents on commit.
   */
  async queue(tx: Tx, app: QueuedFor, actor: Actor, deploymentId: string, specs: JobSpec[]): Promise<void> {
    const clusterIds = specs.map((j) => j.clusterId);
    const now = this.clock.now();
    const older = await this.jobs.lockQueuedFor(tx, app.id, clusterIds);
    if (older.length) await this.applyTransition(tx, { event: { type: 'superseded' }, jobs: older }, now);
    const rows = specs.map((j) => ({
      ...queuedJob(now),
      id: this.secrets.uuid(),
      clusterId: j.clusterId,
      applicationId: app.id,
      deploymentId,
      kind: j.kind,
      revision: j.revision,
      revisionDisplay: j.revisionDisplay,
      bundleDigest: j.bundleDigest,
      prune: app.syncPolicy.prune,
      selfHeal: app.syncPolicy.selfHeal,
      ignoreDifferences: app.ignoreDifferences,
      objectPolicy: app.objectPolicy,
      result: null,
    }));
    await this.applyTransition(tx, { create: rows }, now);
    await this.audit.recordMany(
      tx,
      rows.map((j) => ({
        actor,
        action: 'job.dispatched',
        clusterId: j.clusterId,
        applicationId: app.id,
        revision: j.revision || null,
        details: {
          jobId: j.id,
          kind: j.kind,
          application: app.name,
          bundleDigest: j.bundleDigest,
          display: j.revisionDisplay,
        },
      })),
    );
    await this.notifier.notifyMany(tx, clusterIds);
  }

  /**
   * Records an attempt's result once (by reportId): the job's next state, the objects' status
   * (a succeeded sync clears their drift and takes their health from the result), the applied
   * revision, and the audit trail. A result for a finished job is history and changes nothing.
   * Results that arrive together are written together (see {@link GroupCommit}): one
   * transaction, one turn of the audit chain's lock and one commit per batch.
   */
  async reportResult(
    cluster: { id: string },
    jobId: string,
    dto: JobResultV1,
    actor: Actor,
  ): Promise<{ recorded: boolean }> {
    const { recorded, finishes } = await this.results.submit({ clusterId: cluster.id, jobId, dto, actor });
    if (finishes) await this.finishDeletionIfDone(finishes, actor);
    return { recorded };
  }

  /**
   * Writes a batch of results in one transaction, each step set-based over the batch (a fleet
   * reporting at once costs a few statements per batch, not per result): the jobs locked, the
   * report ids claimed, the transitions, the objects, the applied revisions, the status rows and
   * the audit trail. An unknown or foreign job fails only its own item (found before anything is
   * written). Two results for one application on one cluster, or any error, fail the
   * transaction, and each item is then written alone (see GroupCommit).
   */
  private async writeResults(items: ResultItem[]): Promise<Settled<ResultWritten>[]> {
    const settled = await this.uow.run(async (tx) => {
      const found = await this.jobs.findManyForClusters(
        tx,
        items.map((i) => ({ id: i.jobId, clusterId: i.clusterId })),
      );
      const out: Settled<ResultWritten>[] = [];
      const pairs = new Set<string>();
      for (const item of items) {
        const job = found.get(item.jobId);
        if (!job) {
          const error = (await this.jobs.findById(item.jobId))
            ? new ForbiddenError('this job belongs to another cluster')
            : new NotFoundError('job', item.jobId);
          out.push({ ok: false, error });
          continue;
        }
        const pair = `${job.applicationId}/${job.clusterId}`;
        if (pairs.has(pair) && items.length > 1) throw new Error('two results for one pair: written alone');
        pairs.add(pair);
        out.push(IGNORED);
      }
      const live = items.flatMap((item, i) => {
        const job = found.get(item.jobId);
        return job ? [{ i, item, job }] : [];
      });
      // Once per report id: a resent result, or an id reused within the batch, changes nothing.
      const fresh = await this.reports.claimMany(
        tx,
        live.map(({ item }) => ({ reportId: item.dto.reportId, clusterId: item.clusterId })),
      );
      const recordable = live.filter(({ item }) => fresh.delete(item.dto.reportId));
      const applied = new Map(
        (
          await this.applyTransition(
            tx,
            {
              results: recordable.map(({ item, job }) => ({
                job,
                event: resultEvent(item.dto),
                result: resultSummary(item.dto),
              })),
            },
            this.clock.now(),
          )
        ).map((a) => [a.job.id, a.change]),
      );
      const done = recordable.flatMap((r) => {
        const change = applied.get(r.job.id);
        return change ? [{ ...r, change }] : [];
      });
      await this.recordResults(tx, done);
      const events: AuditRecord[] = [];
      for (const { i, item, job, change } of done) {
        events.push(...resultEvents(job, item.dto, item.actor, change.willRetry));
        out[i] = {
          ok: true,
          value: {
            recorded: true,
            finishes: change.finishesRemoval ? job.applicationId : null,
            applicationId: job.applicationId,
          },
        };
      }
      await this.notifier.notifyMany(
        tx,
        done.filter((d) => d.change.willRetry).map((d) => d.job.clusterId),
      );
      // Audit last, in one step for the whole batch: the chain lock is then held only for the
      // insert and the commit.
      await this.audit.recordMany(tx, events);
      return out;
    });
    const touched = new Set<string>();
    for (const s of settled) if (s.ok && s.value.applicationId) touched.add(s.value.applicationId);
    if (touched.size) for (const listener of this.resultListeners) listener([...touched]);
    return settled;
  }

  /**
   * What recorded results change besides their jobs, for all of them at once: the objects'
   * status (a succeeded sync clears their drift and takes their health from the result), the
   * applied revisions, then the status rows (after both: they roll them up).
   */
  private async recordResults(
    tx: Tx,
    done: readonly { item: ResultItem; job: ReconcileJobEntity }[],
  ): Promise<void> {
    const succeeded = done.filter((d) => d.item.dto.outcome === 'succeeded');
    await this.resources.recordResults(
      tx,
      done.flatMap(({ item, job }) => resultResourceRows(job, item.dto)),
    );
    await this.resources.deleteExceptMany(
      tx,
      succeeded.map(({ item, job }) => ({
        applicationId: job.applicationId,
        clusterId: job.clusterId,
        keep: item.dto.inventory,
      })),
    );
    await this.desired.markAppliedMany(
      tx,
      succeeded
        .filter(({ job }) => job.kind === 'sync')
        .map(({ item, job }) => ({
          applicationId: job.applicationId,
          clusterId: job.clusterId,
          revision: job.revision,
          digest: job.bundleDigest,
          inventory: item.dto.inventory,
        })),
    );
    // A sync result moves one row in place; anything else (a removal that may end the pair, a
    // row whose last job is newer) recomputes it.
    const moved = await this.fleetStatus.updateAfterResults(
      tx,
      done.filter(({ job }) => job.kind === 'sync').map(({ job }) => job),
    );
    const stale = new Map<string, string[]>();
    for (const { job } of done)
      if (!moved.has(job.id))
        stale.set(job.applicationId, [...(stale.get(job.applicationId) ?? []), job.clusterId]);
    for (const [applicationId, clusterIds] of stale)
      await this.fleetStatus.refresh(tx, applicationId, clusterIds);
  }

  /**
   * Leases whose agent went silent: back to the queue while attempts remain (waking their
   * agents), else failed and audited. A removal job failed this way finishes its deletion.
   */
  async expireLeases(): Promise<{ requeued: number; failed: number }> {
    const now = this.clock.now();
    const applied = await this.uow.run(async (tx) => {
      const expired = await this.jobs.lockExpiredLeases(tx, now, EXPIRE_BATCH);
      if (expired.length === 0) return [];
      const done = await this.applyTransition(tx, { event: { type: 'lease-expired' }, jobs: expired }, now);
      const requeued = done.filter((a) => a.change.willRetry).map((a) => a.job.clusterId);
      if (requeued.length) await this.notifier.notifyMany(tx, [...new Set(requeued)]);
      await this.audit.recordMany(
        tx,
        done
          .filter((a) => a.job.state === 'failed')
          .map(({ job }) => ({
            actor: SYSTEM_ACTOR,
            action: 'job.failed',
            clusterId: job.clusterId,
            applicationId: job.applicationId,
            revision: job.revision || null,
            details: { jobId: job.id, kind: job.kind, attempt: job.attempts, message: job.error },
          })),
      );
      return done;
    });
    for (const id of new Set(applied.filter((a) => a.change.finishesRemoval).map((a) => a.job.applicationId)))
      await this.finishDeletionIfDone(id, SYSTEM_ACTOR);
    const requeued = applied.filter((a) => a.change.willRetry).length;
    return { requeued, failed: applied.length - requeued };
  }

  /** Deletes a deleting application's record once no job of it is unfinished. */
  async finishDeletionIfDone(applicationId: string, actor: Actor = SYSTEM_ACTOR): Promise<boolean> {
    return this.uow.run(async (tx) => {
      const row = await this.apps.findByIdOrName(applicationId, tx, true);
      if (!row?.deleting) return false;
      if ((await this.jobs.unfinished(row.id, tx)).length > 0) return false;
      await this.apps.delete(tx, row.id);
      await this.audit.record(tx, {
        actor,
        action: 'application.deleted',
        applicationId: row.id,
        // The row is gone by now: its project cannot be looked up as the event is recorded.
        projectId: row.projectId,
        details: describeApplication(row),
      });
      return true;
    });
  }

  /**
   * THE place a job's state is written, leases aside (see JobClaims). Each job's next
   * state comes from the domain's `transition` (refused events leave the job alone and are not
   * returned). Returns the jobs as written, updated in place.
   */
  private async applyTransition(tx: Tx, batch: TransitionBatch, now: Date): Promise<AppliedTransition[]> {
    let applied: AppliedTransition[];
    if ('create' in batch) {
      await this.jobs.insertMany(tx, batch.create);
      applied = batch.create.map((job) => ({
        job: job as ReconcileJobEntity,
        change: { outcome: 'queued', willRetry: false, finishesRemoval: false },
      }));
    } else {
      const events =
        'results' in batch
          ? batch.results
          : batch.jobs.map((job) => ({ job, event: batch.event, result: undefined }));
      const decided = events.flatMap(({ job, event, result }) => {
        const t = transition(job, event, now);
        return t.ok ? [{ job, change: t.change, result }] : [];
      });
      const written = await this.jobs.writeStates(
        tx,
        decided.map(({ job, change, result }) => ({
          id: job.id,
          from: job.state,
          state: change.state,
          attempts: change.attempts,
          notBefore: change.notBefore,
          leaseExpiresAt: change.leaseExpiresAt,
          error: change.error,
          result,
        })),
      );
      applied = decided
        .filter(({ job }) => written.has(job.id))
        .map(({ job, change, result }) => {
          Object.assign(job, {
            state: change.state,
            attempts: change.attempts,
            notBefore: change.notBefore,
            leaseExpiresAt: change.leaseExpiresAt,
            error: change.error,
            ...(result ? { result } : {}),
          });
          return { job, change };
        });
    }
    // Everything that must change with a job's state (read models of it) is updated here, in
    // the same transaction, from `applied` (application and cluster of each job). A result
    // refreshes later, once the objects and applied revision it carries are written too.
    const jobs = applied.map(({ job }) => job);
    if (!('results' in batch)) await this.fleetStatus.refreshPairs(tx, jobs);
    return applied;
  }
}
