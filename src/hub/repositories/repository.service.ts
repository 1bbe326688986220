import { Inject, Injectable, Logger } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  DependencyFailedError,
} from '../../domain/errors.js';
import { repositoryUrlProblem, urlOrigin } from '../../domain/repository-url.js';
import { sshCredentialsProblem } from '../../domain/ssh-credentials.js';
import { projectsAllowing, type Grants } from '../../domain/authorization.js';
import { ProjectRepository } from '../projects/project.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { type Page } from '../common/list-query.dto.js';
import { afterName, namePage } from '../common/name-page.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { type Tx } from '../database/data-source.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { type VcsCredentials, type VcsRepository } from '../../vcs/index.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { SECRETS, type Secrets, UnreadableSecretError } from '../platform/secrets.js';
import {
  type CreateRepositoryDto,
  type CredentialsDto,
  type RepositoryDto,
  type RewoundDto,
  type UpdateRepositoryDto,
} from './repository.dto.js';
import { type RepositoryEntity } from './repository.entity.js';
import { RepositoriesRepository } from './repository.repository.js';

/** Stored repository credentials, as decrypted for the VCS layer only. */
export interface RepositoryCredentials {
  username?: string;
  password?: string;
  token?: string;
}

/**
 * The stored credentials of a repository do not open (moved from another row, altered, or
 * sealed under a key the hub no longer has). Says so plainly: it reveals nothing about the network.
 */
export class StoredCredentialsError extends DependencyFailedError {
  constructor(name: string, reason: string) {
    super(`the stored credentials of repository '${name}' cannot be used (${reason}); set them again`);
  }
}

/** The sealed columns of a repository; each value is bound to its row and column. */
export type SealedField = 'credentials' | 'webhookSecret';

/** Additional authenticated data of a sealed value: it opens only in the row and column it was sealed for. */
export function sealContext(repositoryId: string, field: SealedField): string {
  return `repository:${repositoryId}:${field}`;
}

/**
 * Registers and edits source repositories; credentials are sealed before they are stored,
 * bound to their row and to the origin (scheme, host, port) of the URL they were given for.
 */
@Injectable()
export class RepositoryService {
  private readonly log = new Logger('repositories');

