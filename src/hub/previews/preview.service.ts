import { Inject, Injectable } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { authorize } from '../../domain/authorization.js';
import { isCoreSecretId, redactedValuesOf, scrubValues } from '../../domain/apply/redaction.js';
import {
  ConflictError,
  DependencyFailedError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  RateLimitedError,
} from '../../domain/errors.js';
import {
  comparePreviewClusters,
  previewClusterState,
  previewState,
  summarisePreview,
} from '../../domain/preview-summary.js';
import { parseCanonicalBundle } from '../../domain/render/render.js';
import {
  MAX_PREVIEW_VALUE_CHARS_V1,
  type PreviewObjectV1,
  type PreviewResultV1,
} from '../../protocol/v1/agent-protocol.js';
import { type ApplicationEntity } from '../applications/application.entity.js';
import { ApplicationService } from '../applications/application.service.js';
import { AuditService } from '../audit/audit.service.js';
import { type Principal } from '../auth/principal.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { BundleRepository } from '../dispatch/bundle.repository.js';
import { DesiredStateService, type PreviewRef } from '../dispatch/desired-state.service.js';
import { JobNotifier } from '../dispatch/job-notifier.repository.js';
import { PreviewGate } from './preview-gate.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { ProjectRepository } from '../projects/project.repository.js';
import { type PreviewClusterEntity } from './preview-cluster.entity.js';
import {
  type DraftPreviewRequestDto,
  type PreviewClusterDto,
  type PreviewDto,
  type PreviewRequestDto,
  type PreviewSummaryDto,
} from './preview.dto.js';
import { type PreviewEntity } from './preview.entity.js';
import { PreviewRepository } from './preview.repository.js';

/** Most previews of one application open to answers at once. */
export const MAX_OPEN_PREVIEWS = 5;
/** Most previews an application's list shows. */
const LIST_LIMIT = 50;
const REDACTED = '(redacted)';

/**
 * Fleet-wide previews (issue 18): renders an application at a revision with exactly the renderers
 * and rules of a sync ({@link DesiredStateService.plan}), stores each cluster's part and queues a
 * preview job for every connected cluster whose render passed. Writes no desired state, job,
 * fleet status or inventory.
 */
