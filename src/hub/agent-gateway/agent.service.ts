import { Inject, Injectable } from '@nestjs/common';
import { redactDiffText, redactedValuesOf, scrubValues } from '../../domain/apply/redaction.js';
import { type Actor } from '../../domain/audit-chain.js';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../../domain/errors.js';
import type { JobsResponseV1, JobV1, RegisterResponseV1 } from '../../protocol/v1/agent-protocol.js';
import { ApplicationRepository } from '../applications/application.repository.js';
import { ApplicationService } from '../applications/application.service.js';
import { AuditService, type AuditRecord } from '../audit/audit.service.js';
import { ClusterRepository } from '../clusters/cluster.repository.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { AgentReportRepository } from '../dispatch/agent-report.repository.js';
import { BundleRepository } from '../dispatch/bundle.repository.js';
import { DesiredStateRepository } from '../dispatch/desired-state.repository.js';
import { JobNotifier } from '../dispatch/job-notifier.repository.js';
import { type ReconcileJobEntity } from '../dispatch/reconcile-job.entity.js';
import { ReconcileJobRepository } from '../dispatch/reconcile-job.repository.js';
import { ResourceStatusRepository } from '../dispatch/resource-status.repository.js';
import { FleetStatusRepository } from '../fleet-status/fleet-status.repository.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { parseCanonicalBundle } from '../../domain/render/render.js';
import { AgentTraffic } from './agent-traffic.service.js';
import { type AgentCluster } from './agent.guard.js';
import {
  type HeartbeatDto,
  type JobResultDto,
  type RegisterRequestDto,
  type StatusReportDto,
} from './agent.dto.js';

/** How long an agent holds a job before the hub may hand it out again. */
export const JOB_LEASE_MS = 120_000;

const agentActor = (c: Pick<AgentCluster, 'id' | 'name'>): Actor => ({
  type: 'agent',
  id: c.id,
  name: `agent:${c.name}`,
});

/** Retry delay after a failed attempt: 5 s, 10 s, 20 s … capped at 5 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 300_000);
}

/** The hub side of the agent protocol (docs/agent-protocol.md). */
@Injectable()
export class AgentService {
  constructor(
    @Inject(ClusterRepository) private readonly clusters: ClusterRepository,
    @Inject(ReconcileJobRepository) private readonly jobs: ReconcileJobRepository,
    @Inject(BundleRepository) private readonly bundles: BundleRepository,
    @Inject(DesiredStateRepository) private readonly desired: DesiredStateRepository,
    @Inject(ResourceStatusRepository) private readonly resources: ResourceStatusRepository,
    @Inject(AgentReportRepository) private readonly reports: AgentReportRepository,
    @Inject(ApplicationRepository) private readonly apps: ApplicationRepository,
    @Inject(ApplicationService) private readonly applications: ApplicationService,
    @Inject(JobNotifier) private readonly notifier: JobNotifier,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(AgentTraffic) private readonly traffic: AgentTraffic,
    @Inject(FleetStatusRepository) private readonly fleetStatus: FleetStatusRepository,
  ) {}

  /** Exchanges a one-time registration token for the cluster's long-lived credential. */
  async register(dto: RegisterRequestDto): Promise<RegisterResponseV1> {
    const credential = this.secrets.newToken('fltagent');
    return this.uow.run(async (tx) => {
      const cluster = await this.clusters.findByRegistrationHash(
        tx,
        this.secrets.hashToken(dto.registrationToken),
      );
      if (!cluster) throw new UnauthenticatedError('registration token is invalid or was already used');
      const now = this.clock.now();
      if (!cluster.registrationTokenExpiresAt || cluster.registrationTokenExpiresAt < now)
        throw new UnauthenticatedError(
          'registration token has expired: issue a new one (POST /api/v1/clusters/:id/registration-token)',
        );
      const rotated = cluster.credentialHash !== null;
      cluster.credentialHash = this.secrets.hashToken(credential);
      cluster.registrationTokenHash = null;
      cluster.registrationTokenExpiresAt = null;
      cluster.agentVersion = dto.agentVersion;
      cluster.kubernetesVersion = dto.kubernetesVersion ?? cluster.kubernetesVersion;
      cluster.connectionState = 'Connected';
      cluster.lastSeenAt = now;
      await this.clusters.save(tx, cluster);
      await this.fleetStatus.refreshClusters(tx, [cluster.id]);
      await this.audit.record(tx, {
        actor: agentActor(cluster),
        action: 'cluster.connected',
        clusterId: cluster.id,
        details: {
          name: cluster.name,
          registered: true,
          credentialRotated: rotated,
          agentVersion: dto.agentVersion,
        },
      });
      return { clusterId: cluster.id, clusterName: cluster.name, credential };
    });
  }