  constructor(
    @Inject(RepositoriesRepository) private readonly repos: RepositoriesRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(HUB_CONFIG)
    private readonly config: Pick<
      HubConfig,
      'allowFileUrls' | 'repositoryAllowedHosts' | 'gitImplementation'
    >,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ProjectRepository) private readonly projects: Pick<ProjectRepository, 'findByNames'>,
  ) {}

  async create(input: CreateRepositoryDto, actor: Actor): Promise<RepositoryDto> {
    const shape = this.checkShape(input.type, input.url, input.branch, input.path);
    this.checkCredentials(input.url, input.credentials);
    const id = this.secrets.uuid();
    const saved = await this.uow.run(async (tx) => {
      if (await this.repos.findByName(input.name, tx))
        throw new ConflictError(`a repository named '${input.name}' already exists`);
      const row = await this.repos.insert(tx, {
        id,
        name: input.name,
        type: input.type,
        url: input.url,
        branch: shape.branch,
        path: shape.path,
        credentialsSealed: this.sealCredentials(id, input.credentials),
        pollIntervalSeconds: input.pollIntervalSeconds ?? 60,
        lastRevision: null,
        rewoundFrom: null,
        rewoundTo: null,
        rewoundAt: null,
        lastPolledAt: null,
        lastError: null,
        nextPollAt: this.clock.now(),
        pollLeaseUntil: null,
        webhookSecretSealed: input.webhookSecret
          ? this.secrets.seal(input.webhookSecret, sealContext(id, 'webhookSecret'))
          : null,
      });
      await this.audit.record(tx, {
        actor,
        action: 'repository.created',
        repositoryId: row.id,
        details: { ...describe(row) },
      });
      return row;
    });
    return toDto(saved);
  }

  /**
   * A page of the repositories the caller may see: every one with a global role, else those its
   * projects' sources name (all of them when a source is `*`).
   */
  async list(q: { limit?: number; cursor?: string }, principal: Grants): Promise<Page<RepositoryDto>> {
    const limit = q.limit ?? 50;
    const after = afterName(q.cursor);
    const names = await this.sourceNames(principal);
    return namePage(await this.repos.list(after, limit + 1, names), limit, toDto);
  }

  /** One repository; one the caller's projects may not use is not found. */
  async get(key: string, principal: Grants): Promise<RepositoryDto> {
    const row = await this.require(key);
    const names = await this.sourceNames(principal);
    if (names !== null && !names.includes(row.name)) throw new NotFoundError('repository', key);
    return toDto(row);
  }

  /** The repositories the caller's projects may deploy from; null: every one. */
  private async sourceNames(principal: Grants): Promise<string[] | null> {
    const visible = projectsAllowing(principal, 'viewer');
    if (visible === 'all') return null;
    const sources = (await this.projects.findByNames(visible)).flatMap((p) => p.sources);
    if (sources.some((s) => s.repository === '*')) return null;
    return [...new Set(sources.map((s) => s.repository))];
  }

  async update(key: string, input: UpdateRepositoryDto, actor: Actor): Promise<RepositoryDto> {
    return toDto(
      await this.uow.run(async (tx) => {
        const row = await this.require(key, tx);
        const before = describe(row);
        const type = row.type as 'git' | 'svn' | 'helm';
        const shape = this.checkShape(
          type,
          input.url ?? row.url,
          input.branch ?? (type === 'git' ? (row.branch ?? undefined) : undefined),
          input.path ?? (type === 'svn' ? (row.path ?? undefined) : undefined),
        );
        const originBefore = urlOrigin(row.url);
        row.url = input.url ?? row.url;
        const originAfter = urlOrigin(row.url);
        row.branch = shape.branch;
        row.path = shape.path;
        if (input.pollIntervalSeconds !== undefined) row.pollIntervalSeconds = input.pollIntervalSeconds;
        const credentialsChanged = input.credentials !== undefined;
        if (credentialsChanged)
          row.credentialsSealed = this.sealCredentials(row.id, input.credentials ?? undefined);
        // Credentials were given for one origin: they never follow the URL to another one
        // (the next poll would hand them to whoever runs the new host).
        const originChanged = originBefore !== originAfter;
        const credentialsDropped = originChanged && !credentialsChanged && row.credentialsSealed !== null;
        // Credentials given now, or none left after a move, must suit the (new) URL.
        if (credentialsChanged || originChanged) this.checkCredentials(row.url, input.credentials);
        if (credentialsDropped) row.credentialsSealed = null;
        if (input.webhookSecret !== undefined)
          row.webhookSecretSealed = input.webhookSecret
            ? this.secrets.seal(input.webhookSecret, sealContext(row.id, 'webhookSecret'))
            : null;
        // A new URL, branch or path is polled at once.
        if (input.url !== undefined || input.branch !== undefined || input.path !== undefined) {
          row.nextPollAt = this.clock.now();
          row.lastRevision = null;
          // Another source has another history: nothing to compare its first head with.
          row.rewoundFrom = row.rewoundTo = row.rewoundAt = null;
        }
        const saved = await this.repos.save(tx, row);
        await this.audit.record(tx, {
          actor,
          action: 'repository.updated',
          repositoryId: row.id,
          // Credentials are reported as changed or not, never by value.
          details: {
            name: row.name,
            before,
            after: describe(saved),
            credentialsChanged,
            webhookSecretChanged: input.webhookSecret !== undefined,
            ...(originChanged ? { originBefore, originAfter, credentialsDropped } : {}),
          },
        });
        return saved;
      }),
    );
  }

  async delete(key: string, actor: Actor): Promise<void> {
    await this.uow.run(async (tx) => {
      const row = await this.require(key, tx);
      await this.repos.delete(tx, row.id);
      await this.audit.record(tx, {
        actor,
        action: 'repository.deleted',
        repositoryId: row.id,
        details: describe(row),
      });
    });
  }

  /** The repository as the VCS layer needs it, credentials decrypted; never for a response. */
  toVcs(row: RepositoryEntity): VcsRepository {
    let credentials: RepositoryCredentials | null = null;
    if (row.credentialsSealed) {
      try {
        credentials = JSON.parse(
          this.secrets.open(row.credentialsSealed, sealContext(row.id, 'credentials')),
        ) as RepositoryCredentials;
      } catch (e) {
        if (!(e instanceof UnreadableSecretError)) throw e;
        this.log.error(`repository ${row.name}: stored credentials refused: ${e.message}`);
        throw new StoredCredentialsError(row.name, e.message);
      }
    }
    return {
      id: row.id,
      type: row.type as VcsRepository['type'],
      url: row.url,
      branch: row.branch,
      path: row.path,
      credentials,
    };
  }

  /**
   * Credentials for a chart dependency's `repository:` URL (vendorChartDependencies'
   * `credentialsFor`): those of the registered Helm chart repository at that URL (a trailing
   * `/` either way), or null to fetch anonymously. `mayUse` limits the choice to repositories
   * the application's project may deploy from, so a chart cannot borrow the credentials of a
   * chart repository its project has no access to; when several match, the first by name wins.
   */
  async chartRepositoryCredentials(
    url: string,
    mayUse: (repositoryName: string) => boolean = () => true,
  ): Promise<VcsCredentials | null> {
    const trimmed = url.replace(/\/+$/, '');
    const rows = await this.repos.findByUrls('helm', [trimmed, `${trimmed}/`]);
    const row = rows
      .filter((r) => r.credentialsSealed !== null && mayUse(r.name))
      .sort((a, b) => (a.name < b.name ? -1 : 1))[0];
    return row ? this.toVcs(row).credentials : null;
  }

  /** The decrypted webhook secret, or null when none is set or it cannot be opened (logged). */
  webhookSecretOf(row: RepositoryEntity): string | null {
    if (!row.webhookSecretSealed) return null;
    try {
      return this.secrets.open(row.webhookSecretSealed, sealContext(row.id, 'webhookSecret'));
    } catch (e) {
      if (!(e instanceof UnreadableSecretError)) throw e;
      this.log.error(`repository ${row.name}: stored webhook secret refused: ${e.message}`);
      return null;
    }
  }

  /** Loads a repository by id or name (locking it inside a transaction), or throws 404. */
  async require(key: string, tx?: Tx): Promise<RepositoryEntity> {
    const row = await this.repos.findByIdOrName(key, tx, tx !== undefined);
    if (!row) throw new NotFoundError('repository', key);
    return row;
  }

  private checkShape(
    type: 'git' | 'svn' | 'helm',
    url: string,
    branch: string | undefined,
    path: string | undefined,
  ): { branch: string | null; path: string | null } {
    const problem = repositoryUrlProblem(url, {
      allowFile: this.config.allowFileUrls,
      type,
      allowedHosts: this.config.repositoryAllowedHosts,
    });
    if (problem) throw new InvalidInputError(problem, { field: 'url' });
    if (type === 'helm' && (branch !== undefined || path !== undefined))
      throw new InvalidInputError(
        'branch and path do not apply to Helm chart repositories: applications name the chart in their path',
        { field: branch !== undefined ? 'branch' : 'path' },
      );
    if (type === 'svn' && branch !== undefined)
      throw new InvalidInputError('branch applies to Git repositories; for SVN give path (e.g. "trunk")', {
        field: 'branch',
      });
    if (type === 'git' && path !== undefined)
      throw new InvalidInputError('path applies to SVN repositories; for Git give branch', { field: 'path' });
    if (branch !== undefined && !/^(?!.*\.\.)(?!\/)(?!.*\/$)[A-Za-z0-9._/-]+$/.test(branch))
      throw new InvalidInputError(
        'branch must be a plain Git branch name (letters, digits, ".", "_", "-", "/")',
        {
          field: 'branch',
        },
      );
    if (
      path !== undefined &&
      path !== '' &&
      (path.split('/').some((s) => s === '..' || s === '') || hasControlOrBackslash(path))
    )
      throw new InvalidInputError(
        'path must be a relative path inside the repository, without ".." or empty segments',
        {
          field: 'path',
        },
      );
    return {
      branch: type === 'git' ? (branch ?? 'main') : null,
      path: type === 'svn' ? path || null : null,
    };
  }

  /** An ssh:// repository needs its host keys and a deploy key, never a password; others no SSH fields. */
  private checkCredentials(url: string, credentials: CredentialsDto | null | undefined): void {
    const wrong = sshCredentialsProblem(url, credentials);
    if (wrong) throw new InvalidInputError(wrong.problem, { field: wrong.field });
    if (url.startsWith('ssh:') && this.config.gitImplementation === 'isomorphic')
      throw new InvalidInputError(
        'ssh:// repositories need the git CLI, and this hub runs with FLOTILLA_GIT_IMPLEMENTATION=isomorphic',
        { field: 'url' },
      );
  }

  private sealCredentials(id: string, c: CredentialsDto | undefined): string | null {
    if (!c || (!c.username && !c.password && !c.token && !c.sshPrivateKey && !c.knownHosts)) return null;
    const { username, password, token, sshPrivateKey, knownHosts } = c;
    return this.secrets.seal(
      JSON.stringify({ username, password, token, sshPrivateKey, knownHosts }),
      sealContext(id, 'credentials'),
    );
  }
}

