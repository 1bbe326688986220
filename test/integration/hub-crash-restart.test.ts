import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedPostgresBinary, freePort } from '../../src/hub/database/embedded-postgres.launcher.js';
import { type HubProcess, spawnHubProcess, startHubProcess } from '../support/hub-process.js';

const run = promisify(execFile);
const ADMIN = 'flt_crash-restart-admin-0123456789';
let dataDir: string;
const pgdata = () => join(dataDir, 'postgres', 'pgdata');

beforeAll(async () => {
  // What `npm start` runs: the compiled hub.
  await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
  dataDir = await mkdtemp(join(tmpdir(), 'flotilla-crash-'));
  await chmod(dataDir, 0o711);
}, 120_000);
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

type Hub = HubProcess;

/** `node dist/src/main.js` on the test's data directory; `detached` gives it its own process group. */
function spawnHub(port: number, detached = false): Promise<Hub> {
  return spawnHubProcess({ port, detached, env: hubEnv() });
}

/**
 * A restart after a crash runs Postgres' crash recovery first, and the whole suite keeps both
 * cores busy: allow most of the test's own budget rather than the usual minute.
 */
function startHub(detached = false): Promise<Hub> {
  return startHubProcess({ detached, env: hubEnv() }, 150_000);
}

const hubEnv = () => ({ FLOTILLA_DATA_DIR: dataDir, FLOTILLA_ADMIN_TOKEN: ADMIN });

async function stopHub(hub: Hub): Promise<void> {
  hub.child.kill('SIGTERM');
  expect(await hub.exited).toBe(0);
}

const api = (hub: Hub, method: string, path: string, body?: unknown) =>
  fetch(hub.url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const lockFile = () => readFile(join(pgdata(), 'postmaster.pid'), 'utf8').catch(() => '');

/** Polls until `done` answers true, for at most a minute. */
async function until(done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600 && !(await done()); i++) await new Promise((r) => setTimeout(r, 100));
}

async function postmasterPid(): Promise<number> {
  return Number((await lockFile()).split('\n')[0]);
}

/** A process that still runs: a zombie (exited, not yet reaped by whatever adopted it) is not. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('restarting the hub on the data directory of a crashed one (npm start)', () => {
  it('comes back with its state after only the hub process was SIGKILLed', async () => {
    const first = await startHub();
    expect((await api(first, 'POST', '/api/v1/clusters', { name: 'before-crash' })).status).toBe(201);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startHub();
    expect((await api(second, 'GET', '/api/v1/clusters/before-crash')).status).toBe(200);
    await stopHub(second);
  }, 180_000);

  it('comes back at once after its whole process group was SIGKILLed', async () => {
    const first = await startHub(true);
    expect((await api(first, 'POST', '/api/v1/clusters', { name: 'group-killed' })).status).toBe(201);
    process.kill(-first.child.pid!, 'SIGKILL');
    await first.exited;

    const second = await startHub();
    expect((await api(second, 'GET', '/api/v1/clusters/group-killed')).status).toBe(200);
    await stopHub(second);
  }, 180_000);

  it('stops an orphaned server of its own data directory, left with no parent, and starts afresh', async () => {
    // A postmaster of this data directory whose starter is gone, as a hub killed where the
    // kernel cannot signal its children leaves it: started through a process that exits at once.
    const postgres = await embeddedPostgresBinary();
    const asRoot = process.getuid?.() === 0;
    const ids = asRoot
      ? {
          uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
          gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
        }
      : {};
    // The server of the previous test may still be finishing its shutdown: its lock file and
    // status line must not be mistaken for the orphan's.
    await until(async () => (await lockFile()) === '');
    const port = await freePort();
    const starter = `const [bin, dir, port, ids] = process.argv.slice(1);
      const c = require('node:child_process').spawn(bin, ['-D', dir, '-p', port, '-c', 'listen_addresses=127.0.0.1',
        '-c', 'unix_socket_directories='], { ...JSON.parse(ids), detached: true, stdio: 'ignore' });
      process.stdout.write(String(c.pid));
      c.unref();`;
    const { stdout } = await run(process.execPath, [
      '-e',
      starter,
      postgres,
      pgdata(),
      String(port),
      JSON.stringify(ids),
    ]);
    const orphan = Number(stdout);
    await until(async () => {
      const lock = await lockFile();
      return Number(lock.split('\n')[0]) === orphan && lock.includes('ready');
    });
    expect(alive(orphan)).toBe(true);

    const hub = await startHub();
    expect(hub.output()).toContain(
      `stopping the embedded Postgres (process ${orphan}) left running by a previous hub`,
    );
    expect(alive(orphan)).toBe(false);
    expect(await postmasterPid()).not.toBe(orphan);
    expect((await api(hub, 'GET', '/api/v1/clusters/group-killed')).status).toBe(200);
    await stopHub(hub);
  }, 180_000);

  it('refuses a data directory whose postmaster.pid names a live process that is not its server', async () => {
    const foreign = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await writeFile(join(pgdata(), 'postmaster.pid'), `${foreign.pid}\n${pgdata()}\n`);
      const hub = await spawnHub(await freePort());
      expect(await hub.exited).toBe(1);
      expect(hub.output()).toContain(
        `flotilla: hub failed to start: the embedded Postgres data directory ${pgdata()} is in use by process ${foreign.pid}`,
      );
      expect(alive(foreign.pid!)).toBe(true);
    } finally {
      foreign.kill('SIGKILL');
      await rm(join(pgdata(), 'postmaster.pid'), { force: true });
    }
  }, 60_000);
});
