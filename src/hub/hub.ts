import { jsonBodyChecks } from './common/json-body-checks.js';
import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger } from 'pino';
import { type DataSource } from 'typeorm';
import { AuditService } from './audit/audit.service.js';
import { loggableUrl } from './auth/sso.service.js';
import { TokenService } from './auth/token.service.js';
import { HttpErrorFilter } from './common/http-error.filter.js';
import { requestLog } from './common/request-log.js';
import { type HubConfig } from './config/hub-config.js';
import { createDataSource, hasPendingMigrations, runMigrations } from './database/data-source.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './database/embedded-postgres.launcher.js';
import { UnitOfWork } from './database/unit-of-work.js';
import { HubMetrics } from './health/metrics.js';
import { HubModule } from './hub.module.js';
import { methodNotAllowed } from './openapi/method-not-allowed.js';
import { buildOpenApi } from './openapi/openapi.js';
import { deriveAuditKeys, loadAuditKey } from './platform/audit-keys.js';
import { systemClock, type Clock } from './platform/clock.js';
import { createLogger, PinoNestLogger } from './platform/logger.js';
import { NodeSecrets, parseSecretKey } from './platform/secrets.js';
import { RepositoryResealService } from './repositories/repository-reseal.service.js';
import { HUB_VERSION } from './version.js';
import { dashboardDir, dashboardMiddleware } from './web/dashboard-static.js';
import { securityHeaders } from './web/security-headers.js';

/** A running hub. */
export interface Hub {
  app: NestExpressApplication;
  url: string;
  /**
   * The 0600 file the admin token generated on this start was written to (say where, never what),
   * else null.
   */
  adminTokenFile: string | null;
  close(): Promise<void>;
}

/** Options that tests and the CLI entry point pass besides the environment's config. */
export interface StartHubOptions {
  logger?: Logger;
  /** Skip listening on a port (OpenAPI generation). */
  listen?: boolean;
  /** The hub's clock; the system clock unless a test moves time (e.g. across audit months). */
  clock?: Clock;
}

/**
 * Starts the hub: Postgres (external or embedded), migrations, the Nest application, the first
 * admin token. Every resource it opens is closed by `close()`, in reverse order.
 */
