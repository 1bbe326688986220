import { Inject, Injectable } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { authorize, describeGrants, projectsAllowing } from '../../domain/authorization.js';
import { decodeCursor, encodeCursor } from '../../domain/cursor.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { formatLabelSelector, parseLabelSelector } from '../../domain/label-selector.js';
import { type NotificationMessage } from '../../domain/notification-rules.js';
import { AuditService } from '../audit/audit.service.js';
import { type Principal } from '../auth/principal.js';
import { type Page } from '../common/list-query.dto.js';
import { afterName, namePage } from '../common/name-page.js';
import { type Tx } from '../database/data-source.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import {
  channelFromDto,
  channelSealContext,
  channelView,
  type OpenedChannel,
} from './notification-channel-config.js';
import { type NotificationDeliveryEntity } from './notification-delivery.entity.js';
import { NotificationGate } from './notification-gate.js';
import { type NotificationSubscriptionEntity } from './notification-subscription.entity.js';
import {
  type CreateSubscriptionDto,
  type DeliveryDto,
  type SubscriptionDto,
  type SubscriptionFilterDto,
  type UpdateSubscriptionDto,
} from './notification.dto.js';
import { NotificationRepository } from './notification.repository.js';

/** Prefix of webhook signing secrets, so a leaked one is recognisable. */
const SIGNING_SECRET_PREFIX = 'fns_';

/** A filter resolved to ids, as stored. */
interface StoredFilter {
  actions: string[];
  applicationId: string | null;
  projectId: string | null;
  projectName: string | null;
  clusterSelector: string | null;
  outcome: string;
}

/**
 * Subscriptions and their deliveries. Who may do what: a subscription without a project is the
 * admins'; one with a project is managed by that project's operators and read by its viewers.
 * A caller with no role in a subscription's project does not learn it exists (404).
 */
@Injectable()
export class NotificationService {
  constructor(
    @Inject(NotificationRepository) private readonly repo: NotificationRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(NotificationGate) private readonly gate: NotificationGate,
  ) {}

  async create(dto: CreateSubscriptionDto, p: Principal, actor: Actor): Promise<SubscriptionDto> {
    const filter = await this.resolveFilter(dto.filter ?? {});
    this.assertManage(p, filter.projectName);
    const id = this.secrets.uuid();
    const signingSecret = this.secrets.newToken(SIGNING_SECRET_PREFIX);
    const channel = channelFromDto(dto.channel, signingSecret);
    const row = await this.uow.run(async (tx) => {
      if (await this.repo.findByName(dto.name, tx))
        throw new ConflictError(`a notification subscription named '${dto.name}' already exists`);
      const saved = await this.repo.insert(tx, {
        id,
        name: dto.name,
        ...this.filterColumns(filter),
        channelType: channel.type,
        channel: { ...channelView(channel) },
        channelSealed: this.secrets.seal(JSON.stringify(channel), channelSealContext(id)),
        enabled: dto.enabled ?? true,
      });
      await this.record(tx, actor, { action: 'notification.subscription-created' }, saved, filter);
      return saved;
    });
    this.gate.invalidate();
    const out = await this.toDto(row);
    return channel.type === 'webhook' ? { ...out, signingSecret } : out;
  }

  async list(q: { limit?: number; cursor?: string }, p: Principal): Promise<Page<SubscriptionDto>> {
    const limit = q.limit ?? 50;
    const visible = projectsAllowing(p, 'viewer');
    const ids = visible === 'all' ? null : await this.repo.projectIdsByNames(visible);
    const rows = await this.repo.list(afterName(q.cursor), limit + 1, ids);
    const names = await this.repo.namesOf(this.refIds(rows));
    return namePage(rows, limit, (r) => this.view(r, names));
  }

  async get(id: string, p: Principal): Promise<SubscriptionDto> {
    return this.toDto(await this.visible(id, p));
  }

  async update(id: string, dto: UpdateSubscriptionDto, p: Principal, actor: Actor): Promise<SubscriptionDto> {
    const before = await this.manageable(id, p);
    const filter = dto.filter ? await this.resolveFilter(dto.filter) : null;
    // Moving a subscription to another project (or out of every one) needs the right there too.
    if (filter) this.assertManage(p, filter.projectName);
    const row = await this.uow.run(async (tx) => {
      const s = await this.repo.findById(before.id, tx, true);
      if (!s) throw new NotFoundError('notification subscription', id);
      if (dto.name !== undefined && dto.name !== s.name) {
        if (await this.repo.findByName(dto.name, tx))
          throw new ConflictError(`a notification subscription named '${dto.name}' already exists`);
        s.name = dto.name;
      }
      if (filter) Object.assign(s, this.filterColumns(filter));
      if (dto.enabled !== undefined) s.enabled = dto.enabled;
      if (dto.channel) {
        const old = this.open(s);
        const channel = channelFromDto(
          dto.channel,
          old.type === 'webhook' ? old.secret : this.secrets.newToken(SIGNING_SECRET_PREFIX),
        );
        s.channelType = channel.type;
        s.channel = { ...channelView(channel) };
        s.channelSealed = this.secrets.seal(JSON.stringify(channel), channelSealContext(s.id));
      }
      const saved = await this.repo.save(tx, s);
      await this.record(
        tx,
        actor,
        { action: 'notification.subscription-updated' },
        saved,
        filter ?? undefined,
      );
      return saved;
    });
    this.gate.invalidate();
    const out = await this.toDto(row);
    // A channel that just became a webhook needs its secret once, as at creation.
    const opened = this.open(row);
    return dto.channel && before.channelType !== 'webhook' && opened.type === 'webhook'
      ? { ...out, signingSecret: opened.secret }
      : out;
  }

