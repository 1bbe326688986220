import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../src/hub/database/embedded-postgres.launcher.js';

/** A compiled hub (`node dist/src/main.js`, what `npm start` runs) started as a child process. */
export interface HubProcess {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Everything it wrote to stdout and stderr so far. */
  output: () => string;
}

export interface HubProcessOptions {
  /** Environment on top of the test's own (PORT, HOST and an empty DATABASE_URL are set). */
  env?: Record<string, string>;
  /** Extra node flags, e.g. a heap limit. */
  nodeArgs?: string[];
  /** Its own process group, so a test can kill the whole group. */
  detached?: boolean;
  /** The port to listen on; a free one by default. */
  port?: number;
}

/** Spawns the compiled hub without waiting for it (for tests of a start that must fail). */
export async function spawnHubProcess(opts: HubProcessOptions = {}): Promise<HubProcess> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), 'dist/src/main.js'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, url: `http://127.0.0.1:${port}`, exited, output: () => out };
}

/** Spawns the compiled hub and waits until it listens; throws with its output if it exits or hangs. */
export async function startHubProcess(opts: HubProcessOptions = {}, timeoutMs = 60_000): Promise<HubProcess> {
  let hub = await spawnHubProcess(opts);
  for (let retries = 3, deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (hub.child.exitCode !== null) {
      // The free port we picked was taken by another test's process before the hub bound it.
      if (opts.port === undefined && retries-- > 0 && hub.output().includes('EADDRINUSE')) {
        hub = await spawnHubProcess(opts);
        continue;
      }
      throw new Error(`hub exited: ${hub.output()}`);
    }
    if (hub.output().includes('hub listening')) return hub;
    await new Promise((r) => setTimeout(r, 100));
  }
  hub.child.kill('SIGKILL');
  throw new Error(`hub did not start: ${hub.output()}`);
}

/** SIGTERM, then the exit code. */
export function stopHubProcess(hub: HubProcess): Promise<number | null> {
  if (hub.child.exitCode !== null) return Promise.resolve(hub.child.exitCode);
  hub.child.kill('SIGTERM');
  return hub.exited;
}
