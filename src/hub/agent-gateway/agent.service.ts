import { Inject, Injectable } from '@nestjs/common';
import { redactDiffText, redactedValuesOf, scrubValues } from '../../domain/apply/redaction.js';
import { NotFoundError } from '../../domain/errors.js';
import type { ObjectPolicy } from '../../domain/object-policy.js';
import { isOpenPolicy } from '../../domain/render/bundle-policy.js';
import type {
  HeartbeatAnswerV1,
  JobsResponseV1,
  HealthCheckV1,
  JobV1,
  ObjectPolicyV1,
  PreviewJobV1,
} from '../../protocol/v1/agent-protocol.js';
import { AuditService } from '../audit/audit.service.js';
import { ClusterRepository } from '../clusters/cluster.repository.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { AgentReportRepository } from '../dispatch/agent-report.repository.js';
import { BundleRepository } from '../dispatch/bundle.repository.js';
import { DesiredStateRepository } from '../dispatch/desired-state.repository.js';
import { JobClaims } from '../dispatch/job-claims.service.js';
import { JobDispatchService } from '../dispatch/job-dispatch.service.js';
import { JobNotifier } from '../dispatch/job-notifier.repository.js';
import { type LeasedJob, ReconcileJobRepository } from '../dispatch/reconcile-job.repository.js';
import { ResourceStatusRepository } from '../dispatch/resource-status.repository.js';
import { FleetStatusRepository } from '../fleet-status/fleet-status.repository.js';
import { PreviewGate } from '../previews/preview-gate.js';
import { type LeasedPreview, PreviewRepository } from '../previews/preview.repository.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { ConcurrencyLimit } from '../platform/concurrency-limit.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { parseCanonicalBundle } from '../../domain/render/render.js';
import { agentActor, AgentPresence } from './agent-presence.service.js';
import { AgentTraffic } from './agent-traffic.service.js';
import { AgentCredentialCache } from './agent-credential-cache.service.js';
import { IdleClusters } from './idle-clusters.service.js';
import { type AgentCluster } from './agent.guard.js';
import { DependencyReleaser } from '../dispatch/dependency-releaser.service.js';
import { HealthCheckService } from '../health-checks/health-check.service.js';
import { type HeartbeatDto, type JobResultDto, type StatusReportDto } from './agent.dto.js';

/**
 * Status reports written at once by this process. Each is one transaction that ends on the
 * audit chain's lock, which commits one writer at a time; beyond a few, more at once only
 * hold pool connections while they wait, and when a fleet reports together the long-polls
 * and bundle fetches then wait for a connection until they are answered 503. (Job results
 * are written in batches by the dispatch service for the same reason.)
 */
const STATUS_REPORTS_AT_ONCE = 6;

/** The hub side of the agent protocol (docs/agent-protocol.md). */
@Injectable()
export class AgentService {
  private readonly statusReports = new ConcurrencyLimit(STATUS_REPORTS_AT_ONCE);

  constructor(
    @Inject(ClusterRepository) private readonly clusters: ClusterRepository,
    @Inject(ReconcileJobRepository) private readonly jobs: ReconcileJobRepository,
    @Inject(JobDispatchService) private readonly dispatch: JobDispatchService,
    @Inject(BundleRepository) private readonly bundles: BundleRepository,
    @Inject(DesiredStateRepository) private readonly desired: DesiredStateRepository,
    @Inject(ResourceStatusRepository) private readonly resources: ResourceStatusRepository,
    @Inject(AgentReportRepository) private readonly reports: AgentReportRepository,
    @Inject(JobNotifier) private readonly notifier: JobNotifier,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(AgentTraffic) private readonly traffic: AgentTraffic,
    @Inject(AgentPresence) private readonly presence: AgentPresence,
    @Inject(FleetStatusRepository) private readonly fleetStatus: FleetStatusRepository,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'jobLeaseSeconds'>,
    @Inject(PreviewRepository) private readonly previews: PreviewRepository,
    @Inject(PreviewGate) private readonly previewGate: PreviewGate,
    @Inject(DependencyReleaser) private readonly dependencies: DependencyReleaser,
    @Inject(HealthCheckService) private readonly healthChecks: HealthCheckService,
    @Inject(IdleClusters) private readonly idle: IdleClusters,
    @Inject(JobClaims) private readonly claims: JobClaims,
    @Inject(AgentCredentialCache) private readonly credentials: AgentCredentialCache,
  ) {}