  async delete(id: string, p: Principal, actor: Actor): Promise<void> {
    const s = await this.manageable(id, p);
    await this.uow.run(async (tx) => {
      await this.repo.delete(tx, s.id);
      await this.record(tx, actor, { action: 'notification.subscription-deleted' }, s);
    });
    this.gate.invalidate();
  }

  async rotateSecret(id: string, p: Principal, actor: Actor): Promise<SubscriptionDto> {
    const s = await this.manageable(id, p);
    const channel = this.open(s);
    if (channel.type !== 'webhook')
      throw new ConflictError(
        `subscription '${s.name}' sends to ${channel.type}: only webhooks have a signing secret`,
      );
    const signingSecret = this.secrets.newToken(SIGNING_SECRET_PREFIX);
    const row = await this.uow.run(async (tx) => {
      s.channelSealed = this.secrets.seal(
        JSON.stringify({ ...channel, secret: signingSecret }),
        channelSealContext(s.id),
      );
      const saved = await this.repo.save(tx, s);
      await this.record(tx, actor, { action: 'notification.subscription-secret-rotated' }, saved);
      return saved;
    });
    return { ...(await this.toDto(row)), signingSecret };
  }

  /** Queues one test message; the worker sends it like any other. */
  async test(id: string, p: Principal): Promise<DeliveryDto> {
    const s = await this.manageable(id, p);
    const now = this.clock.now();
    const deliveryId = this.secrets.uuid();
    const message: NotificationMessage = {
      idempotencyKey: deliveryId,
      subscription: s.name,
      title: `Test message for subscription ${s.name}`,
      lines: [`Sent on request of ${p.name} to check the channel.`],
      eventCount: 0,
      events: [],
      createdAt: now.toISOString(),
      test: true,
    };
    const d = await this.repo.insertDelivery(undefined, {
      id: deliveryId,
      subscriptionId: s.id,
      status: 'pending',
      attempts: 0,
      lastError: null,
      nextAttemptAt: now,
      deliveredAt: null,
      createdAt: now,
      eventCount: 0,
      title: message.title,
      message: { ...message },
    });
    return toDeliveryDto(d);
  }

