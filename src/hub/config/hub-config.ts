import { resolve } from 'node:path';
import { tokenWeakness } from '../../domain/token-strength.js';
import { type AllowEntry, parseAllowList } from '../../domain/egress-policy.js';
import { parseSsoRoleMapping, SsoRoleMappingError, type SsoRoleRule } from '../../domain/sso-role-mapping.js';

/** Single sign-on through an OpenID Connect provider (`FLOTILLA_OIDC_*`). */
export interface SsoConfig {
  /** The provider's issuer URL (`FLOTILLA_OIDC_ISSUER`): https, or http on a loopback host only. */
  issuer: string;
  /** The dashboard's client id (`FLOTILLA_OIDC_CLIENT_ID`). */
  clientId: string;
  /** Null: a public client (PKCE alone). */
  clientSecret: string | null;
  /** The CLI's client id (`FLOTILLA_OIDC_CLI_CLIENT_ID`), the audience of ID tokens it hands over; null: no CLI login. */
  cliClientId: string | null;
  /** The ID token claim listing the user's groups (`FLOTILLA_OIDC_GROUPS_CLAIM`). */
  groupsClaim: string;
  /** Scopes asked for (`FLOTILLA_OIDC_SCOPES`, space- or comma-separated); always includes openid. */
  scopes: string[];
  /** Group → role rules (`FLOTILLA_OIDC_ROLES`). */
  roles: SsoRoleRule[];
  /** How long a session lasts (`FLOTILLA_SSO_SESSION_TTL_SECONDS`); group changes apply at the next login. */
  sessionTtlSeconds: number;
  /** How often a replica deletes expired sessions (`FLOTILLA_SSO_SESSION_SWEEP_MS`; 0: never). */
  sessionSweepMs: number;
}