  /**
   * Long-poll: leases due jobs, or waits up to `waitSeconds` for one to be queued on any
   * replica. One poll per cluster waits (newest wins); a wake-up re-checks the credential, so
   * a poll parked before a revocation ends with no work. A cluster this replica knows has
   * nothing due is not claimed for (see {@link IdleClusters}): an idle poll sends no statement.
   */
  async nextJobs(
    cluster: AgentCluster,
    waitSeconds: number,
    limit: number,
    abort?: AbortSignal,
  ): Promise<JobsResponseV1> {
    // The guard counted the start of the poll as seen; its end counts too (the agent was there
    // all along), so a parked poll does not age the cluster towards Disconnected.
    const deadline = Date.now() + waitSeconds * 1000;
    const parked = this.traffic.park(cluster.id);
    const signal = abort ? AbortSignal.any([abort, parked.signal]) : parked.signal;
    // heard from before the first look: work queued while it looks wakes the wait that follows
    const wakes = this.notifier.watch(cluster.id);
    // a poll that cannot wait looks in Postgres itself, not in what this replica heard so far
    const mayWait = waitSeconds > 0;
    try {
      for (let woken = false; ; woken = true) {
        if (woken && (signal.aborted || !(await this.stillValid(cluster)))) return { jobs: [] };
        const claimed = await this.leaseDue(cluster.id, limit, mayWait);
        // previews are rare: a poll looks for them when some are open (a preview queued on any
        // replica makes this one look again before the poll it wakes runs)
        const now = this.clock.now();
        const previews = (await this.previewGate.open())
          ? await this.previews.claim(
              cluster.id,
              now,
              new Date(now.getTime() + this.config.jobLeaseSeconds * 1000),
              limit,
            )
          : [];
        // `previews` only when there are some: the answer old agents and tests have always seen
        if (claimed.length || previews.length)
          return {
            jobs: this.toWire(claimed, await this.healthChecksOf(claimed)),
            ...(previews.length ? { previews: previews.map(toPreviewWire) } : {}),
          };
        const left = deadline - Date.now();
        if (signal.aborted) return { jobs: [] };
        if (left <= 0) {
          await this.presence.seen(cluster);
          return { jobs: [] };
        }
        await wakes.next(left, signal);
      }
    } finally {
      wakes.close();
      parked.release();
    }
  }

  /** Leases the cluster's due jobs, unless this replica knows it has none (and may rely on that). */
  private async leaseDue(clusterId: string, limit: number, useMemory: boolean): Promise<LeasedJob[]> {
    if (useMemory && this.idle.idle(clusterId)) return [];
    const mark = this.idle.mark();
    const { jobs, nextDueAt } = await this.claims.lease(clusterId, limit);
    // fewer than asked for: nothing else was due
    if (jobs.length < limit) this.idle.claimed(clusterId, mark, nextDueAt);
    return jobs;
  }

  /** Whether the credential a poll came with still opens its cluster (read again after a change of the cluster). */
  private async stillValid(cluster: AgentCluster): Promise<boolean> {
    return (await this.credentials.find(cluster.credentialHash))?.id === cluster.id;
  }

  /** A bundle by digest, if this cluster was ever given it. */
  async bundle(cluster: AgentCluster, digest: string): Promise<Buffer> {
    const b = await this.bundles.getForCluster(digest, cluster.id);
    if (!b) throw new NotFoundError('bundle', digest);
    return b.content;
  }