  /**
   * Long-poll: leases due jobs, or waits up to `waitSeconds` for one to be queued on any
   * replica. One poll per cluster waits (newest wins); a wake-up re-checks the credential, so
   * a poll parked before a revocation ends with no work.
   */
  async nextJobs(
    cluster: AgentCluster,
    waitSeconds: number,
    limit: number,
    abort?: AbortSignal,
  ): Promise<JobsResponseV1> {
    await this.seen(cluster);
    const deadline = Date.now() + waitSeconds * 1000;
    const parked = this.traffic.park(cluster.id);
    const signal = abort ? AbortSignal.any([abort, parked.signal]) : parked.signal;
    try {
      for (let woken = false; ; woken = true) {
        if (woken && (signal.aborted || !(await this.stillValid(cluster)))) return { jobs: [] };
        const now = this.clock.now();
        const claimed = await this.uow.run(async (tx) => {
          const jobs = await this.jobs.claim(
            tx,
            cluster.id,
            now,
            new Date(now.getTime() + JOB_LEASE_MS),
            limit,
          );
          await this.fleetStatus.refreshPairs(tx, jobs);
          return jobs;
        });
        if (claimed.length) return { jobs: await this.toWire(claimed) };
        const left = deadline - Date.now();
        if (left <= 0 || signal.aborted) return { jobs: [] };
        await this.notifier.wait(cluster.id, left, signal);
      }
    } finally {
      parked.release();
    }
  }

  private async stillValid(cluster: AgentCluster): Promise<boolean> {
    return (await this.clusters.findByCredentialHash(cluster.credentialHash))?.id === cluster.id;
  }

  /** A bundle by digest, if this cluster was ever given it. */
  async bundle(cluster: AgentCluster, digest: string): Promise<Buffer> {
    const b = await this.bundles.getForCluster(digest, cluster.id);
    if (!b) throw new NotFoundError('bundle', digest);
    return b.content;
  }