export async function startHub(config: HubConfig, opts: StartHubOptions = {}): Promise<Hub> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of cleanups.reverse())
      await c().catch((e: Error) => logger.error({ err: e.message }, 'shutdown step failed'));
    cleanups.length = 0;
  };
  try {
    // 0711: the embedded Postgres runs as its own user and must be able to pass through.
    await mkdir(config.dataDir, { recursive: true, mode: 0o711 });
    let url = config.databaseUrl;
    if (!url) {
      const pg: EmbeddedPostgres = await startEmbeddedPostgres({
        dir: join(config.dataDir, 'postgres'),
        log: (line) => logger.debug({ component: 'postgres' }, line),
        warn: (line) => logger.warn({ component: 'postgres' }, line),
      });
      cleanups.push(() => pg.stop());
      url = pg.url;
      logger.info({ port: pg.port }, 'embedded Postgres started');
    }
    const dataSource = createDataSource(url);
    await dataSource.initialize();
    cleanups.push(() => dataSource.destroy());
    await migrateOrCheck(config, url, dataSource, logger);

    const secrets = new NodeSecrets(
      await loadSecretKey(config, logger),
      config.secretKeyPrevious.map((k) => parseSecretKey(k, 'FLOTILLA_SECRET_KEY_PREVIOUS')),
    );
    const auditKeys = deriveAuditKeys(
      await loadAuditKey(config.auditKey, config.dataDir, (file) =>
        logger.warn(
          { file },
          'FLOTILLA_AUDIT_KEY not set: generated a key in the data directory (set it explicitly when running several replicas, and keep it outside the database)',
        ),
      ),
    );
    const metrics = new HubMetrics();
    const app = await NestFactory.create<NestExpressApplication>(
      HubModule.forRoot({
        config,
        dataSource,
        secrets,
        clock: opts.clock ?? systemClock,
        metrics,
        auditKeys,
      }),
      { logger: new PinoNestLogger(logger), bodyParser: false, rawBody: true, abortOnError: false },
    );
    cleanups.push(async () => {
      // Parked long-polls and keep-alive sockets of agents would hold close() for up to the
      // keep-alive timeout: drop idle sockets now and the rest after a short grace period.
      const server = app.getHttpServer() as { closeIdleConnections?(): void; closeAllConnections?(): void };
      server.closeIdleConnections?.();
      const force = setTimeout(() => server.closeAllConnections?.(), 1_000);
      await app.close();
      clearTimeout(force);
    });
    // Nothing tells a scanner which framework answers; every response carries the same headers.
    app.disable('x-powered-by');
    app.use(securityHeaders());
    app.useBodyParser('json', { limit: '8mb' });
    app.use(jsonBodyChecks());
    app.use(requestLog(logger, loggableUrl));
    app.use(
      (
        req: { method: string; route?: { path?: string } },
        res: { statusCode: number; on(e: string, f: () => void): void },
        next: () => void,
      ) => {
        const end = metrics.httpDuration.startTimer({ method: req.method });
        res.on('finish', () => {
          const route = req.route?.path ?? 'unmatched';
          end({ route });
          metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
        });
        next();
      },
    );
    // The web dashboard (built into dist/web by `npm run build`), outside /api.
    const web = dashboardDir();
    if (web) app.use(dashboardMiddleware(web));
    app.useGlobalFilters(new HttpErrorFilter());
    app.useGlobalPipes(
      new ValidationPipe({
        whitelist: true,
        forbidNonWhitelisted: true,
        transform: true,
        stopAtFirstError: false,
        validationError: { target: false, value: false },
      }),
    );
    const doc = buildOpenApi(app, HUB_VERSION);
    app.use(methodNotAllowed(doc));
    app
      .getHttpAdapter()
      .get('/api/openapi.json', (_req: unknown, res: { json(b: unknown): void }) => res.json(doc));
    if (config.swaggerUi) SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/docs-json' });
    await app.init();

    // Key the audit chain (or check this replica holds the key it was keyed with) before anything writes.
    const audit = app.get(AuditService);
    await app.get(UnitOfWork).run((tx) => audit.ensureKeyed(tx));
    audit.confirmKeyed();
    // Before serving: no value sealed the old way or under a previous key stays in use.
    await app.get(RepositoryResealService).resealAll();
    const tokenFile = join(config.dataDir, ADMIN_TOKEN_FILE);
    const boot = await app
      .get(TokenService)
      .bootstrap(config.adminToken, (secret) => writeSecretFile(tokenFile, secret));
    if (boot.created)
      logger.info(
        { seeded: !boot.generated, ...(boot.generated ? { file: tokenFile } : {}) },
        'first admin token created',
      );

    let url_ = '';
    if (opts.listen !== false) {
      // A fleet reconnects at once after a restart: a longer accept queue than Node's 511 keeps
      // thousands of agents' connections from being dropped and retried (the kernel caps it at
      // net.core.somaxconn). Nest hands what follows the port to the server's listen; its typings
      // only name a callback there.
      type ListenWithBacklog = (port: number, host: string, backlog: number) => Promise<unknown>;
      const listen = app.listen.bind(app) as unknown as ListenWithBacklog;
      await listen(config.port, config.host, LISTEN_BACKLOG);
      // Agents and load balancers reuse connections between long-polls: keep idle sockets open
      // longer than typical proxy idle timeouts so a reused socket is never closed under a request.
      const server = app.getHttpServer() as { keepAliveTimeout: number; headersTimeout: number };
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
      const addr = app.getHttpServer().address() as { port: number };
      url_ = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${addr.port}`;
      logger.info({ url: url_, version: HUB_VERSION }, 'hub listening');
    }
    return { app, url: url_, adminTokenFile: boot.generated ? tokenFile : null, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Connections the kernel may queue for the hub before it accepts them. */
const LISTEN_BACKLOG = 4096;

/** Name of the file, in the data directory, holding the generated first admin token. */
export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * Writes a secret to a file readable by this user only. The file is created with mode 0600
 * ('wx' refuses to follow or reuse anything already there, so there is no window in which it
 * is readable by others); a stale one from an earlier database is removed first.
 */
async function writeSecretFile(file: string, secret: string): Promise<void> {
  await rm(file, { force: true });
  await writeFile(file, secret + '\n', { mode: 0o600, flag: 'wx' });
}

/**
 * Applies pending migrations, under DATABASE_MIGRATION_URL when set (the schema owner, while the
 * hub runs as a role that cannot rewrite the audit trail); with FLOTILLA_MIGRATE=false only checks
 * that none are pending, so a runtime role never needs DDL rights.
 */
async function migrateOrCheck(
  config: HubConfig,
  url: string,
  dataSource: DataSource,
  logger: Logger,
): Promise<void> {
  if (!config.migrate) {
    if (await hasPendingMigrations(dataSource))
      throw new Error(
        "FLOTILLA_MIGRATE=false but the database has pending migrations: run `npm run migration:run` with the schema owner's URL first",
      );
    return;
  }
  const ownerUrl = config.databaseUrl && config.databaseMigrationUrl;
  let ds = dataSource;
  if (ownerUrl && ownerUrl !== url) {
    ds = createDataSource(ownerUrl, { poolSize: 2 });
    await ds.initialize();
  }
  try {
    const applied = await runMigrations(ds);
    if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
  } finally {
    if (ds !== dataSource) await ds.destroy();
  }
}

async function loadSecretKey(config: HubConfig, logger: Logger): Promise<Buffer> {
  if (config.secretKey) return parseSecretKey(config.secretKey);
  const file = join(config.dataDir, 'secret.key');
  if (existsSync(file)) return parseSecretKey(await readFile(file, 'utf8'));
  const key = randomBytes(32);
  // 'wx': when two replicas race on a shared directory, the first key written wins.
  await writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' }).catch(
    (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    },
  );
  logger.warn(
    { file },
    'FLOTILLA_SECRET_KEY not set: generated a key in the data directory (set it explicitly when running several replicas)',
  );
  return parseSecretKey(await readFile(file, 'utf8'));
}