  /** Records a job's result once (by reportId); the job owner decides what it changes. */
  async reportResult(
    cluster: AgentCluster,
    jobId: string,
    dto: JobResultDto,
  ): Promise<{ recorded: boolean }> {
    return this.dispatch.reportResult(
      cluster,
      jobId,
      await this.scrubbedResult(cluster, jobId, dto),
      agentActor(cluster),
    );
  }

  /**
   * Health, drift and events from the agent's watches; idempotent by reportId. Charged to the
   * agent's budget (429 when spent). Entries for applications without desired state on the
   * caller's cluster are ignored and counted: a credential reaches its own cluster only.
   * Secret diffs are redacted again here, whatever the agent did.
   */
  async reportStatus(
    cluster: AgentCluster,
    dto: StatusReportDto,
  ): Promise<{ recorded: boolean; ignored: number }> {
    this.traffic.charge(cluster.id, 1 + dto.events.length);
    const actor = agentActor(cluster);
    let ignored = 0;
    const recorded = await this.statusReports.run(() =>
      this.uow.run(async (tx) => {
        if (!(await this.reports.claim(tx, dto.reportId, cluster.id))) return false;
        const mine = await this.desired.applicationsOnCluster(tx, cluster.id, [
          ...new Set([...dto.resources, ...dto.events].map((x) => x.applicationId)),
        ]);
        const resources = dto.resources.filter((r) => mine.has(r.applicationId));
        const events = dto.events.filter((e) => mine.has(e.applicationId));
        ignored = dto.resources.length - resources.length + dto.events.length - events.length;
        const byApp = new Map<string, StatusReportDto['resources']>();
        for (const r of resources) byApp.set(r.applicationId, [...(byApp.get(r.applicationId) ?? []), r]);
        for (const [applicationId, rows] of byApp)
          await this.resources.upsert(
            tx,
            rows.map((r) => ({
              applicationId,
              clusterId: cluster.id,
              resource: r.resource,
              health: r.health,
              healthMessage: r.healthMessage ?? null,
              drifted: r.drifted,
              diff: r.diff === undefined ? null : redactDiffText(r.resource, r.diff),
            })),
          );
        await this.fleetStatus.refreshOnCluster(tx, cluster.id, [...byApp.keys()]);
        await this.audit.recordMany(
          tx,
          events.map((e) => ({
            actor,
            action: e.type,
            clusterId: cluster.id,
            applicationId: e.applicationId,
            resource: e.resource,
            revision: e.revision ?? null,
            details: {
              diff: e.diff === undefined ? null : redactDiffText(e.resource, e.diff),
              health: e.health ?? null,
              message: e.message ?? null,
              observedAt: e.time,
            },
          })),
        );
        return true;
      }),
    );
    // a dependency's health may have changed: jobs held for it are looked at again at once
    if (recorded) this.dependencies.kick();
    return { recorded, ignored };
  }

  /**
   * A job result with the secret values of the job's bundle cut out of its messages: an API
   * server's error can quote the value it refused, and an old agent does not scrub them.
   */
  private async scrubbedResult(
    cluster: AgentCluster,
    jobId: string,
    dto: JobResultDto,
  ): Promise<JobResultDto> {
    const hasMessages = dto.message || dto.resources.some((r) => r.message || r.healthMessage);
    if (!hasMessages) return dto;
    const job = await this.jobs.findById(jobId);
    if (!job?.bundleDigest || job.clusterId !== cluster.id) return dto;
    const bundle = await this.bundles.getForCluster(job.bundleDigest, cluster.id);
    if (!bundle) return dto;
    let values: string[];
    try {
      values = redactedValuesOf(parseCanonicalBundle(bundle.content));
    } catch {
      return dto;
    }
    if (values.length === 0) return dto;
    const scrub = (t: string | undefined) => (t === undefined ? t : scrubValues(t, values));
    return {
      ...dto,
      message: scrub(dto.message),
      resources: dto.resources.map((r) => ({
        ...r,
        message: scrub(r.message),
        healthMessage: scrub(r.healthMessage),
      })),
    };
  }

