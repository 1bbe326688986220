import { PROJECT_NAME_SOURCE } from '../../domain/project-rules.js';
import { Inject, Injectable } from '@nestjs/common';
import { SYSTEM_ACTOR, type Actor } from '../../domain/audit-chain.js';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  UnauthenticatedError,
} from '../../domain/errors.js';
import { decideExpiry, isExpired, lastUseDue, type ExpiryRequest } from '../../domain/token-expiry.js';
import { AuditService } from '../audit/audit.service.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { ProjectRepository } from '../projects/project.repository.js';
import { HUB_VERSION } from '../version.js';
import { type ApiTokenEntity } from './api-token.entity.js';
import { ApiTokenRepository } from './api-token.repository.js';
import { type Principal, type SsoIdentity } from './principal.js';
import { ROLES, type Role } from './roles.js';

/** A token as listed: never its secret. */
export interface TokenView {
  id: string;
  name: string;
  role: Role | null;
  projects: Record<string, Role>;
  prefix: string;
  /** Null: never expires. */
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Who the caller is, and which hub answered. */
export interface WhoamiView {
  /** The API token's id, or the SSO session's. */
  tokenId: string;
  name: string;
  /** Global role; null: project roles only. */
  role: Role | null;
  /** Role within each project, by project name. */
  projects: Record<string, Role>;
  /** Null: never expires. */
  expiresAt: string | null;
  /** The last recorded use before this request; null: none. */
  lastUsedAt: string | null;
  /** How the request authenticated: an API bearer token, or a single sign-on session. */
  authenticatedBy: 'token' | 'sso';
  /** The person signed in through SSO; absent for API tokens. */
  identity?: SsoIdentity;
  hubVersion: string;
}

/** Issues, lists, revokes and checks API bearer tokens. */
@Injectable()
export class TokenService {
  constructor(
    @Inject(ApiTokenRepository) private readonly tokens: ApiTokenRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
  ) {}

  /**
   * Creates a token, expiring after 90 days unless the request says otherwise; the secret is in
   * the result and nowhere else, ever.
   */
  async create(
    input: { name: string; role?: Role; projects?: Record<string, Role> } & ExpiryRequest,
    actor: Actor,
  ): Promise<TokenView & { token: string }> {
    const expiry = decideExpiry(input, this.clock.now());
    if (!expiry.ok) throw new InvalidInputError(expiry.message);
    const projects = checkProjectRoles(input.projects ?? {});
    if (input.role === undefined && Object.keys(projects).length === 0)
      throw new InvalidInputError('a token needs a role, roles within projects (projects), or both');
    const secret = this.secrets.newToken('flt');
    const row = await this.uow.run(async (tx) => {
      if (await this.tokens.findByName(input.name, tx))
        throw new ConflictError(`a token named '${input.name}' already exists`);
      const names = Object.keys(projects);
      const known = new Set((await this.projects.findByNames(names, tx)).map((p) => p.name));
      const unknown = names.find((n) => !known.has(n));
      // a reference to a project that does not exist, like an application's unknown repository
      if (unknown) throw new NotFoundError('project', unknown);
      const saved = await this.tokens.insert(tx, {
        id: this.secrets.uuid(),
        name: input.name,
        role: input.role ?? null,
        projects,
        secretHash: this.secrets.hashToken(secret),
        secretPrefix: secret.slice(0, 8),
        expiresAt: expiry.expiresAt,
      });
      await this.audit.record(tx, {
        actor,
        action: 'token.created',
        details: {
          tokenId: saved.id,
          name: saved.name,
          role: saved.role,
          projects: saved.projects,
          expiresAt: saved.expiresAt?.toISOString() ?? null,
        },
      });
      return saved;
    });
    return { ...toView(row), token: secret };
  }

  async list(): Promise<TokenView[]> {
    return (await this.tokens.list()).map(toView);
  }

  async revoke(id: string, actor: Actor): Promise<void> {
    // A token revoking itself would lock its holder out mid-session (the seeded admin token
    // could leave the hub with no admin at all): revoke it with another token.
    if (actor.type === 'token' && actor.id === id)
      throw new ConflictError('a token cannot revoke itself: revoke it with another admin token');
    await this.uow.run(async (tx) => {
      const row = await this.tokens.findById(id, tx);
      if (!row) throw new NotFoundError('token', id);
      await this.tokens.delete(tx, id);
      await this.audit.record(tx, {
        actor,
        action: 'token.revoked',
        details: { tokenId: row.id, name: row.name, role: row.role, projects: row.projects },
      });
    });
  }

