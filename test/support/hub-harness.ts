import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { loadHubConfig, type HubConfig } from '../../src/hub/config/hub-config.js';
import { startHub, type Hub } from '../../src/hub/hub.js';
import { createLogger } from '../../src/hub/platform/logger.js';
import type { Clock } from '../../src/hub/platform/clock.js';
import type { VcsRepository } from '../../src/vcs/index.js';

/** The egress allow-list test hubs get unless a test passes its own: every loopback address. */
export const TEST_ALLOWED_HOSTS = '127.0.0.0/8,::1';

/** Creates a fresh database on the test server and returns its URL. */
export async function createTestDatabase(serverUrl: string): Promise<string> {
  const name = `flotilla_test_${randomBytes(6).toString('hex')}`;
  const c = new pg.Client(serverUrl);
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A hub started for a test, with helpers to call it and read what it logged. */
export interface TestHub {
  hub: Hub;
  url: string;
  databaseUrl: string;
  adminToken: string;
  /** Every log line the hub wrote, raw JSON text. */
  logs: string[];
  api(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<ApiResponse>;
  /** Creates a token of a role through the API and returns its secret. */
  token(role: 'admin' | 'operator' | 'viewer', name?: string): Promise<string>;
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

/** One audit key for every hub a test file starts: replicas of one database must share it. */
const AUDIT_KEY = randomBytes(32).toString('base64');

/** Starts a hub on a new database of the test Postgres server, listening on a free port. */
export async function startTestHub(
  serverUrl: string,
  env: Record<string, string> = {},
  opts: { clock?: Clock } = {},
): Promise<TestHub> {
  const databaseUrl = env.DATABASE_URL ?? (await createTestDatabase(serverUrl));
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-test-hub-'));
  await chmod(dataDir, 0o711);
  // A restart on an existing database passes the token its first start seeded.
  const adminToken = env.FLOTILLA_ADMIN_TOKEN ?? `flt_test_${randomBytes(16).toString('hex')}`;
  const config: HubConfig = {
    ...loadHubConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      FLOTILLA_DATA_DIR: dataDir,
      FLOTILLA_ADMIN_TOKEN: adminToken,
      FLOTILLA_SECRET_KEY: randomBytes(32).toString('base64'),
      FLOTILLA_AUDIT_KEY: AUDIT_KEY,
      LOG_LEVEL: 'debug',
      FLOTILLA_POLL_TICK_MS: '0',
      FLOTILLA_SWEEP_INTERVAL_MS: '0',
      // Tests that exercise the reconcile sweep turn it on or call it; others stay deterministic.
      FLOTILLA_RECONCILE_INTERVAL_SECONDS: '0',
      // Auth matrices send dozens of unauthenticated requests from one address; the limiter
      // itself is tested (at its default) in test/integration/hardening.test.ts.
      FLOTILLA_AUTH_FAILURES_PER_MINUTE: '0',
      // The test Git and SVN servers listen on loopback, which the egress policy refuses by default.
      FLOTILLA_REPOSITORY_ALLOWED_HOSTS: TEST_ALLOWED_HOSTS,
      ...env,
    }),
    databaseUrl,
  };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const hub = await startHub(config, { logger: createLogger('debug', sink), clock: opts.clock });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  let n = 0;
  const api: TestHub['api'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? adminToken : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.rawBody !== undefined) {
      body = opts.rawBody;
      headers['content-type'] ??= 'application/json';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(hub.url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  return {
    hub,
    url: hub.url,
    databaseUrl,
    adminToken,
    logs,
    api,
    async token(role, name) {
      const res = await api('POST', '/api/v1/tokens', {
        body: { name: name ?? `${role}-${++n}-${randomBytes(3).toString('hex')}`, role },
      });
      if (res.status !== 201) throw new Error(`token creation failed: ${res.status} ${res.text}`);
      return res.body.token as string;
    },
    async sql(text, params) {
      return (await pool.query(text, params)).rows;
    },
    async close() {
      await pool.end();
      await hub.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers a fixture repository with the hub under `name`: a Git one by its branch, an SVN one
 * by its path, with its credentials when it has any (absent rather than null: null is refused
 * on create). Throws with the hub's answer unless it is 201.
 */
export async function registerRepository(h: TestHub, name: string, repo: VcsRepository): Promise<void> {
  const r = await h.api('POST', '/api/v1/repositories', {
    body: {
      name,
      type: repo.type,
      url: repo.url,
      ...(repo.type === 'git' ? { branch: repo.branch } : { path: repo.path }),
      ...(repo.credentials ? { credentials: repo.credentials } : {}),
    },
  });
  if (r.status !== 201) throw new Error(`registering ${name}: ${r.status} ${r.text}`);
}