  /**
   * The guard already counted the call as seen; a heartbeat adds the versions and the age
   * recipient it carries. Answers a pending key rotation while the agent still sends the key
   * the rotation is to replace (null: nothing to ask, 204).
   */
  async heartbeat(cluster: AgentCluster, dto: HeartbeatDto): Promise<HeartbeatAnswerV1 | null> {
    await this.presence.seen(cluster, dto);
    const rotate =
      cluster.ageKeyRotationRequested === true &&
      (dto.ageRecipient === undefined || dto.ageRecipient === cluster.ageRecipient);
    return rotate ? { rotateAgeKey: true } : null;
  }

  /**
   * The custom health checks each leased sync job carries, as stored when it is leased (not fixed
   * when it was queued): a rule change then reaches each application with its next job, without
   * queueing jobs for every cluster. The lease read the application's own rules; the hub's come
   * from this replica's memory of them.
   */
  private healthChecksOf(jobs: LeasedJob[]): Promise<Map<string, HealthCheckV1[]>> {
    const syncs = jobs.filter((j) => j.kind === 'sync');
    return syncs.length
      ? this.healthChecks.merged(syncs.map((j) => [j.applicationId, j.applicationHealthChecks] as const))
      : Promise.resolve(new Map<string, HealthCheckV1[]>());
  }

  /** The wire form of leased jobs: everything but health checks comes from the job row, fixed when it was queued. */
  private toWire(jobs: LeasedJob[], healthChecks: Map<string, HealthCheckV1[]>): JobV1[] {
    return jobs.map((j) => {
      return {
        id: j.id,
        kind: j.kind,
        applicationId: j.applicationId,
        applicationName: j.applicationName,
        revision: j.revision,
        revisionDisplay: j.revisionDisplay,
        bundleDigest: j.bundleDigest,
        ...(j.inlineBundle ? { bundle: j.inlineBundle.toString('utf8') } : {}),
        // The policy fixed when the job was queued, not the application's of now.
        prune: j.prune,
        selfHeal: j.selfHeal,
        ignoreDifferences: j.ignoreDifferences,
        force: false,
        attempt: j.attempts,
        leaseExpiresAt: (j.leaseExpiresAt ?? new Date()).toISOString(),
        // The agent renews on its own clock: a lease length, unlike an end, needs no synced clocks.
        leaseSeconds: this.config.jobLeaseSeconds,
        // Omitted when it allows everything: the same answer as before projects had rules.
        ...(j.objectPolicy && !isOpenPolicy(j.objectPolicy) ? { policy: toPolicyV1(j.objectPolicy) } : {}),
        // Omitted when there are none, as before health checks existed.
        ...(j.kind === 'sync' && healthChecks.has(j.applicationId)
          ? { healthChecks: healthChecks.get(j.applicationId) }
          : {}),
      };
    });
  }
}

/** The wire form of a leased preview job: what the preview fixed when it was asked for. */
function toPreviewWire(p: LeasedPreview): PreviewJobV1 {
  return {
    id: p.id,
    applicationId: p.preview.applicationId,
    applicationName: p.preview.applicationName,
    revision: p.preview.revision ?? '',
    revisionDisplay: p.preview.revisionDisplay ?? '',
    bundleDigest: p.bundleDigest ?? '',
    prune: p.preview.prune,
    ignoreDifferences: p.preview.ignoreDifferences,
    force: false,
    ...(!isOpenPolicy(p.preview.objectPolicy) ? { policy: toPolicyV1(p.preview.objectPolicy) } : {}),
    expiresAt: p.preview.expiresAt.toISOString(),
  };
}

/** The wire form of object rules: exactly the protocol's fields, nothing else a row may hold. */
function toPolicyV1(p: ObjectPolicy): ObjectPolicyV1 {
  const kinds = (ks: ObjectPolicy['allowedKinds']) => ks.map((k) => ({ group: k.group, kind: k.kind }));
  return {
    namespaces: [...p.namespaces],
    allowedKinds: kinds(p.allowedKinds),
    deniedKinds: kinds(p.deniedKinds),
    allowSecrets: p.allowSecrets,
  };
}
