import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SYSTEM_ACTOR, type Actor } from '../../domain/audit-chain.js';
import {
  ConflictError,
  DependencyFailedError,
  DomainError,
  ForbiddenError,
  UnauthenticatedError,
} from '../../domain/errors.js';
import { grantsNothing, resolveSsoGrant } from '../../domain/sso-role-mapping.js';
import { AuditService } from '../audit/audit.service.js';
import { HUB_CONFIG, type HubConfig, type SsoConfig } from '../config/hub-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import {
  OIDC_CLIENT,
  OidcRefusal,
  type LoginChecks,
  type OidcClient,
  type VerifiedIdToken,
} from './oidc.client.js';
import { actorOf, type Principal, type SsoIdentity } from './principal.js';
import { type Role } from './roles.js';
import { SsoSessionRepository } from './sso-session.repository.js';

/** Prefix of SSO session secrets, so the guard knows a bearer secret is a session, not an API token. */
export const SSO_SESSION_PREFIX = 'flts';

/** Path of the callback the provider redirects browsers to, below the public URL. */
export const SSO_CALLBACK_PATH = '/api/v1/auth/sso/callback';

/**
 * A request URL as it may be logged: the callback's query (an authorization code, the state) is
 * a credential for a few seconds and never belongs in a log.
 */
export function loggableUrl(url: string): string {
  return url.startsWith(SSO_CALLBACK_PATH) && url.includes('?')
    ? `${url.slice(0, url.indexOf('?'))}?[redacted]`
    : url;
}

/** How long a browser may take at the provider between login and callback. */
const LOGIN_TTL_MS = 10 * 60_000;

const LOGIN_CONTEXT = 'sso-login';

/** A new session: its secret goes to its owner (cookie or CLI) and nowhere else. */
export interface NewSession {
  secret: string;
  expiresAt: Date;
  maxAgeSeconds: number;
  name: string;
}

/** What the dashboard learns before anyone signs in. */
export interface SsoPublicConfig {
  enabled: boolean;
  /** Where the "Sign in with SSO" button goes; null when SSO is off. */
  loginUrl: string | null;
  /** Whether `flotilla login --sso` can work (a CLI client id is configured). */
  cli: { issuer: string; clientId: string; scopes: string[] } | null;
}

/** Thrown for a refused sign-in; the reason is safe to show (no token contents). */
export class SsoRefusedError extends UnauthenticatedError {}

/**
 * Single sign-on: the code flow with PKCE for the dashboard, ID tokens from the CLI's device
 * flow, sessions (stored hashed, expiring, revoked at logout) and the principal of a session.
 * Group → role mapping happens at login; a person whose groups map to nothing is refused.
 */