  /** Resolves a bearer secret to its principal, or throws 401 (saying so when it expired). */
  async authenticate(secret: string): Promise<Principal> {
    const row = await this.tokens.findBySecretHash(this.secrets.hashToken(secret));
    if (!row) throw new UnauthenticatedError();
    const now = this.clock.now();
    // Only the holder of the secret gets here, so naming the token tells them nothing new.
    if (isExpired(row.expiresAt, now))
      throw new UnauthenticatedError(
        `token '${row.name}' expired at ${row.expiresAt!.toISOString()}: ask an admin for a new one`,
      );
    // The stored time moves at most once a minute (see ApiTokenRepository.touch): a token used
    // within the minute costs no statement, which matters for a client making many calls.
    if (lastUseDue(row.lastUsedAt, now)) await this.tokens.touch(row.id, now);
    return {
      tokenId: row.id,
      name: row.name,
      role: row.role as Role | null,
      projects: (row.projects ?? {}) as Record<string, Role>,
      expiresAt: row.expiresAt,
      lastUsedAt: row.lastUsedAt,
    };
  }

  /** The caller as `GET /api/v1/whoami` shows it: the token or SSO identity, never a secret. */
  whoami(p: Principal): WhoamiView {
    return {
      tokenId: p.tokenId,
      name: p.name,
      role: p.role,
      projects: { ...p.projects },
      expiresAt: p.expiresAt?.toISOString() ?? null,
      lastUsedAt: p.lastUsedAt?.toISOString() ?? null,
      authenticatedBy: p.identity ? 'sso' : 'token',
      ...(p.identity ? { identity: { ...p.identity, groups: [...p.identity.groups] } } : {}),
      hubVersion: HUB_VERSION,
    };
  }

  /**
   * On a database without tokens, creates the first admin token: the seeded one when given,
   * else a new one, which is handed to `deliver` (it writes the 0600 file) before the
   * transaction commits, so a token that could not be delivered is never stored either.
   * Replicas starting together serialise on a lock, so only one admin token is ever made.
   * It never expires: it is the way back in when every other admin token has lapsed.
   */
  async bootstrap(
    seed: string | null,
    deliver: (secret: string) => Promise<void> = () => Promise.resolve(),
  ): Promise<{ created: boolean; generated: boolean }> {
    return this.uow.run(async (tx) => {
      await this.tokens.lockBootstrap(tx);
      if ((await this.tokens.count(tx)) > 0) return { created: false, generated: false };
      const secret = seed ?? this.secrets.newToken('flt');
      const saved = await this.tokens.insert(tx, {
        id: this.secrets.uuid(),
        name: 'admin',
        role: 'admin',
        projects: {},
        secretHash: this.secrets.hashToken(secret),
        secretPrefix: secret.slice(0, 8),
        expiresAt: null,
      });
      await this.audit.record(tx, {
        actor: SYSTEM_ACTOR,
        action: 'token.created',
        details: {
          tokenId: saved.id,
          name: saved.name,
          role: saved.role,
          bootstrap: true,
          seeded: seed !== null,
        },
      });
      if (!seed) await deliver(secret);
      return { created: true, generated: !seed };
    });
  }
}

/** Project roles as given: names must be project names, roles one of {@link ROLES}. */
function checkProjectRoles(given: Record<string, unknown>): Record<string, Role> {
  const out: Record<string, Role> = {};
  const entries = Object.entries(given);
  if (entries.length > 100) throw new InvalidInputError('projects: at most 100 projects');
  for (const [name, role] of entries) {
    if (!new RegExp(PROJECT_NAME_SOURCE).test(name) || name.length > 63)
      throw new InvalidInputError(`projects: '${name}' is not a project name`);
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role))
      throw new InvalidInputError(`projects.${name}: role must be one of: ${ROLES.join(', ')}`);
    out[name] = role as Role;
  }
  return out;
}

function toView(t: ApiTokenEntity): TokenView {
  return {
    id: t.id,
    name: t.name,
    role: t.role as Role | null,
    projects: { ...(t.projects as Record<string, Role>) },
    prefix: t.secretPrefix,
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}