/** Everything the hub reads from its environment, parsed once at start. */
export interface HubConfig {
  port: number;
  host: string;
  /** External Postgres; when absent the hub starts an embedded one under {@link dataDir}. */
  databaseUrl: string | null;
  /**
   * Postgres URL migrations run under (`DATABASE_MIGRATION_URL`), e.g. the schema owner, while
   * {@link databaseUrl} is a runtime role without UPDATE/DELETE on the audit trail. Null: databaseUrl.
   */
  databaseMigrationUrl: string | null;
  /** Apply pending migrations at start (`FLOTILLA_MIGRATE`); when false, refuse to start if any are pending. */
  migrate: boolean;
  dataDir: string;
  /** Base64 or hex 32-byte key for repository credentials; generated into dataDir when absent. */
  secretKey: string | null;
  /**
   * Keys values may still be sealed under (`FLOTILLA_SECRET_KEY_PREVIOUS`, comma list): they
   * are only read, and the hub re-seals such values under {@link secretKey} when it starts.
   */
  secretKeyPrevious: string[];
  /**
   * Host names, addresses and networks outbound repository calls may reach although they are
   * loopback, link-local, private or otherwise non-public (`FLOTILLA_REPOSITORY_ALLOWED_HOSTS`).
   */
  repositoryAllowedHosts: AllowEntry[];
  /**
   * Non-public hosts and networks notification webhooks and SMTP servers may reach
   * (`FLOTILLA_NOTIFY_ALLOWED_HOSTS`); separate from the repositories' list.
   */
  notifyAllowedHosts: AllowEntry[];
  /** Events of one group within this many seconds become one message (`FLOTILLA_NOTIFY_GROUP_SECONDS`). */
  notifyGroupSeconds: number;
  /** How often this replica turns the outbox into messages and sends due ones (`FLOTILLA_NOTIFY_INTERVAL_MS`); 0: never. */
  notifyIntervalMs: number;
  /** Attempts of one message before it is marked failed (`FLOTILLA_NOTIFY_MAX_ATTEMPTS`). */
  notifyMaxAttempts: number;
  /** First retry delay, doubled per attempt up to an hour, with jitter (`FLOTILLA_NOTIFY_RETRY_BASE_MS`). */
  notifyRetryBaseMs: number;
  /** PEM file of extra certificate authorities trusted for SMTP and webhook TLS (`FLOTILLA_NOTIFY_CA_FILE`). */
  notifyCaFile: string | null;
  /** Seed of the first admin token; refused at start when too weak to be a bearer secret. */
  adminToken: string | null;
  /** Bearer token `/metrics` then requires (`FLOTILLA_METRICS_TOKEN`); null: /metrics is open. */
  metricsToken: string | null;
  /** Base64 or hex 32-byte key of the audit chain's HMAC and checkpoint signatures; generated into dataDir when absent. */
  auditKey: string | null;
  /** Take a signed audit checkpoint after this many new events... */
  auditCheckpointEvery: number;
  /** ...or after this many seconds with new events, whichever first; 0 turns checkpoints off. */
  auditCheckpointIntervalSeconds: number;
  /** Monthly audit partitions kept made ahead of the current month (`FLOTILLA_AUDIT_PARTITIONS_AHEAD`). */
  auditPartitionsAhead: number;
  /** Detach audit months older than this many full months (`FLOTILLA_AUDIT_RETENTION_MONTHS`); 0: keep all. */
  auditRetentionMonths: number;
  /** How often a replica makes partitions ahead and applies retention; 0: only at start. */
  auditMaintenanceIntervalSeconds: number;
  allowFileUrls: boolean;
  /** Git implementation: the git CLI when installed (`auto`, the default), or always `cli` / `isomorphic`. */
  gitImplementation: 'auto' | 'cli' | 'isomorphic';
  /** Failed authentications per client address and minute before 429s; 0 turns it off. */
  authFailuresPerMinute: number;
  registrationTokenTtlSeconds: number;
  logLevel: string;
  /** Serve Swagger UI at /api/docs (off by default; /api/openapi.json is always served). */
  swaggerUi: boolean;
  /** How often this replica looks for repositories due for polling; 0 turns polling off. */
  pollTickMs: number;
  /** How often this replica requeues expired job leases and marks silent clusters; 0 turns it off. */
  sweepIntervalMs: number;
  /**
   * How often this replica looks at progressing staged rollouts (`FLOTILLA_ROLLOUT_INTERVAL_MS`);
   * job results make it look at once. 0 turns the periodic look off.
   */
  rolloutIntervalMs: number;
  /**
   * How long an agent holds a leased job before the hub may hand it out again
   * (`FLOTILLA_JOB_LEASE_SECONDS`): the longest a job waits after its agent died mid-apply.
   */
  jobLeaseSeconds: number;
  /** How long previews are kept after they were asked for (`FLOTILLA_PREVIEW_TTL_SECONDS`). */
  previewTtlSeconds: number;
  /**
   * How long agents may answer a preview (`FLOTILLA_PREVIEW_ANSWER_SECONDS`, at most the TTL):
   * a cluster without an answer by then shows unknown.
   */
  previewAnswerSeconds: number;
  /**
   * How often this replica sweeps for applications not yet reconciled against their
   * repository's revision, or due for a retry (`FLOTILLA_RECONCILE_INTERVAL_SECONDS`); 0 turns it off.
   */
  reconcileIntervalSeconds: number;
  /**
   * Test-only fault in the in-process fleet events (`FLOTILLA_TEST_FLEET_EVENT_FAULT`): `drop`
   * loses every event as a crash right after its commit would, `fail` makes every handler throw.
   * Lets the crash tests prove the reconcile sweep alone converges.
   */
  testFleetEventFault: 'drop' | 'fail' | null;
  /** A cluster whose agent is silent this long is shown Disconnected. */
  disconnectAfterSeconds: number;
  /** Status-report budget of one agent credential: events (+1 per report) a minute, also the burst. */
  agentStatusBudgetPerMinute: number;
  /** Health check evaluations (`POST /health-checks/evaluate`) one caller may run a minute, also the burst. */
  healthEvaluateBudgetPerMinute: number;
  /**
   * Base URL agents use to reach this hub (`FLOTILLA_PUBLIC_URL`), put into the join commands
   * and agent manifests. Null: `http://<host>:<port>` of this process, known only once it listens.
   */
  publicUrl: string | null;
  /** Single sign-on; null: off (only bearer tokens). */
  sso: SsoConfig | null;
}

/** Thrown for a malformed environment variable, naming it. */
export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  return n;
}

function gitImplementation(env: NodeJS.ProcessEnv, name: string): 'auto' | 'cli' | 'isomorphic' {
  const raw = (env[name] ?? '').trim();
  if (raw === '') return 'auto';
  if (raw === 'auto' || raw === 'cli' || raw === 'isomorphic') return raw;
  throw new ConfigError(`${name} must be auto, cli or isomorphic, got "${raw}"`);
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/**
 * An absolute http(s) URL without credentials, query or fragment, trailing slashes dropped: it
 * is pasted into commands and manifests that agents on other machines run.
 */
function publicUrl(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  if (url.username || url.password) throw new ConfigError(`${name} must not contain credentials`);
  if (url.search || url.hash)
    throw new ConfigError(`${name} must not have a query or fragment, got "${raw}"`);
  return url.toString().replace(/\/+$/, '');
}

function fleetEventFault(env: NodeJS.ProcessEnv, name: string): 'drop' | 'fail' | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  if (raw === 'drop' || raw === 'fail') return raw;
  throw new ConfigError(`${name} must be drop or fail, got "${raw}"`);
}

