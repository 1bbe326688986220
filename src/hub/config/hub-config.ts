import { resolve } from 'node:path';

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
  adminToken: string | null;
  /** Base64 or hex 32-byte key of the audit chain's HMAC and checkpoint signatures; generated into dataDir when absent. */
  auditKey: string | null;
  /** Take a signed audit checkpoint after this many new events... */
  auditCheckpointEvery: number;
  /** ...or after this many seconds with new events, whichever first; 0 turns checkpoints off. */
  auditCheckpointIntervalSeconds: number;
  allowFileUrls: boolean;
  registrationTokenTtlSeconds: number;
  logLevel: string;
  /** Serve Swagger UI at /api/docs. */
  swaggerUi: boolean;
  /** How often this replica looks for repositories due for polling; 0 turns polling off. */
  pollTickMs: number;
  /** How often this replica requeues expired job leases and marks silent clusters; 0 turns it off. */
  sweepIntervalMs: number;
  /** A cluster whose agent is silent this long is shown Disconnected. */
  disconnectAfterSeconds: number;
  /**
   * Base URL agents use to reach this hub (`FLOTILLA_PUBLIC_URL`), put into the join commands
   * and agent manifests. Null: `http://<host>:<port>` of this process, known only once it listens.
   */
  publicUrl: string | null;
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
    adminToken: env.FLOTILLA_ADMIN_TOKEN || null,
    auditKey: env.FLOTILLA_AUDIT_KEY || null,
    auditCheckpointEvery: int(env, 'FLOTILLA_AUDIT_CHECKPOINT_EVERY', 1000, 1, 10_000_000),
    auditCheckpointIntervalSeconds: int(env, 'FLOTILLA_AUDIT_CHECKPOINT_INTERVAL_SECONDS', 300, 0, 86_400),
    allowFileUrls: bool(env, 'FLOTILLA_ALLOW_FILE_URLS', false),
    registrationTokenTtlSeconds: int(env, 'FLOTILLA_REGISTRATION_TOKEN_TTL_SECONDS', 86_400, 60, 31_536_000),
    logLevel: env.LOG_LEVEL || 'info',
    swaggerUi: bool(env, 'FLOTILLA_SWAGGER_UI', true),
    pollTickMs: int(env, 'FLOTILLA_POLL_TICK_MS', 1000, 0, 3_600_000),
    sweepIntervalMs: int(env, 'FLOTILLA_SWEEP_INTERVAL_MS', 5000, 0, 3_600_000),
    disconnectAfterSeconds: int(env, 'FLOTILLA_DISCONNECT_AFTER_SECONDS', 90, 5, 86_400),
    publicUrl: publicUrl(env, 'FLOTILLA_PUBLIC_URL'),
  };
}

/** Injection token for {@link HubConfig}. */
export const HUB_CONFIG = Symbol('HUB_CONFIG');
