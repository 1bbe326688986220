import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { NotFoundError } from '../../domain/errors.js';
import { AuditService } from '../audit/audit.service.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { runPeriodically } from '../platform/periodic.js';
import { type SsoSessionEntity } from './sso-session.entity.js';
import { SsoSessionRepository } from './sso-session.repository.js';

/** How many live sessions one listing shows at most (newest first). */
const LIST_LIMIT = 500;

/** A live SSO session as an admin sees it: who, with what, since and until when; never its secret. */
export interface SsoSessionView {
  id: string;
  name: string;
  issuer: string;
  subject: string;
  email: string | null;
  groups: string[];
  role: string | null;
  projects: Record<string, string>;
  client: 'browser' | 'cli';
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
}

function view(r: SsoSessionEntity): SsoSessionView {
  return {
    id: r.id,
    name: r.email ?? r.subject,
    issuer: r.issuer,
    subject: r.subject,
    email: r.email,
    groups: r.groups,
    role: r.role,
    projects: r.projects,
    client: r.client,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  };
}

/**
 * The life of SSO sessions beyond sign-in and logout: admins list live sessions and revoke one
 * (audited, refused at its next request), and every replica periodically deletes expired ones.
 * The sweep takes a transaction-scoped advisory lease, so one replica sweeps per tick and the
 * others skip it; deleting expired rows is idempotent, so a lost lease costs nothing.
 */
@Injectable()
export class SsoSessionAdminService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('sso');
  private stop: (() => void) | null = null;

  constructor(
    @Inject(SsoSessionRepository) private readonly sessions: SsoSessionRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'sso'>,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.sso?.sessionSweepMs ?? 0;
    if (every <= 0) return;
    this.stop = runPeriodically(
      every,
      () => this.sweep(),
      (e) => this.log.warn(`session sweep failed: ${e.message}`),
    );
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  /** Deletes expired sessions when this replica holds the sweep lease; returns how many (null: lease held elsewhere). */
  sweep(): Promise<number | null> {
    return this.uow.run(async (tx) => {
      if (!(await this.sessions.trySweepLease(tx))) return null;
      return this.sessions.deleteExpired(this.clock.now(), tx);
    });
  }

  /** Live sessions, newest first. */
  async list(): Promise<SsoSessionView[]> {
    return (await this.sessions.listLive(this.clock.now(), LIST_LIMIT)).map(view);
  }

  /** Ends a person's session now (audited with the admin as actor); 404 when there is none. */
  async revoke(id: string, actor: Actor): Promise<void> {
    await this.uow.run(async (tx) => {
      const row = await this.sessions.findById(tx, id);
      if (!row) throw new NotFoundError('SSO session', id);
      await this.sessions.delete(tx, id);
      await this.audit.record(tx, {
        actor,
        action: 'auth.sso.revoked',
        details: {
          sessionId: id,
          issuer: row.issuer,
          subject: row.subject,
          email: row.email,
          groups: row.groups,
          client: row.client,
        },
      });
    });
  }
}