/** A bearer secret someone chose: refused, without echoing it, when it is guessable. */
function strongSecret(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  const weak = tokenWeakness(raw);
  if (weak) throw new ConfigError(`${name} is too weak: ${weak} (generate one: openssl rand -base64 32)`);
  return raw;
}

function allowList(env: NodeJS.ProcessEnv, name: string): AllowEntry[] {
  try {
    return parseAllowList(env[name] ?? '');
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The SSO settings, or null when FLOTILLA_OIDC_ISSUER is unset (and no other FLOTILLA_OIDC_*
 * is, which would be a half-done configuration). The callback URL is built from the public URL,
 * which must be known before the first request: the provider only redirects to registered URLs.
 */
function ssoConfig(env: NodeJS.ProcessEnv, publicUrl_: string | null): SsoConfig | null {
  const issuer = env.FLOTILLA_OIDC_ISSUER || null;
  if (!issuer) {
    const stray = Object.keys(env).find((k) => k.startsWith('FLOTILLA_OIDC_') && env[k]);
    if (stray) throw new ConfigError(`${stray} is set but FLOTILLA_OIDC_ISSUER is not: set both, or neither`);
    return null;
  }
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError(`FLOTILLA_OIDC_ISSUER must be an absolute URL, got "${issuer}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)))
    throw new ConfigError(
      'FLOTILLA_OIDC_ISSUER must be an https URL (http only on a loopback host, for testing)',
    );
  if (url.username || url.password || url.search || url.hash)
    throw new ConfigError('FLOTILLA_OIDC_ISSUER must not contain credentials, a query or a fragment');
  const clientId = env.FLOTILLA_OIDC_CLIENT_ID;
  if (!clientId) throw new ConfigError('FLOTILLA_OIDC_CLIENT_ID is required with FLOTILLA_OIDC_ISSUER');
  if (!publicUrl_)
    throw new ConfigError(
      'FLOTILLA_PUBLIC_URL is required with FLOTILLA_OIDC_ISSUER: the provider redirects back to <public URL>/api/v1/auth/sso/callback',
    );
  let roles: SsoRoleRule[];
  try {
    roles = parseSsoRoleMapping(env.FLOTILLA_OIDC_ROLES ?? '');
  } catch (e) {
    if (e instanceof SsoRoleMappingError) throw new ConfigError(`FLOTILLA_OIDC_ROLES: ${e.message}`);
    throw e;
  }
  const scopes = (env.FLOTILLA_OIDC_SCOPES || 'openid email profile').split(/[\s,]+/).filter(Boolean);
  if (!scopes.includes('openid')) scopes.unshift('openid');
  const groupsClaim = env.FLOTILLA_OIDC_GROUPS_CLAIM || 'groups';
  return {
    issuer: url.toString().replace(/\/+$/, ''),
    clientId,
    clientSecret: env.FLOTILLA_OIDC_CLIENT_SECRET || null,
    cliClientId: env.FLOTILLA_OIDC_CLI_CLIENT_ID || null,
    groupsClaim,
    scopes,
    roles,
    sessionTtlSeconds: int(env, 'FLOTILLA_SSO_SESSION_TTL_SECONDS', 43_200, 60, 604_800),
    sessionSweepMs: int(env, 'FLOTILLA_SSO_SESSION_SWEEP_MS', 60_000, 0, 86_400_000),
  };
}

/** Reads the hub configuration from an environment (process.env by default). */
export function loadHubConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  return {
    port: int(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL || null,
    databaseMigrationUrl: env.DATABASE_MIGRATION_URL || null,
    migrate: bool(env, 'FLOTILLA_MIGRATE', true),
    dataDir: resolve(env.FLOTILLA_DATA_DIR || '.flotilla'),
    secretKey: env.FLOTILLA_SECRET_KEY || null,
    adminToken: strongSecret(env, 'FLOTILLA_ADMIN_TOKEN'),
    metricsToken: strongSecret(env, 'FLOTILLA_METRICS_TOKEN'),
    secretKeyPrevious: (env.FLOTILLA_SECRET_KEY_PREVIOUS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    repositoryAllowedHosts: allowList(env, 'FLOTILLA_REPOSITORY_ALLOWED_HOSTS'),
    notifyAllowedHosts: allowList(env, 'FLOTILLA_NOTIFY_ALLOWED_HOSTS'),
    notifyGroupSeconds: int(env, 'FLOTILLA_NOTIFY_GROUP_SECONDS', 10, 0, 3600),
    notifyIntervalMs: int(env, 'FLOTILLA_NOTIFY_INTERVAL_MS', 2000, 0, 3_600_000),
    notifyMaxAttempts: int(env, 'FLOTILLA_NOTIFY_MAX_ATTEMPTS', 8, 1, 100),
    notifyRetryBaseMs: int(env, 'FLOTILLA_NOTIFY_RETRY_BASE_MS', 10_000, 10, 3_600_000),
    notifyCaFile: env.FLOTILLA_NOTIFY_CA_FILE || null,
    auditKey: env.FLOTILLA_AUDIT_KEY || null,
    auditCheckpointEvery: int(env, 'FLOTILLA_AUDIT_CHECKPOINT_EVERY', 1000, 1, 10_000_000),
    auditCheckpointIntervalSeconds: int(env, 'FLOTILLA_AUDIT_CHECKPOINT_INTERVAL_SECONDS', 300, 0, 86_400),
    auditPartitionsAhead: int(env, 'FLOTILLA_AUDIT_PARTITIONS_AHEAD', 3, 1, 120),
    auditRetentionMonths: int(env, 'FLOTILLA_AUDIT_RETENTION_MONTHS', 0, 0, 1200),
    auditMaintenanceIntervalSeconds: int(env, 'FLOTILLA_AUDIT_MAINTENANCE_INTERVAL_SECONDS', 3600, 0, 86_400),
    allowFileUrls: bool(env, 'FLOTILLA_ALLOW_FILE_URLS', false),
    gitImplementation: gitImplementation(env, 'FLOTILLA_GIT_IMPLEMENTATION'),
    authFailuresPerMinute: int(env, 'FLOTILLA_AUTH_FAILURES_PER_MINUTE', 20, 0, 100_000),
    registrationTokenTtlSeconds: int(env, 'FLOTILLA_REGISTRATION_TOKEN_TTL_SECONDS', 86_400, 60, 31_536_000),
    logLevel: env.LOG_LEVEL || 'info',
    swaggerUi: bool(env, 'FLOTILLA_SWAGGER_UI', false),
    pollTickMs: int(env, 'FLOTILLA_POLL_TICK_MS', 1000, 0, 3_600_000),
    sweepIntervalMs: int(env, 'FLOTILLA_SWEEP_INTERVAL_MS', 5000, 0, 3_600_000),
    rolloutIntervalMs: int(env, 'FLOTILLA_ROLLOUT_INTERVAL_MS', 2000, 0, 3_600_000),
    jobLeaseSeconds: int(env, 'FLOTILLA_JOB_LEASE_SECONDS', 120, 1, 86_400),
    previewTtlSeconds: int(env, 'FLOTILLA_PREVIEW_TTL_SECONDS', 3600, 1, 604_800),
    previewAnswerSeconds: int(env, 'FLOTILLA_PREVIEW_ANSWER_SECONDS', 300, 1, 604_800),
    reconcileIntervalSeconds: int(env, 'FLOTILLA_RECONCILE_INTERVAL_SECONDS', 30, 0, 86_400),
    testFleetEventFault: fleetEventFault(env, 'FLOTILLA_TEST_FLEET_EVENT_FAULT'),
    disconnectAfterSeconds: int(env, 'FLOTILLA_DISCONNECT_AFTER_SECONDS', 90, 5, 86_400),
    agentStatusBudgetPerMinute: int(env, 'FLOTILLA_AGENT_STATUS_BUDGET', 1200, 10, 1_000_000),
    healthEvaluateBudgetPerMinute: int(env, 'FLOTILLA_HEALTH_EVALUATE_BUDGET', 60, 1, 1_000_000),
    publicUrl: publicUrl(env, 'FLOTILLA_PUBLIC_URL'),
    sso: ssoConfig(env, publicUrl(env, 'FLOTILLA_PUBLIC_URL')),
  };
}

/** Injection token for {@link HubConfig}. */
export const HUB_CONFIG = Symbol('HUB_CONFIG');