@Injectable()
export class SsoService {
  private readonly log = new Logger('sso');
  private readonly sso: SsoConfig | null;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(SsoSessionRepository) private readonly sessions: SsoSessionRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(FailedAuthLimiter) private readonly limiter: FailedAuthLimiter,
    @Optional() @Inject(OIDC_CLIENT) private readonly oidc: OidcClient | null,
  ) {
    this.sso = config.sso;
  }

  /** Whether single sign-on is configured. */
  get enabled(): boolean {
    return this.sso !== null && this.oidc !== null;
  }

  /** True when the session cookie must be Secure (the hub is reached over https). */
  get secureCookies(): boolean {
    return this.config.publicUrl?.startsWith('https:') ?? false;
  }

  /** The origin state-changing cookie-authenticated requests must come from. */
  get publicOrigin(): string | null {
    return this.config.publicUrl ? new URL(this.config.publicUrl).origin : null;
  }

  publicConfig(): SsoPublicConfig {
    const sso = this.enabled ? this.sso : null;
    return {
      enabled: sso !== null,
      loginUrl: sso ? '/api/v1/auth/sso/login' : null,
      cli: sso?.cliClientId ? { issuer: sso.issuer, clientId: sso.cliClientId, scopes: sso.scopes } : null,
    };
  }

  /** Starts a dashboard login: the provider URL to redirect to, and the sealed checks for the login cookie. */
  async beginLogin(): Promise<{ redirectTo: string; loginCookie: string }> {
    const { oidc } = this.need();
    const { url, checks } = await oidc.beginLogin(this.redirectUri()).catch((e: unknown) => {
      throw this.unreachable(e);
    });
    const exp = this.clock.now().getTime() + LOGIN_TTL_MS;
    return {
      redirectTo: url,
      loginCookie: this.secrets.seal(JSON.stringify({ ...checks, exp }), LOGIN_CONTEXT),
    };
  }

  /**
   * Finishes a dashboard login from the provider's redirect: refuses (audited) a callback
   * without this browser's login cookie, a wrong state, a code or ID token that does not verify,
   * and a person whose groups map to no role.
   */
  async finishLogin(
    query: Record<string, unknown>,
    loginCookie: string | undefined,
    from: string,
  ): Promise<NewSession> {
    const { oidc } = this.need();
    const refuse = (reason: string) => this.refuse({ client: 'browser', from, reason });
    const checks = this.openLoginCookie(loginCookie);
    if (!checks) return refuse('no login was started in this browser, or it took over 10 minutes');
    const state = typeof query.state === 'string' ? query.state : '';
    if (state !== checks.state) return refuse('the callback does not answer this login (state)');
    if (typeof query.error === 'string')
      return refuse(`the provider refused the login (${query.error.replace(/[^\w.-]/g, '').slice(0, 64)})`);
    const callback = new URL(this.redirectUri());
    for (const [k, v] of Object.entries(query)) if (typeof v === 'string') callback.searchParams.set(k, v);
    let verified: VerifiedIdToken;
    try {
      verified = await oidc.finishLogin(callback, checks);
    } catch (e) {
      if (e instanceof OidcRefusal) return refuse(e.message);
      throw e;
    }
    return this.open(verified, 'browser', from);
  }

  /**
   * Opens a session for an ID token the CLI got through the device flow: verified against the
   * provider's keys, with the CLI's client id as audience.
   */
  async tokenLogin(idToken: string, from: string): Promise<NewSession> {
    const { oidc, sso } = this.need();
    if (!sso.cliClientId)
      throw new ConflictError('CLI sign-in is not configured on this hub (FLOTILLA_OIDC_CLI_CLIENT_ID)');
    let verified: VerifiedIdToken;
    try {
      verified = await oidc.verifyIdToken(idToken, sso.cliClientId);
    } catch (e) {
      if (e instanceof OidcRefusal) return this.refuse({ client: 'cli', from, reason: e.message });
      throw e;
    }
    return this.open(verified, 'cli', from);
  }

  /** Resolves a session secret to its principal, or throws 401 (saying so when it expired). */
  async authenticate(secret: string): Promise<Principal> {
    if (!this.enabled) throw new UnauthenticatedError('single sign-on is not configured on this hub');
    const row = await this.sessions.findBySecretHash(this.secrets.hashToken(secret));
    if (!row) throw new UnauthenticatedError('the SSO session is unknown or was logged out: sign in again');
    if (row.expiresAt.getTime() <= this.clock.now().getTime())
      throw new UnauthenticatedError(
        `the SSO session expired at ${row.expiresAt.toISOString()}: sign in again`,
      );
    await this.sessions.touch(row.id, this.clock.now());
    const identity: SsoIdentity = {
      issuer: row.issuer,
      subject: row.subject,
      email: row.email,
      groups: row.groups,
    };
    return {
      tokenId: row.id,
      name: row.email ?? row.subject,
      role: row.role as Role | null,
      projects: row.projects as Record<string, Role>,
      expiresAt: row.expiresAt,
      lastUsedAt: row.lastUsedAt,
      identity,
    };
  }

  /** Ends the caller's session (audited); bearer tokens are revoked through /tokens instead. */
  async logout(p: Principal): Promise<void> {
    // 409, not 400: the request itself is fine, the caller's kind of credential has no session.
    if (!p.identity)
      throw new ConflictError(
        'this request is not authenticated by an SSO session: nothing to log out (API tokens are revoked through /api/v1/tokens)',
      );
    await this.uow.run(async (tx) => {
      if (!(await this.sessions.delete(tx, p.tokenId))) return;
      await this.audit.record(tx, {
        actor: actorOf(p),
        action: 'auth.sso.logout',
        details: { sessionId: p.tokenId },
      });
    });
  }

  private async open(v: VerifiedIdToken, client: 'browser' | 'cli', from: string): Promise<NewSession> {
    const sso = this.need().sso;
    const groups = v.groups ?? [];
    const identity: SsoIdentity = { issuer: v.issuer, subject: v.subject, email: v.email, groups };
    const actor = actorOf({
      tokenId: '',
      name: '',
      role: null,
      projects: {},
      expiresAt: null,
      lastUsedAt: null,
      identity,
    });
    const grant = resolveSsoGrant(sso.roles, groups);
    if (grantsNothing(grant))
      return this.refuse({
        client,
        from,
        actor,
        forbidden: true,
        reason:
          v.groups === null
            ? `the ID token has no '${sso.groupsClaim}' claim, so no group maps to a role (FLOTILLA_OIDC_GROUPS_CLAIM, and the provider's scopes)`
            : 'none of your groups maps to a role on this hub: ask an administrator to add one to FLOTILLA_OIDC_ROLES',
      });
    const now = this.clock.now();
    await this.sessions.deleteExpired(now);
    const secret = this.secrets.newToken(SSO_SESSION_PREFIX);
    const expiresAt = new Date(now.getTime() + sso.sessionTtlSeconds * 1000);
    const id = this.secrets.uuid();
    await this.uow.run(async (tx) => {
      await this.sessions.insert(tx, {
        id,
        secretHash: this.secrets.hashToken(secret),
        issuer: v.issuer,
        subject: v.subject,
        email: v.email,
        groups,
        role: grant.role,
        projects: grant.projects,
        client,
        expiresAt,
      });
      await this.audit.record(tx, {
        actor,
        action: 'auth.sso.login',
        details: {
          sessionId: id,
          client,
          role: grant.role,
          projects: grant.projects,
          expiresAt: expiresAt.toISOString(),
        },
      });
    });
    return { secret, expiresAt, maxAgeSeconds: sso.sessionTtlSeconds, name: v.email ?? v.subject };
  }

  /**
   * Audits a refused sign-in (the reason, never a token) and throws 401, or 403 for a verified
   * person without a role. Refusals count against the caller's failed-authentication budget
   * first, so nobody can fill the audit trail with them (429 beyond it, not audited).
   */
  private async refuse(r: {
    client: 'browser' | 'cli';
    from: string;
    reason: string;
    actor?: Actor;
    forbidden?: boolean;
  }): Promise<never> {
    this.limiter.failed(r.from);
    const { client, reason } = r;
    this.log.warn(`SSO sign-in refused (${client}): ${reason}`);
    await this.uow.run((tx) =>
      this.audit.record(tx, {
        actor: r.actor ?? SYSTEM_ACTOR,
        action: 'auth.sso.refused',
        details: { client, reason },
      }),
    );
    throw r.forbidden
      ? new ForbiddenError(`single sign-on refused: ${reason}`)
      : new SsoRefusedError(`single sign-on refused: ${reason}`);
  }

  private openLoginCookie(sealed: string | undefined): LoginChecks | null {
    if (!sealed) return null;
    try {
      const c = JSON.parse(this.secrets.open(sealed, LOGIN_CONTEXT)) as LoginChecks & { exp: number };
      if (typeof c.exp !== 'number' || c.exp < this.clock.now().getTime()) return null;
      return { state: c.state, nonce: c.nonce, codeVerifier: c.codeVerifier };
    } catch {
      return null;
    }
  }

  private redirectUri(): string {
    return `${this.config.publicUrl}${SSO_CALLBACK_PATH}`;
  }

  private unreachable(e: unknown): unknown {
    return e instanceof OidcRefusal ? new DependencyFailedError(e.message) : e;
  }

  private need(): { oidc: OidcClient; sso: SsoConfig } {
    if (!this.sso || !this.oidc) throw new SsoDisabledError();
    return { oidc: this.oidc, sso: this.sso };
  }
}

/** Single sign-on is not configured: 404, as if the routes did not exist. */
class SsoDisabledError extends DomainError {
  constructor() {
    super('not-found', 'single sign-on is not configured on this hub (FLOTILLA_OIDC_ISSUER)');
  }
}
