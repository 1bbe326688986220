import type { ClusterGuardrail } from '../../domain/object-policy.js';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type Actor } from '../../domain/audit-chain.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { projectsAllowing, type Grants } from '../../domain/authorization.js';
import { matchesSelector, parseLabelSelector, type LabelSelector } from '../../domain/label-selector.js';
import { ProjectRepository } from '../projects/project.repository.js';
import { type AuditRecord, AuditService } from '../audit/audit.service.js';
import { type Page } from '../common/list-query.dto.js';
import { afterName, namePage } from '../common/name-page.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { type Tx } from '../database/data-source.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { FLEET_EVENTS, type FleetEvents } from '../platform/fleet-events.js';
import { GroupCommit, type Settled } from '../platform/group-commit.js';
import { HUB_VERSION } from '../version.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import {
  defaultAgentImage,
  DEFAULT_AGENT_NAMESPACE,
  joinCommands,
  renderAgentManifest,
} from './agent-manifest.js';
import { type ClusterDto, type ClusterWithRegistrationDto, type RegistrationDto } from './cluster.dto.js';
import { FleetStatusRepository } from '../fleet-status/fleet-status.repository.js';
import { type ClusterEntity } from './cluster.entity.js';
import { ClusterRepository } from './cluster.repository.js';

/** A cluster to create, as its creator asked for it. */
interface Creation {
  row: Omit<ClusterEntity, 'createdAt' | 'updatedAt'>;
  actor: Actor;
}

/**
 * Clusters created at once (a fleet joining through the API, 32 at a time in the benchmark) are
 * written together: one transaction, one turn of the audit chain's lock and one commit per batch.
 */
const CREATE_BATCH = { maxBatch: 50, maxConcurrent: 2 };

/** Registers clusters, edits their labels, issues registration tokens. */
@Injectable()
export class ClusterService {
  private readonly creations = new GroupCommit<Creation, ClusterEntity>(
    (items) => this.writeCreations(items),
    CREATE_BATCH,
  );