@Injectable()
export class PreviewService {
  constructor(
    @Inject(PreviewRepository) private readonly previews: PreviewRepository,
    @Inject(ApplicationService) private readonly apps: ApplicationService,
    @Inject(DesiredStateService) private readonly desired: DesiredStateService,
    @Inject(BundleRepository) private readonly bundles: BundleRepository,
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(JobNotifier) private readonly notifier: JobNotifier,
    @Inject(PreviewGate) private readonly gate: PreviewGate,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HUB_CONFIG)
    private readonly config: Pick<HubConfig, 'previewTtlSeconds' | 'previewAnswerSeconds'>,
  ) {}

  /** A preview of an existing application (operator of its project). */
  async forApplication(
    key: string,
    dto: PreviewRequestDto,
    actor: Actor,
    principal: Principal,
  ): Promise<PreviewDto> {
    const ref = refOf(dto);
    const app = await this.apps.requireAs(key, principal, 'operator');
    return this.request(app, ref, actor, true);
  }

  /** A preview of an application not created yet, checked exactly like its creation. */
  async forDraft(dto: DraftPreviewRequestDto, actor: Actor, principal: Principal): Promise<PreviewDto> {
    const ref = refOf(dto);
    const { app } = await this.apps.draft(dto.application, principal);
    return this.request(app, ref, actor, false);
  }

  /** One preview (viewer of its project; 404 otherwise, or once deleted). */
  async get(id: string, principal: Principal): Promise<PreviewDto> {
    const row = await this.previews.findById(id);
    const project = row && (await this.projects.findById(row.projectId));
    if (!row || !project || !authorize(principal, 'viewer', project.name))
      throw new NotFoundError('preview', id);
    return this.toDto(row, project.name, await this.previews.partsOf([row.id]), true);
  }

  /** An application's previews, newest first, without their clusters. */
  async list(key: string, principal: Principal): Promise<{ items: PreviewSummaryDto[] }> {
    const app = await this.apps.requireAs(key, principal, 'viewer');
    const project = await this.projects.findById(app.projectId);
    const rows = await this.previews.forApplication(app.id, LIST_LIMIT);
    const parts = await this.previews.partsOf(rows.map((r) => r.id));
    return {
      items: rows.map((r) =>
        this.toDto(
          r,
          project?.name ?? '',
          parts.filter((p) => p.previewId === r.id),
          false,
        ),
      ),
    };
  }

  /**
   * Records an agent's answer once (by reportId; a second is ignored). 403 another cluster's
   * part, 404 none, 409 answered under another report or expired. Secret values are redacted
   * again, whatever the agent sent.
   */
  async answer(
    cluster: { id: string },
    partId: string,
    dto: PreviewResultV1,
  ): Promise<{ recorded: boolean }> {
    const now = this.clock.now();
    const found = await this.uow.run(async (tx) => {
      const part = await this.previews.lockPart(tx, partId);
      if (!part) throw new NotFoundError('preview job', partId);
      if (part.clusterId !== cluster.id) throw new ForbiddenError("this preview job is another cluster's");
      if (part.reportId === dto.reportId) return { recorded: false };
      if (part.answeredAt) throw new ConflictError('this preview job was already answered');
      if (!part.job || part.unknownReason !== null || part.preview.expiresAt <= now)
        throw new ConflictError('this preview expired: nobody reads the answer');
      const objects = await this.redacted(cluster.id, part, dto.objects);
      const values = await this.secretValues(cluster.id, part);
      await this.previews.answer(tx, part.id, {
        reportId: dto.reportId,
        answeredAt: now,
        outcome: dto.outcome,
        message: dto.message === undefined ? null : scrubValues(dto.message, values),
        objects,
      });
      return { recorded: true };
    });
    return found;
  }

  private async request(
    app: ApplicationEntity,
    ref: PreviewRef,
    actor: Actor,
    exists: boolean,
  ): Promise<PreviewDto> {
    const plan = await this.desired.plan(app, ref);
    // a ref asked for that cannot be read is the caller's mistake; the application's own is shown per cluster
    if (plan.fetchError && (ref.revision || ref.branch))
      throw plan.fetchError.startsWith('fetch: the repository could not be read')
        ? new DependencyFailedError(
            `the ${ref.branch ? 'branch' : 'revision'} could not be fetched: ${plan.fetchError}`,
          )
        : // the repository answered, without that revision or branch: nothing of that name to preview
          new NotFoundError(
            `${ref.branch ? 'branch' : 'revision'} of the repository`,
            (ref.branch ?? ref.revision)!,
          );
    const now = this.clock.now();
    const id = this.secrets.uuid();
    const preview: PreviewEntity = {
      id,
      applicationId: exists ? app.id : null,
      applicationName: app.name,
      projectId: plan.project.id,
      refRevision: ref.revision ?? null,
      refBranch: ref.branch ?? null,
      revision: plan.revision?.id ?? null,
      revisionDisplay: plan.revision?.display ?? null,
      prune: app.syncPolicy.prune,
      ignoreDifferences: app.ignoreDifferences,
      objectPolicy: plan.objectPolicy,
      requestedBy: actor.name,
      createdAt: now,
      expiresAt: new Date(
        now.getTime() + Math.min(this.config.previewAnswerSeconds, this.config.previewTtlSeconds) * 1000,
      ),
      deleteAfter: new Date(now.getTime() + this.config.previewTtlSeconds * 1000),
    };
    const parts: PreviewClusterEntity[] = plan.rendered.map((r) => {
      const disconnected =
        r.cluster.connectionState !== undefined && r.cluster.connectionState !== 'Connected';
      const job = !!r.bundle && !disconnected;
      return {
        id: this.secrets.uuid(),
        previewId: id,
        clusterId: r.cluster.id,
        clusterName: r.cluster.name,
        job,
        bundleDigest: r.bundle ? r.bundle.digest : null,
        renderError: r.refusals?.length ? null : (r.error ?? null),
        policyDenials: (r.refusals ?? []).map((x) => ({ resource: x.resource, reason: x.message })),
        unknownReason: r.bundle && disconnected ? r.cluster.connectionState! : null,
        leaseExpiresAt: null,
        reportId: null,
        answeredAt: null,
        outcome: null,
        message: null,
        objects: [],
      };
    });
    await this.uow.run(async (tx) => {
      if (exists && (await this.previews.countOpen(tx, app.id, now)) >= MAX_OPEN_PREVIEWS)
        throw new RateLimitedError(
          `application '${app.name}' has ${MAX_OPEN_PREVIEWS} open previews: wait for one to expire`,
          Math.min(this.config.previewAnswerSeconds, this.config.previewTtlSeconds),
        );
      const seen = new Set<string>();
      for (const r of plan.rendered)
        if (r.bundle && !seen.has(r.bundle.digest)) {
          seen.add(r.bundle.digest);
          await this.bundles.store(tx, {
            digest: r.bundle.digest,
            content: r.bundle.canonical,
            objectCount: r.bundle.objectCount,
          });
        }
      await this.previews.insert(tx, preview, parts);
      await this.audit.record(tx, {
        actor,
        action: 'preview.requested',
        applicationId: exists ? app.id : null,
        revision: preview.revision,
        details: {
          preview: id,
          application: app.name,
          project: plan.project.name,
          display: preview.revisionDisplay,
          ref: { revision: preview.refRevision, branch: preview.refBranch },
          clusterCount: parts.length,
        },
      });
      await this.notifier.notifyMany(
        tx,
        parts.filter((p) => p.job).map((p) => p.clusterId),
        'previews',
      );
    });
    this.gate.invalidate();
    return this.toDto(preview, plan.project.name, parts, true);
  }

  /** The objects of an answer with every Secret value redacted and the bundle's secret values cut out. */
  private async redacted(clusterId: string, part: PreviewClusterEntity, objects: PreviewObjectV1[]) {
    const values = await this.secretValues(clusterId, part);
    const cut = (v: unknown): unknown => {
      const json = JSON.stringify(v) ?? '';
      return json.length > MAX_PREVIEW_VALUE_CHARS_V1
        ? `${json.slice(0, MAX_PREVIEW_VALUE_CHARS_V1 - 1)}…`
        : v;
    };
    const scrub = (v: unknown): unknown => {
      if (typeof v === 'string') return scrubValues(v, values);
      if (Array.isArray(v)) return v.map(scrub);
      if (v && typeof v === 'object')
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]));
      return v;
    };
    return objects.map((o): PreviewObjectV1 => {
      const secret = isCoreSecretId(o.id);
      const changes = o.changes?.map((c) => {
        const hidden = secret && /^\/(data|stringData)(\/|$)/.test(c.path);
        const value = (x: unknown) => (hidden ? REDACTED : cut(scrub(x)));
        return {
          path: c.path,
          op: c.op,
          ...(c.before !== undefined ? { before: value(c.before) } : {}),
          ...(c.after !== undefined ? { after: value(c.after) } : {}),
        };
      });
      return {
        id: o.id,
        action: o.action,
        ...(o.message !== undefined ? { message: scrubValues(o.message, values) } : {}),
        ...(changes ? { changes } : {}),
        ...(o.truncated !== undefined ? { truncated: o.truncated } : {}),
      };
    });
  }

  private async secretValues(clusterId: string, part: PreviewClusterEntity): Promise<string[]> {
    if (!part.bundleDigest) return [];
    const bundle = await this.bundles.getForCluster(part.bundleDigest, clusterId);
    if (!bundle) return [];
    try {
      return redactedValuesOf(parseCanonicalBundle(bundle.content));
    } catch {
      return [];
    }
  }

  private toDto(
    row: PreviewEntity,
    projectName: string,
    parts: PreviewClusterEntity[],
    withClusters: true,
  ): PreviewDto;
  private toDto(
    row: PreviewEntity,
    projectName: string,
    parts: PreviewClusterEntity[],
    withClusters: false,
  ): PreviewSummaryDto;
  private toDto(
    row: PreviewEntity,
    projectName: string,
    parts: PreviewClusterEntity[],
    withClusters: boolean,
  ): PreviewDto | PreviewSummaryDto {
    const expired = row.expiresAt <= this.clock.now();
    const clusters: PreviewClusterDto[] = parts
      .map((p) => {
        const { state, reason } = previewClusterState(
          {
            renderError: p.renderError,
            policyDenials: p.policyDenials,
            unknownReason: p.unknownReason,
            answer: p.answeredAt && p.outcome ? { outcome: p.outcome, message: p.message } : null,
            objects: p.objects,
          },
          expired,
        );
        return {
          clusterId: p.clusterId,
          clusterName: p.clusterName,
          state,
          reason,
          renderError: p.renderError,
          policyDenials: p.policyDenials,
          objects: p.objects,
        };
      })
      .sort(comparePreviewClusters);
    const summary: PreviewSummaryDto = {
      id: row.id,
      applicationId: row.applicationId,
      applicationName: row.applicationName,
      projectName,
      ref: { revision: row.refRevision, branch: row.refBranch },
      revision: row.revision,
      revisionDisplay: row.revisionDisplay,
      state: previewState(clusters, expired),
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.expiresAt.toISOString(),
      requestedBy: row.requestedBy,
      summary: summarisePreview(clusters),
    };
    return withClusters ? { ...summary, clusters } : summary;
  }
}

/** At most one of revision and branch. */
function refOf(dto: PreviewRequestDto): PreviewRef {
  if (dto.revision !== undefined && dto.branch !== undefined)
    throw new InvalidInputError('give revision or branch, not both', { field: 'branch' });
  return {
    ...(dto.revision ? { revision: dto.revision } : {}),
    ...(dto.branch ? { branch: dto.branch } : {}),
  };
}
