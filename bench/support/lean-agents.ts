/**
 * Lean agent simulator (issue 19): thousands of agents speaking the real v1 protocol from one
 * process of their own, so a dispatch bench measures the hub and not the harness. Each agent is
 * a few fields and one loop; every call goes over a shared pool of keep-alive sockets
 * (node:http Agent), bodies are read as text and parsed only where the protocol needs it, and a
 * bundle's object ids are computed once per digest (the bundle is still fetched by every agent
 * that has not got it, as real agents do, unless its job carries it: small bundles travel with
 * the job).
 *
 * Driven by its parent over IPC ({@link LeanCommand} in, {@link LeanEvent} out):
 *
 *   node --import tsx bench/support/lean-agents.ts      (forked by lean-fleet.ts)
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { parseCanonicalBundle } from '../../src/domain/render/render.js';
import type { JobResultV1, JobsResponseV1, JobV1 } from '../../src/protocol/v1/agent-protocol.js';

/** What the parent asks. */
export type LeanCommand =
  | { type: 'register'; hub: string; adminToken: string; n: number; fleet: string; width: number }
  | { type: 'start'; waitSeconds: number; heartbeatSeconds: number }
  | { type: 'want'; revision: string }
  | { type: 'stop' };

/** What the simulator tells its parent. */
export type LeanEvent =
  | { type: 'registered'; ms: number; clustersMs: number; registerMs: number }
  | { type: 'progress'; acked: number; failed: number; calls: number }
  | { type: 'done'; revision: string; ackedAt: number[]; failed: number; failures: Record<string, number> }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

interface SimAgent {
  i: number;
  credential: string;
  /** Digests this agent fetched: it has them (a real agent keeps the last applied one). */
  have: Set<string>;
}

// idle sockets are dropped before the hub's 65 s keep-alive timeout, so a call rarely goes out on
// a socket the hub is closing (ECONNRESET)
const http = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096, timeout: 50_000 });
let hub = '';
let agents: SimAgent[] = [];
let stopped = false;
let wanted: string | null = null;
let ackedAt: (number | undefined)[] = [];
let ackedCount = 0;
let failed = 0;
let calls = 0;
const failures: Record<string, number> = {};
/** digest → the `resources`/`inventory` ids of its objects (parsed once per bundle). */
const idsOfDigest = new Map<string, string[]>();