/** What an audit event may say about a repository: everything but the credentials. */
function describe(r: RepositoryEntity): Record<string, unknown> {
  return {
    name: r.name,
    type: r.type,
    url: r.url,
    branch: r.branch,
    path: r.path,
    pollIntervalSeconds: r.pollIntervalSeconds,
    hasCredentials: r.credentialsSealed !== null,
  };
}

function toDto(r: RepositoryEntity): RepositoryDto {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    url: r.url,
    branch: r.branch,
    path: r.path,
    hasCredentials: r.credentialsSealed !== null,
    hasWebhookSecret: r.webhookSecretSealed !== null,
    pollIntervalSeconds: r.pollIntervalSeconds,
    lastRevision: r.lastRevision,
    lastPolledAt: r.lastPolledAt?.toISOString() ?? null,
    lastError: r.lastError,
    rewound: rewoundOf(r),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The rewind in force on a repository, for its DTO and its applications'. */
export function rewoundOf(r: RepositoryEntity): RewoundDto | null {
  if (r.rewoundFrom === null || r.rewoundTo === null || r.rewoundAt === null) return null;
  return { from: r.rewoundFrom, to: r.rewoundTo, at: r.rewoundAt.toISOString() };
}

/** Control characters and backslashes have no place in a repository path. */
function hasControlOrBackslash(path: string): boolean {
  return [...path].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\\');
}
