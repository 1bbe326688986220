import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../src/hub/database/embedded-postgres.launcher.js';

/** Node's heap limit for bench hubs: what the Helm chart sets (helm/flotilla-hub, maxHeapMiB). */
export const HUB_HEAP_ARG = '--max-old-space-size=768';

/** Admin token the benchmark hubs are seeded with. */
export const BENCH_ADMIN = 'flt_bench_admin_token_0123456789';

/** A compiled hub (`dist/src/main.js`) in its own process, so its memory can be read alone. */
export interface HubProcess {
  url: string;
  child: ChildProcess;
  api(method: string, path: string, body?: unknown): Promise<any>;
  stop(): Promise<void>;
}

/**
 * Starts `node dist/src/main.js` on a free port against `databaseUrl` (build first). Benchmarks
 * run the compiled hub because tsx does not emit the decorator metadata Nest relies on.
 * HUB_LOG_LEVEL=info shows its logs; HUB_NODE_ARGS replaces the Node options (the chart's heap
 * limit by default), e.g. `--max-old-space-size=768 --cpu-prof` profiles it.
 */
export async function startHubProcess(
  databaseUrl: string,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<HubProcess> {
  const port = await freePort();
  // the heap limit the Helm chart gives the hub (maxHeapMiB) unless HUB_NODE_ARGS says otherwise
  const nodeArgs = (process.env.HUB_NODE_ARGS ?? HUB_HEAP_ARG).split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, 'dist/src/main.js'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      FLOTILLA_DATA_DIR: dataDir,
      FLOTILLA_ADMIN_TOKEN: BENCH_ADMIN,
      FLOTILLA_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
      FLOTILLA_POLL_TICK_MS: '0',
      // The bench Git servers listen on loopback, which the egress policy refuses by default.
      FLOTILLA_REPOSITORY_ALLOWED_HOSTS: '127.0.0.0/8,::1',
      LOG_LEVEL: process.env.HUB_LOG_LEVEL ?? 'warn',
      ...env,
    },
    stdio: ['ignore', process.env.HUB_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 300 || child.exitCode !== null) throw new Error('hub did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    async api(method, path, body) {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${BENCH_ADMIN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : null;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([
        new Promise((r) => child.once('exit', r)),
        new Promise((r) => setTimeout(r, 10_000)),
      ]);
      child.kill('SIGKILL');
    },
  };
}