/** Longest wait for an answer to a call (plus the wait of a long-poll). */
const CALL_TIMEOUT_MS = 30_000;
const send = (e: LeanEvent) => process.send!(e);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One HTTP call on the shared keep-alive pool; resolves with status and body text. */
function call(
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  calls++;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      hub + path,
      {
        method,
        agent: http,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    // as the real agent: a call the hub does not answer in time fails and is retried (a long-poll
    // gets its wait on top), rather than leaving the agent waiting forever
    req.setTimeout(CALL_TIMEOUT_MS + (path.includes('waitSeconds=') ? 60_000 : 0), () =>
      req.destroy(new Error('timeout')),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A failure's key: the call and what went wrong (`poll 503`, `heartbeat timeout`). */
function named(call: string, e: unknown): string {
  const message = (e as Error).message.slice(0, 24);
  return message.startsWith(`${call} `) ? message : `${call} ${message}`;
}

function fail(kind: string): void {
  failed++;
  failures[kind] = (failures[kind] ?? 0) + 1;
}

async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

/** Creates N clusters through the admin API and registers an agent for each, `width` at a time. */
async function register(c: Extract<LeanCommand, { type: 'register' }>): Promise<void> {
  hub = c.hub;
  const t0 = performance.now();
  const tokens: string[] = new Array<string>(c.n);
  let clustersMs = 0;
  agents = new Array<SimAgent>(c.n);
  await pool(
    Array.from({ length: c.n }, (_, i) => i),
    c.width,
    async (i) => {
      const s = performance.now();
      const res = await call('POST', '/api/v1/clusters', c.adminToken, {
        name: `c-${i}`,
        labels: { fleet: c.fleet },
      });
      if (res.status !== 201) throw new Error(`cluster c-${i}: ${res.status} ${res.text}`);
      tokens[i] = (JSON.parse(res.text) as { registration: { token: string } }).registration.token;
      clustersMs += performance.now() - s;
      const reg = await call('POST', '/api/v1/agent/register', '', {
        registrationToken: tokens[i],
        agentVersion: 'lean-0.1',
        kubernetesVersion: 'v1.37.2',
      });
      if (reg.status !== 201 && reg.status !== 200)
        throw new Error(`register c-${i}: ${reg.status} ${reg.text}`);
      agents[i] = {
        i,
        credential: (JSON.parse(reg.text) as { credential: string }).credential,
        have: new Set(),
      };
    },
  );
  const ms = performance.now() - t0;
  send({ type: 'registered', ms, clustersMs: clustersMs / c.width, registerMs: ms - clustersMs / c.width });
}

/** The object ids of a bundle, fetching it for this agent (unless it has it) and parsing once per digest. */
async function bundleIds(a: SimAgent, digest: string, carried?: string): Promise<string[] | null> {
  const cached = idsOfDigest.get(digest);
  if (cached && a.have.has(digest)) return cached;
  // as the real agent: the copy a job carries (small bundles) spares the request
  let text = carried;
  if (text === undefined) {
    const res = await call('GET', `/api/v1/agent/bundles/${encodeURIComponent(digest)}`, a.credential);
    if (res.status !== 200) {
      fail(`bundle ${res.status}`);
      return null;
    }
    text = res.text;
  }
  a.have.add(digest);
  if (cached) return cached;
  const ids = parseCanonicalBundle(Buffer.from(text, 'utf8')).map((o) => {
    const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    return `${group}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  });
  idsOfDigest.set(digest, ids);
  return ids;
}

/** Reports the job succeeded, under one reportId until the hub acknowledges it. */
async function finish(a: SimAgent, job: JobV1): Promise<void> {
  const reportId = randomUUID();
  let backoff = 1_000;
  while (!stopped) {
    try {
      const ids =
        job.bundleDigest && job.kind !== 'remove' ? await bundleIds(a, job.bundleDigest, job.bundle) : [];
      if (ids === null) throw new Error('bundle');
      const result: JobResultV1 = {
        reportId,
        outcome: 'succeeded',
        resources: ids.map((id) => ({ id, action: 'created', health: 'Current' })),
        inventory: ids,
      };
      const res = await call('POST', `/api/v1/agent/jobs/${job.id}/result`, a.credential, result);
      if (res.status >= 500) throw new Error(`result ${res.status}`);
      if (res.status >= 300) {
        fail(`result ${res.status}`);
        return;
      }
      if (job.revision === wanted && ackedAt[a.i] === undefined) {
        ackedAt[a.i] = Date.now();
        if (++ackedCount === agents.length) done();
      }
      return;
    } catch (e) {
      fail(named('result', e));
      await sleep(backoff / 2 + Math.random() * (backoff / 2));
      backoff = Math.min(backoff * 2, 10_000);
    }
  }
}

async function pollLoop(a: SimAgent, waitSeconds: number): Promise<void> {
  let backoff = 1_000;
  while (!stopped) {
    let jobs: JobV1[];
    try {
      const res = await call('GET', `/api/v1/agent/jobs?waitSeconds=${waitSeconds}&limit=10`, a.credential);
      if (res.status !== 200) throw new Error(`poll ${res.status}`);
      jobs = (JSON.parse(res.text) as JobsResponseV1).jobs;
      backoff = 1_000;
    } catch (e) {
      fail(named('poll', e));
      await sleep(backoff / 2 + Math.random() * (backoff / 2));
      backoff = Math.min(backoff * 2, 10_000);
      continue;
    }
    for (const job of jobs) await finish(a, job);
  }
}

async function heartbeatLoop(a: SimAgent, seconds: number): Promise<void> {
  // spread over the interval, as agents started at different times are
  await sleep(Math.random() * seconds * 1000);
  while (!stopped) {
    try {
      const res = await call('POST', '/api/v1/agent/heartbeat', a.credential, {
        agentVersion: 'lean-0.1',
        kubernetesVersion: 'v1.37.2',
      });
      if (res.status >= 300) fail(`heartbeat ${res.status}`);
    } catch (e) {
      fail(named('heartbeat', e));
    }
    await sleep(seconds * 1000);
  }
}

function done(): void {
  send({
    type: 'done',
    revision: wanted!,
    ackedAt: ackedAt.map((t) => t ?? NaN),
    failed,
    failures,
  });
}

process.on('message', (c: LeanCommand) => {
  const run = async () => {
    switch (c.type) {
      case 'register':
        return register(c);
      case 'start':
        for (const a of agents) {
          void pollLoop(a, c.waitSeconds);
          if (c.heartbeatSeconds > 0) void heartbeatLoop(a, c.heartbeatSeconds);
        }
        setInterval(() => send({ type: 'progress', acked: ackedCount, failed, calls }), 1000).unref();
        return;
      case 'want':
        wanted = c.revision;
        ackedAt = new Array<number | undefined>(agents.length);
        ackedCount = 0;
        return;
      case 'stop':
        stopped = true;
        http.destroy();
        send({ type: 'stopped' });
        return;
    }
  };
  run().catch((e: Error) => send({ type: 'error', message: e.message }));
});