  constructor(
    @Inject(ClusterRepository) private readonly clusters: ClusterRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HUB_CONFIG)
    private readonly config: Pick<HubConfig, 'registrationTokenTtlSeconds'> &
      Partial<Pick<HubConfig, 'publicUrl' | 'host' | 'port'>>,
    @Inject(FLEET_EVENTS) private readonly events: FleetEvents,
    @Inject(FleetStatusRepository) private readonly fleetStatus: FleetStatusRepository,
    @Inject(ProjectRepository) private readonly projects: Pick<ProjectRepository, 'findByNames'>,
    // Optional so unit tests can build the service without an HTTP server.
    @Optional() @Inject(HttpAdapterHost) private readonly http?: HttpAdapterHost,
  ) {}

  async create(
    input: {
      name: string;
      labels?: Record<string, string>;
      guardrail?: { allowedNamespaces: string[]; allowClusterScoped?: boolean; deniedKinds?: string[] };
    },
    actor: Actor,
  ): Promise<ClusterWithRegistrationDto> {
    const guardrail: ClusterGuardrail | null = input.guardrail
      ? {
          allowedNamespaces: [...new Set(input.guardrail.allowedNamespaces)],
          allowClusterScoped: input.guardrail.allowClusterScoped ?? false,
          deniedKinds: input.guardrail.deniedKinds ?? [],
        }
      : null;
    const token = this.secrets.newToken('fltreg');
    const expiresAt = new Date(this.clock.now().getTime() + this.config.registrationTokenTtlSeconds * 1000);
    const saved = await this.creations.submit({
      row: {
        id: this.secrets.uuid(),
        name: input.name,
        labels: input.labels ?? {},
        connectionState: 'Pending',
        lastSeenAt: null,
        agentVersion: null,
        kubernetesVersion: null,
        apiVersions: null,
        ageRecipient: null,
        ageKeyRotationRequestedAt: null,
        credentialHash: null,
        registrationTokenHash: this.secrets.hashToken(token),
        registrationTokenExpiresAt: expiresAt,
        guardrail,
      },
      actor,
    });
    this.events.emit({ type: 'cluster-registered', clusterId: saved.id });
    return {
      ...toDto(saved),
      registration: { token, expiresAt: expiresAt.toISOString() },
      join: joinCommands({
        clusterName: saved.name,
        hubUrl: this.publicUrl(),
        registrationToken: token,
        guardrail: saved.guardrail,
      }),
    };
  }

  /**
   * Inserts a batch of new clusters (one statement) and their audit events in one transaction.
   * A taken name fails only its own item, having written nothing; the events are recorded last,
   * all at once, so the chain's lock is held only for their insert and the commit.
   */
  private async writeCreations(items: Creation[]): Promise<Settled<ClusterEntity>[]> {
    return this.uow.run(async (tx) => {
      const stored = await this.clusters.insertIfNamesFree(
        tx,
        items.map((i) => i.row),
      );
      const events: AuditRecord[] = [];
      const settled = stored.map((row, i): Settled<ClusterEntity> => {
        if (!row)
          return {
            ok: false,
            error: new ConflictError(`a cluster named '${items[i].row.name}' already exists`),
          };
        events.push({
          actor: items[i].actor,
          action: 'cluster.registered',
          clusterId: row.id,
          details: {
            name: row.name,
            labels: row.labels,
            registrationExpiresAt: row.registrationTokenExpiresAt!.toISOString(),
            ...(row.guardrail ? { guardrail: row.guardrail } : {}),
          },
        });
        return { ok: true, value: row };
      });
      await this.audit.recordMany(tx, events);
      return settled;
    });
  }

  /**
   * A page of the clusters the caller may see: every one with a global role, else those its
   * projects' cluster selectors select.
   */
  async list(
    q: { selector?: string; limit?: number; cursor?: string },
    principal: Grants,
  ): Promise<Page<ClusterDto>> {
    const selector = parseLabelSelector(q.selector ?? '');
    const limit = q.limit ?? 50;
    const after = afterName(q.cursor);
    const within = await this.projectSelectors(principal);
    return namePage(await this.clusters.list(selector, after, limit + 1, within), limit, toDto);
  }

  /** One cluster; outside every project the caller holds a role in, it is not found. */
  async get(key: string, principal: Grants): Promise<ClusterDto> {
    const row = await this.require(key);
    const within = await this.projectSelectors(principal);
    if (within !== null && !within.some((s) => matchesSelector(s, row.labels)))
      throw new NotFoundError('cluster', key);
    return toDto(row);
  }

  /** The cluster selectors of the caller's projects; null: a global role sees every cluster. */
  private async projectSelectors(principal: Grants): Promise<LabelSelector[] | null> {
    const visible = projectsAllowing(principal, 'viewer');
    if (visible === 'all') return null;
    if (visible.length === 0) return [];
    return (await this.projects.findByNames(visible)).map((p) => parseLabelSelector(p.clusterSelector));
  }

  async update(key: string, input: { labels?: Record<string, string> }, actor: Actor): Promise<ClusterDto> {
    const saved = await this.uow.run(async (tx) => {
      const row = await this.require(key, tx);
      const before = { labels: row.labels };
      if (input.labels !== undefined) row.labels = input.labels;
      const after = await this.clusters.save(tx, row);
      await this.audit.record(tx, {
        actor,
        action: 'cluster.updated',
        clusterId: row.id,
        details: { name: row.name, before, after: { labels: after.labels } },
      });
      return after;
    });
    // Relabelling moves the cluster in or out of application selectors.
    if (input.labels !== undefined) this.events.emit({ type: 'cluster-labels-changed', clusterId: saved.id });
    return toDto(saved);
  }

  async delete(key: string, actor: Actor): Promise<void> {
    const id = await this.uow.run(async (tx) => {
      const row = await this.require(key, tx);
      await this.clusters.delete(tx, row.id);
      await this.audit.record(tx, {
        actor,
        action: 'cluster.deleted',
        clusterId: row.id,
        details: { name: row.name, labels: row.labels },
      });
      return row.id;
    });
    this.events.emit({ type: 'cluster-deleted', clusterId: id });
  }

  /** Issues a fresh one-time registration token; the previous one stops working at once. */
  async issueRegistrationToken(
    key: string,
    actor: Actor,
    via: 'registration-token' | 'agent-manifest' = 'registration-token',
  ): Promise<RegistrationDto> {
    const token = this.secrets.newToken('fltreg');
    const expiresAt = new Date(this.clock.now().getTime() + this.config.registrationTokenTtlSeconds * 1000);
    await this.uow.run(async (tx) => {
      const row = await this.require(key, tx);
      row.registrationTokenHash = this.secrets.hashToken(token);
      row.registrationTokenExpiresAt = expiresAt;
      await this.clusters.save(tx, row);
      await this.audit.record(tx, {
        actor,
        action: 'cluster.registration-token-issued',
        clusterId: row.id,
        details: { name: row.name, expiresAt: expiresAt.toISOString(), via },
      });
    });
    return { token, expiresAt: expiresAt.toISOString() };
  }

  /**
   * Revokes the agent's credential (a leaked or stolen one): its next call answers 401, its
   * parked long-poll ends, and the cluster shows `registered: false` until an agent registers
   * again with a fresh registration token — any outstanding token is voided too, so re-joining
   * takes a deliberate new one. Audited.
   */
  async revokeCredential(key: string, actor: Actor): Promise<ClusterDto> {
    const saved = await this.uow.run(async (tx) => {
      const row = await this.require(key, tx, true);
      const had = row.credentialHash !== null;
      row.credentialHash = null;
      row.registrationTokenHash = null;
      row.registrationTokenExpiresAt = null;
      row.connectionState = 'Pending';
      const after = await this.clusters.save(tx, row);
      await this.fleetStatus.refreshClusters(tx, [row.id]);
      await this.audit.record(tx, {
        actor,
        action: 'cluster.credential-revoked',
        clusterId: row.id,
        details: { name: row.name, hadCredential: had },
      });
      await this.clusters.wakeAgent(tx, row.id);
      return after;
    });
    return toDto(saved);
  }

  /**
   * The agent manifest of a cluster (plain YAML for `kubectl apply -f -`). A registration token
   * is only ever shown once, so this issues a fresh one — the previous one dies — and audits it
   * like {@link issueRegistrationToken}.
   */
  async agentManifest(
    key: string,
    actor: Actor,
    opts: { namespace?: string; image?: string } = {},
  ): Promise<string> {
    const cluster = await this.require(key);
    const registration = await this.issueRegistrationToken(cluster.id, actor, 'agent-manifest');
    return renderAgentManifest({
      clusterName: cluster.name,
      hubUrl: this.publicUrl(),
      registrationToken: registration.token,
      guardrail: cluster.guardrail,
      namespace: opts.namespace ?? DEFAULT_AGENT_NAMESPACE,
      image: opts.image ?? defaultAgentImage(HUB_VERSION),
    });
  }

  /**
   * The URL agents reach this hub at: FLOTILLA_PUBLIC_URL, else `http://<host>:<port>` of this
   * process (the port it actually listens on, which differs from the configured one for PORT=0).
   */
  publicUrl(): string {
    if (this.config.publicUrl) return this.config.publicUrl;
    const server = this.http?.httpAdapter?.getHttpServer() as { address(): unknown } | undefined;
    const address = server?.address() as { port?: number } | null | undefined;
    const port = address?.port ?? this.config.port ?? 8080;
    const host = this.config.host ?? '127.0.0.1';
    // A wildcard address is not something a client can connect to: show the loopback instead.
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    return `http://${shown}:${port}`;
  }

  private async require(key: string, tx?: Tx, lock = true): Promise<ClusterEntity> {
    const row = await this.clusters.findByIdOrName(key, tx, lock);
    if (!row) throw new NotFoundError('cluster', key);
    return row;
  }
}

function toDto(c: ClusterEntity): ClusterDto {
  return {
    id: c.id,
    name: c.name,
    labels: c.labels,
    connectionState: c.connectionState,
    lastSeenAt: c.lastSeenAt?.toISOString() ?? null,
    agentVersion: c.agentVersion,
    kubernetesVersion: c.kubernetesVersion,
    registered: c.credentialHash !== null,
    guardrail: c.guardrail,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
