import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubProcess, startHubProcess, stopHubProcess } from '../support/hub-process.js';

const run = promisify(execFile);
let dataDir: string;

beforeAll(async () => {
  // What `npm start` runs: the compiled hub.
  await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
  dataDir = await mkdtemp(join(tmpdir(), 'flotilla-process-'));
  await chmod(dataDir, 0o711);
}, 120_000);
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

type Started = HubProcess;

function startProcess(env: Record<string, string> = {}): Promise<Started> {
  return startHubProcess({ env: { FLOTILLA_DATA_DIR: dataDir, ...env } });
}

const stop = stopHubProcess;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the hub process (npm start)', () => {
  it('starts on an embedded Postgres, writes the admin token to a 0600 file and says where, keeps state across restarts, stops on SIGTERM', async () => {
    const first = await startProcess();
    const file = join(dataDir, 'admin-token');
    expect(first.output()).toContain(`written to ${file}`);
    // A newcomer signs in to the dashboard in one step: its URL is named next to the API example.
    expect(first.output()).toContain(`Dashboard: ${first.url}/`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const token = (await readFile(file, 'utf8')).trim();
    expect(token).toMatch(/^flt_[\w-]{40,}$/);
    // Neither printed nor logged: stdout goes to log collectors.
    expect(first.output()).not.toContain(token);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${first.url}/api/v1/clusters`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'survives' }),
    });
    expect(created.status).toBe(201);
    const pgPid = Number(
      (await readFile(join(dataDir, 'postgres', 'pgdata', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    expect(alive(pgPid)).toBe(true);

    expect(await stop(first)).toBe(0);
    expect(alive(pgPid)).toBe(false);

    const second = await startProcess();
    expect(second.output()).not.toContain('First start');
    const got = await fetch(`${second.url}/api/v1/clusters/survives`, { headers: auth });
    expect(got.status).toBe(200);
    expect(await stop(second)).toBe(0);
  }, 120_000);

  it('seeds the admin token from FLOTILLA_ADMIN_TOKEN on a fresh data directory', async () => {
    await rm(dataDir, { recursive: true, force: true });
    const seeded = 'flt_seeded-for-test-7f3a9c0e21b84d56a1c3e9f2';
    const s = await startProcess({ FLOTILLA_ADMIN_TOKEN: seeded });
    expect(s.output()).not.toContain('First start');
    await expect(stat(join(dataDir, 'admin-token'))).rejects.toThrow(/ENOENT/);
    const res = await fetch(`${s.url}/api/v1/tokens`, { headers: { authorization: `Bearer ${seeded}` } });
    expect(res.status).toBe(200);
    expect(await stop(s)).toBe(0);
  }, 120_000);

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be an integer'],
    [{ FLOTILLA_ADMIN_TOKEN: 'changeme-admin' }, 'FLOTILLA_ADMIN_TOKEN is too weak: it has 14 characters'],
    [{ FLOTILLA_METRICS_TOKEN: 'x'.repeat(40) }, 'FLOTILLA_METRICS_TOKEN is too weak: it uses only 1'],
  ])('refuses a malformed or weak setting (%j) with a message naming it', async (env, message) => {
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toContain(message);
    // A refused secret is never echoed back.
    if (!('PORT' in env)) for (const secret of Object.values(env)) expect(err).not.toContain(secret);
  });
});