  async deliveries(
    id: string,
    q: { limit?: number; cursor?: string; status?: string },
    p: Principal,
  ): Promise<Page<DeliveryDto>> {
    const s = await this.visible(id, p);
    const limit = q.limit ?? 50;
    let before: { createdAt: Date; id: string } | null = null;
    if (q.cursor) {
      const [t, did] = decodeCursor(q.cursor, ['string', 'string'] as const);
      const createdAt = new Date(t);
      if (Number.isNaN(createdAt.getTime()) || !isUuid(did))
        throw new InvalidInputError('cursor: not a cursor returned by this API');
      before = { createdAt, id: did };
    }
    const rows = await this.repo.listDeliveries(s.id, q.status, before, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toDeliveryDto),
      nextCursor: rows.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
    };
  }

  async retry(id: string, deliveryId: string, p: Principal): Promise<DeliveryDto> {
    const s = await this.manageable(id, p);
    const d = await this.repo.findDelivery(s.id, deliveryId);
    if (!d) throw new NotFoundError('delivery', deliveryId);
    if (d.status !== 'failed')
      throw new ConflictError(`delivery ${d.id} is ${d.status}: only a failed one is retried`);
    const again = await this.repo.requeue(d.id, this.clock.now());
    if (!again) throw new ConflictError(`delivery ${d.id} is no longer failed`);
    return toDeliveryDto(again);
  }

  /** The subscription if the caller may read it; 404 otherwise (it does not learn it exists). */
  private async visible(id: string, p: Principal): Promise<NotificationSubscriptionEntity> {
    const s = await this.repo.findById(id);
    if (!s) throw new NotFoundError('notification subscription', id);
    const project = s.projectId ? ((await this.repo.namesOf([s.projectId])).get(s.projectId) ?? null) : null;
    if (!authorize(p, 'viewer', project)) throw new NotFoundError('notification subscription', id);
    return s;
  }

  private async manageable(id: string, p: Principal): Promise<NotificationSubscriptionEntity> {
    const s = await this.visible(id, p);
    const project = s.projectId ? ((await this.repo.namesOf([s.projectId])).get(s.projectId) ?? null) : null;
    this.assertManage(p, project);
    return s;
  }

  /** Admin for a subscription without a project; operator of its project otherwise. */
  private assertManage(p: Principal, project: string | null): void {
    if (project === null) {
      if (!authorize(p, 'admin', null))
        throw new ForbiddenError(
          `a subscription without filter.project needs the admin role; token '${p.name}' has ${describeGrants(p)}`,
        );
    } else if (!authorize(p, 'operator', project))
      throw new ForbiddenError(
        `this needs the operator role in project '${project}'; token '${p.name}' has ${describeGrants(p)}`,
      );
  }

  private async resolveFilter(f: SubscriptionFilterDto): Promise<StoredFilter> {
    let project = f.project ? await this.repo.projectByKey(f.project) : null;
    // An unknown project or application is a reference to nothing, like a token's unknown project.
    if (f.project && !project) throw new NotFoundError('project', f.project);
    let applicationId: string | null = null;
    if (f.application) {
      const app = await this.repo.applicationByKey(f.application);
      if (!app) throw new NotFoundError('application', f.application);
      if (project && app.projectId !== project.id)
        throw new InvalidInputError(`filter.application: '${app.name}' is not in project '${project.name}'`);
      // An application's events are its project's: the subscription belongs to that project.
      if (!project && app.projectId) {
        const name = (await this.repo.namesOf([app.projectId])).get(app.projectId);
        if (name) project = { id: app.projectId, name };
      }
      applicationId = app.id;
    }
    const selector =
      f.clusterSelector !== undefined
        ? formatLabelSelector(parseLabelSelector(f.clusterSelector, 'filter.clusterSelector'))
        : '';
    return {
      actions: [...new Set(f.actions ?? [])],
      applicationId,
      projectId: project?.id ?? null,
      projectName: project?.name ?? null,
      clusterSelector: selector === '' ? null : selector,
      outcome: f.outcome ?? 'any',
    };
  }

  private filterColumns(
    f: StoredFilter,
  ): Pick<
    NotificationSubscriptionEntity,
    'actions' | 'applicationId' | 'projectId' | 'clusterSelector' | 'outcome'
  > {
    return {
      actions: f.actions,
      applicationId: f.applicationId,
      projectId: f.projectId,
      clusterSelector: f.clusterSelector,
      outcome: f.outcome,
    };
  }

  private open(s: NotificationSubscriptionEntity): OpenedChannel {
    return JSON.parse(this.secrets.open(s.channelSealed, channelSealContext(s.id))) as OpenedChannel;
  }

  /** Audits a change: the filter and what may be shown of the channel, never a secret. */
  private async record(
    tx: Tx,
    actor: Actor,
    { action }: { action: string },
    s: NotificationSubscriptionEntity,
    filter?: StoredFilter,
  ): Promise<void> {
    await this.audit.record(tx, {
      actor,
      action,
      projectId: s.projectId,
      applicationId: s.applicationId,
      details: {
        id: s.id,
        name: s.name,
        enabled: s.enabled,
        channel: s.channel,
        ...(filter
          ? {
              filter: {
                actions: filter.actions,
                project: filter.projectName,
                clusterSelector: filter.clusterSelector,
                outcome: filter.outcome,
              },
            }
          : {}),
      },
    });
  }

  private refIds(rows: NotificationSubscriptionEntity[]): string[] {
    return [
      ...new Set(rows.flatMap((r) => [r.projectId, r.applicationId]).filter((x): x is string => x !== null)),
    ];
  }

  private async toDto(s: NotificationSubscriptionEntity): Promise<SubscriptionDto> {
    return this.view(s, await this.repo.namesOf(this.refIds([s])));
  }

  private view(s: NotificationSubscriptionEntity, names: Map<string, string>): SubscriptionDto {
    return {
      id: s.id,
      name: s.name,
      filter: {
        actions: s.actions,
        application: s.applicationId ? (names.get(s.applicationId) ?? null) : null,
        project: s.projectId ? (names.get(s.projectId) ?? null) : null,
        clusterSelector: s.clusterSelector,
        outcome: s.outcome,
      },
      channel: s.channel as unknown as SubscriptionDto['channel'],
      enabled: s.enabled,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    };
  }
}

/** A delivery as the API shows it; its id is the idempotency key. */
export function toDeliveryDto(d: NotificationDeliveryEntity): DeliveryDto {
  return {
    id: d.id,
    idempotencyKey: d.id,
    status: d.status as DeliveryDto['status'],
    attempts: d.attempts,
    lastError: d.lastError,
    nextAttemptAt: d.status === 'pending' && d.nextAttemptAt ? d.nextAttemptAt.toISOString() : null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    eventCount: d.eventCount,
    title: d.title,
  };
}