  /** Records a job's result once (by reportId), updating status, history and the audit trail. */
  async reportResult(
    cluster: AgentCluster,
    jobId: string,
    dto: JobResultDto,
  ): Promise<{ recorded: boolean; applicationDeleted?: boolean }> {
    await this.seen(cluster);
    const actor = agentActor(cluster);
    dto = await this.scrubbedResult(cluster, jobId, dto);
    let removalFinished: string | null = null;
    const recorded = await this.uow.run(async (tx) => {
      const job = await this.jobs.findForCluster(tx, jobId, cluster.id);
      if (!job) {
        if (await this.jobs.findById(jobId)) throw new ForbiddenError('this job belongs to another cluster');
        throw new NotFoundError('job', jobId);
      }
      if (!(await this.reports.claim(tx, dto.reportId, cluster.id))) return false;
      // A finished or superseded job is history: a late result (an attempt whose lease expired
      // and was retried) must not change it or be audited twice. A result for a job the sweeper
      // put back in the queue is still the truth about that job and is taken.
      if (job.state !== 'leased' && job.state !== 'queued') return false;
      const now = this.clock.now();
      const retry = dto.outcome === 'failed' && dto.retryable === true && job.attempts < job.maxAttempts;
      job.state = dto.outcome === 'succeeded' ? 'succeeded' : retry ? 'queued' : 'failed';
      job.result = { outcome: dto.outcome, message: dto.message ?? null, resources: dto.resources.length };
      job.error = dto.outcome === 'failed' ? (dto.message ?? 'failed') : null;
      job.leaseExpiresAt = null;
      if (retry) job.notBefore = new Date(now.getTime() + retryDelayMs(job.attempts));
      await this.jobs.save(tx, job);

      await this.recordResources(tx, job, dto);
      if (dto.outcome === 'succeeded' && job.kind === 'sync') {
        const d = await this.desired.get(tx, job.applicationId, cluster.id);
        if (d) {
          d.appliedRevision = job.revision;
          d.appliedDigest = job.bundleDigest;
          d.inventory = dto.inventory;
          await this.desired.save(tx, d);
        }
      }
      if (job.kind === 'remove' && job.state !== 'queued') removalFinished = job.applicationId;
      await this.fleetStatus.refresh(tx, job.applicationId, [cluster.id]);
      // Audit last, in one step: the chain lock is then held only for the insert and the commit.
      await this.audit.recordMany(tx, [
        ...resourceEvents(job, dto, actor),
        {
          actor,
          action: dto.outcome === 'succeeded' ? 'job.succeeded' : 'job.failed',
          clusterId: cluster.id,
          applicationId: job.applicationId,
          revision: job.revision || null,
          details: {
            jobId: job.id,
            kind: job.kind,
            attempt: job.attempts,
            willRetry: retry,
            message: dto.message ?? null,
            counts: countActions(dto),
            failed: dto.resources
              .filter((r) => r.action === 'failed')
              .map((r) => ({ resource: r.id, message: r.message })),
          },
        },
      ]);
      if (retry) await this.notifier.notify(tx, cluster.id);
      return true;
    });
    if (removalFinished) await this.applications.finishDeletionIfDone(removalFinished, actor);
    return { recorded };
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
    await this.seen(cluster);
    const actor = agentActor(cluster);
    let ignored = 0;
    const recorded = await this.uow.run(async (tx) => {
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
    });
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

  async heartbeat(cluster: AgentCluster, dto: HeartbeatDto): Promise<void> {
    await this.seen(cluster, dto);
  }

  /** Marks the cluster Connected (auditing the transition) and remembers when it was last heard. */
  private async seen(cluster: AgentCluster, versions: Partial<HeartbeatDto> = {}): Promise<void> {
    // One transaction: the flip, the status rows it changes and its audit event commit together.
    await this.uow.run(async (tx) => {
      if (!(await this.clusters.touch(cluster.id, this.clock.now(), versions, tx))) return;
      await this.fleetStatus.refreshClusters(tx, [cluster.id]);
      await this.audit.record(tx, {
        actor: agentActor(cluster),
        action: 'cluster.connected',
        clusterId: cluster.id,
        details: { name: cluster.name },
      });
    });
  }

  private async recordResources(
    tx: Parameters<ResourceStatusRepository['upsert']>[0],
    job: ReconcileJobEntity,
    dto: JobResultDto,
  ): Promise<void> {
    await this.resources.upsert(
      tx,
      dto.resources
        .filter((r) => r.action !== 'deleted')
        .map((r) => ({
          applicationId: job.applicationId,
          clusterId: job.clusterId,
          resource: r.id,
          action: r.action,
          message: r.message ?? null,
          revision: job.revision,
          ...(r.health ? { health: r.health, healthMessage: r.healthMessage ?? null } : {}),
        })),
    );
    if (dto.outcome === 'succeeded')
      await this.resources.deleteExcept(tx, job.applicationId, job.clusterId, dto.inventory);
  }

  private async toWire(jobs: ReconcileJobEntity[]): Promise<JobV1[]> {
    const apps = new Map<string, Awaited<ReturnType<ApplicationRepository['findByIdOrName']>>>();
    for (const id of new Set(jobs.map((j) => j.applicationId)))
      apps.set(id, await this.apps.findByIdOrName(id));
    return jobs.map((j) => {
      const app = apps.get(j.applicationId);
      return {
        id: j.id,
        kind: j.kind,
        applicationId: j.applicationId,
        applicationName: app?.name ?? '',
        revision: j.revision,
        revisionDisplay: j.revisionDisplay,
        bundleDigest: j.bundleDigest,
        prune: j.prune,
        selfHeal: app?.syncPolicy.selfHeal ?? false,
        ignoreDifferences: app?.ignoreDifferences ?? [],
        force: false,
        attempt: j.attempts,
        leaseExpiresAt: (j.leaseExpiresAt ?? new Date()).toISOString(),
      };
    });
  }
}

function countActions(dto: JobResultDto): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of dto.resources) out[r.action] = (out[r.action] ?? 0) + 1;
  return out;
}

/** `resource.applied` / `resource.pruned` for the objects a job changed (unchanged ones are not news). */
function resourceEvents(job: ReconcileJobEntity, dto: JobResultDto, actor: Actor): AuditRecord[] {
  return dto.resources
    .filter((r) => r.action === 'created' || r.action === 'configured' || r.action === 'deleted')
    .map((r) => ({
      actor,
      action: r.action === 'deleted' ? 'resource.pruned' : 'resource.applied',
      clusterId: job.clusterId,
      applicationId: job.applicationId,
      revision: job.revision || null,
      resource: r.id,
      details: { jobId: job.id, action: r.action, message: r.message ?? null },
    }));
}
