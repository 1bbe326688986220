import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SYSTEM_ACTOR } from '../../domain/audit-chain.js';
import { DomainError, NotFoundError, UnauthenticatedError } from '../../domain/errors.js';
import { scrubUrls } from '../../domain/repository-url.js';
import { classifyHeadMove, followedRevision, type HeadMove } from '../../domain/reconcile-schedule.js';
import { EgressRefusedError, type Revision, SshHostKeyError, type VcsRegistry } from '../../vcs/index.js';
import { AuditService } from '../audit/audit.service.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { FLEET_EVENTS, type FleetEvents } from '../platform/fleet-events.js';
import { VCS } from '../vcs/vcs.module.js';
import { type RepositoryDto } from './repository.dto.js';
import { type RepositoryEntity } from './repository.entity.js';
import { RepositoriesRepository } from './repository.repository.js';
import { RepositoryService, StoredCredentialsError } from './repository.service.js';

/** How long a replica may hold a repository while polling it before others may take over. */
const LEASE_MS = 120_000;
/** Repositories one tick claims at most; the rest wait for the next tick. */
const BATCH = 16;

/**
 * Polls every repository at its interval, on exactly one hub replica at a time: each tick
 * claims due repositories with a lease (UPDATE … FOR UPDATE SKIP LOCKED), resolves their
 * newest revision (one round-trip when nothing changed) and records new revisions.
 */
@Injectable()
export class RepositoryPollerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('poller');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(RepositoriesRepository) private readonly repos: RepositoriesRepository,
    @Inject(RepositoryService) private readonly repositories: RepositoryService,
    @Inject(VCS) private readonly vcs: VcsRegistry,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'pollTickMs'>,
    @Inject(FLEET_EVENTS) private readonly events: FleetEvents,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.pollTickMs > 0) this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One tick: claim what is due and poll it. Exposed for tests and the refresh endpoint. */
  async tick(): Promise<number> {
    const now = this.clock.now();
    const due = await this.repos.claimDue(now, new Date(now.getTime() + LEASE_MS), BATCH);
    await Promise.all(due.map((r) => this.poll(r)));
    return due.length;
  }

  /** Polls one repository now (POST …/refresh); waits if another replica is polling it. */
  async refreshNow(key: string): Promise<RepositoryDto> {
    const row = await this.repositories.require(key);
    for (let attempt = 0; attempt < 50; attempt++) {
      const now = this.clock.now();
      const claimed = await this.repos.claimOne(row.id, now, new Date(now.getTime() + LEASE_MS));
      if (claimed) {
        await this.poll(claimed, true);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // Refresh is a fleet-wide operator route: its caller sees every repository.
    return this.repositories.get(row.id, { role: 'viewer', projects: {} });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((e: Error) => this.log.warn(`poll tick failed: ${scrubUrls(e.message)}`))
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.config.pollTickMs);
    this.timer.unref();
  }

  /**
   * Resolves, records the outcome, and audits a new revision with the paths it changed. A head
   * that moved backwards (or off the history it had reached) is recorded as rewound and not
   * announced, so nothing deploys it on its own.
   */
  private async poll(row: RepositoryEntity, refresh = false): Promise<void> {
    const startedAt = this.clock.now();
    const followed = followedRevision(row);
    let head: Revision | null = null;
    let move: HeadMove = 'unchanged';
    let error: string | null = null;
    let changedPaths: string[] | null = null;
    try {
      const repo = this.repositories.toVcs(row);
      const backend = this.vcs.for(repo);
      head = refresh ? await backend.refresh(repo) : await backend.resolve(repo);
      move = await classifyHeadMove({ lastRevision: row.lastRevision, followed }, head.id, (a, d) =>
        backend.isAncestor(repo, a, d),
      );
      if (move === 'forward' && followed)
        changedPaths = await backend.changedPaths(repo, followed, head.id).catch(() => null);
    } catch (e) {
      // Full detail to the log; viewers see a coarse reason only (see viewerError).
      const detail =
        e instanceof EgressRefusedError
          ? e.detail
          : e instanceof DomainError
            ? e.message
            : `poll failed: ${scrubUrls((e as Error).message)}`;
      this.log.warn(`repository ${row.name}: ${detail}`);
      error = viewerError(e);
      move = 'unchanged';
    }
    const revision = error === null && head ? head.id : row.lastRevision;
    const detected = move === 'forward' || move === 'restored';
    const rewound =
      move === 'rewound' && head
        ? { rewoundFrom: followed, rewoundTo: head.id, rewoundAt: startedAt }
        : detected
          ? { rewoundFrom: null, rewoundTo: null, rewoundAt: null }
          : {};
    await this.uow.run(async (tx) => {
      await this.repos.finishPoll(tx, row.id, {
        lastRevision: revision,
        lastPolledAt: startedAt,
        lastError: error,
        nextPollAt: new Date(startedAt.getTime() + row.pollIntervalSeconds * 1000),
        ...rewound,
      });
      if (detected)
        await this.audit.record(tx, {
          actor: SYSTEM_ACTOR,
          action: 'revision.detected',
          repositoryId: row.id,
          revision,
          details: {
            repository: row.name,
            display: head?.display ?? null,
            previous: row.lastRevision,
            paths: changedPaths,
          },
        });
      if (move === 'rewound')
        await this.audit.record(tx, {
          actor: SYSTEM_ACTOR,
          action: 'revision.rewound',
          repositoryId: row.id,
          revision,
          details: {
            repository: row.name,
            branch: head?.display.split('@')[0] ?? row.branch,
            previous: followed,
            new: revision,
            display: head?.display ?? null,
          },
        });
    });
    if (move === 'rewound')
      this.log.warn(
        `repository ${row.name}: branch moved back from ${followed} to ${revision}; not deployed automatically`,
      );
    if (detected && revision)
      this.events.emit({
        type: 'revision-detected',
        repositoryId: row.id,
        previous: followed,
        revision,
        paths: changedPaths,
      });
  }
}

/**
 * What a viewer may read about a failed poll. Fine-grained messages (connection refused vs
 * timed out vs HTTP 401 vs not Git) would let anyone who may register a URL map which
 * addresses and ports answer inside the hub's network, so only these few reasons are shown.
 */
export function viewerError(e: unknown): string {
  if (e instanceof EgressRefusedError) return 'refused by egress policy';
  if (e instanceof UnauthenticatedError) return 'authentication failed';
  if (e instanceof NotFoundError) return 'repository, branch or path not found';
  if (e instanceof StoredCredentialsError) return e.message;
  // An operator must see a changed host key (a moved server, or someone in between); the
  // egress policy already bounds which addresses can be asked.
  if (e instanceof SshHostKeyError)
    return "the SSH server's host key is not one of the repository's knownHosts";
  return 'repository unreachable';
}
