import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { JobV1 } from '../../src/protocol/v1/agent-protocol.js';
import { ProtocolAgent } from './protocol-agent.js';

/** Runs `fn` over `items` with at most `width` calls in flight. */
export async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

/**
 * Creates `n` clusters named `<prefix>-<i>` with `labels` through the admin API and registers a
 * {@link ProtocolAgent} for each (16 at a time, as an operator's script would).
 */
export async function registerAgents(
  hubUrl: string,
  adminToken: string,
  n: number,
  labels: Record<string, string>,
  prefix = 'c',
): Promise<ProtocolAgent[]> {
  const agents: ProtocolAgent[] = new Array<ProtocolAgent>(n);
  await pool(
    Array.from({ length: n }, (_, i) => i),
    16,
    async (i) => {
      const res = await fetch(`${hubUrl}/api/v1/clusters`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `${prefix}-${i}`, labels }),
      });
      const body = (await res.json()) as { registration: { token: string } };
      if (res.status !== 201)
        throw new Error(`cluster ${prefix}-${i}: ${res.status} ${JSON.stringify(body)}`);
      const a = new ProtocolAgent(hubUrl);
      const reg = await a.register(body.registration.token);
      if (!a.credential)
        throw new Error(`register ${prefix}-${i}: ${reg.status} ${JSON.stringify(reg.body)}`);
      agents[i] = a;
    },
  );
  return agents;
}

/** Options of an {@link AgentFleet}. */
export interface AgentFleetOptions {
  /** Long-poll wait the agents ask for. */
  waitSeconds?: number;
  /** Time an agent spends "applying" a job between fetching its bundle and reporting (ms). */
  applyMs?: () => number;
  /** Called when the hub acknowledged an agent's result (recorded now, or earlier under the same reportId). */
  onAck?: (agent: ProtocolAgent, job: JobV1, at: number) => void;
  /** Called when a long-poll handed the agent a job (its lease granted). */
  onDeliver?: (agent: ProtocolAgent, job: JobV1, at: number) => void;
}

/** What the agents of a fleet went through. */
export interface FleetCounters {
  /** Jobs handed to the agents (a job handed out again counts again). */
  delivered: number;
  /** Results the hub acknowledged. */
  acked: number;
  /** Calls that failed (connection refused or reset, 5xx): each one was followed by a back-off. */
  failedCalls: number;
  /** Times an agent moved to another hub URL after a connection error. */
  failovers: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// The real agent's poll back-off (1 s doubling to 10 s), with jitter so a fleet does not come
// back in lockstep.
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 10_000;

/**
 * Many {@link ProtocolAgent}s driven in one process, each behaving like the real agent: it
 * long-polls, fetches the bundle, "applies" it, and reports the result under one reportId
 * until the hub acknowledges it. A failed call (the hub is gone, or answers 5xx while its
 * database is down) is followed by an exponential back-off with jitter; on a connection
 * error the agent moves to the next of its hub URLs, as it would behind a load balancer.
 */
export class AgentFleet {
  readonly counters: FleetCounters = { delivered: 0, acked: 0, failedCalls: 0, failovers: 0 };
  /** Failed calls by kind (`unreachable`, or the call and the status it got), for the figures. */
  readonly failures = new Map<string, number>();
  /** Results the hub refused with a 4xx (that agent's loop then ended). */
  readonly refused: string[] = [];
  /** Per agent: application id → the revision of the last sync job the hub acknowledged. */
  private readonly applied = new Map<ProtocolAgent, Map<string, string>>();
  private readonly urls = new Map<ProtocolAgent, string[]>();
  private loops: Promise<void>[] = [];
  private stopped = false;

  constructor(
    readonly agents: ProtocolAgent[],
    private readonly opts: AgentFleetOptions = {},
  ) {
    for (const a of agents) {
      this.applied.set(a, new Map());
      this.urls.set(a, [a.hubUrl]);
    }
  }

  /** Points agent i at `urls[i % urls.length]`, failing over to the others in turn. */
  spread(urls: string[]): void {
    this.agents.forEach((a, i) => {
      const own = [...urls.slice(i % urls.length), ...urls.slice(0, i % urls.length)];
      this.urls.set(a, own);
      a.hubUrl = own[0];
    });
  }

  start(): void {
    this.loops = this.agents.map((a) => this.loop(a));
  }

  /** Ends every loop (a parked long-poll ends when its hub answers or goes away, at most waitSeconds). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.race([Promise.allSettled(this.loops), sleep(((this.opts.waitSeconds ?? 10) + 5) * 1000)]);
  }

  /** Agents whose last acknowledged sync of the application was `revision`. */
  convergedOn(applicationId: string, revision: string): number {
    let n = 0;
    for (const m of this.applied.values()) if (m.get(applicationId) === revision) n++;
    return n;
  }

  /** Waits until `convergedOn` reaches `count`; throws with the progress after `timeoutMs`. */
  async waitConverged(
    applicationId: string,
    revision: string,
    count: number,
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.convergedOn(applicationId, revision) < count) {
      if (Date.now() > deadline)
        throw new Error(
          `only ${this.convergedOn(applicationId, revision)}/${count} agents acknowledged revision ${revision}`,
        );
      await sleep(50);
    }
  }

  private async loop(a: ProtocolAgent): Promise<void> {
    let backoff = BACKOFF_MIN_MS;
    while (!this.stopped) {
      let jobs: JobV1[];
      try {
        jobs = await a.poll(this.opts.waitSeconds ?? 10);
        backoff = BACKOFF_MIN_MS;
      } catch (e) {
        backoff = await this.backOff(a, e, backoff);
        continue;
      }
      const at = performance.now();
      for (const job of jobs) this.opts.onDeliver?.(a, job, at);
      for (const job of jobs) {
        this.counters.delivered++;
        // One reportId per result, kept across retries: the hub records it once.
        const reportId = randomUUID();
        const ms = this.opts.applyMs?.() ?? 0;
        if (ms > 0) await sleep(ms);
        while (!this.stopped) {
          try {
            // Fetches the bundle, then reports every object applied.
            const res = await a.succeed(job, reportId);
            if (res.status >= 500) throw new Error(`result: ${res.status}`);
            if (res.status >= 300) {
              // A 4xx: the hub refused the result; retrying would not help. The test reads these.
              this.refused.push(`job ${job.id}: ${res.status} ${JSON.stringify(res.body)}`);
              return;
            }
            this.counters.acked++;
            if (job.kind === 'sync') this.applied.get(a)!.set(job.applicationId, job.revision);
            this.opts.onAck?.(a, job, performance.now());
            backoff = BACKOFF_MIN_MS;
            break;
          } catch (e) {
            backoff = await this.backOff(a, e, backoff);
          }
        }
      }
    }
  }

  /** Counts the failure, fails over on a connection error, sleeps a jittered back-off; returns the next one. */
  private async backOff(a: ProtocolAgent, e: unknown, backoff: number): Promise<number> {
    this.counters.failedCalls++;
    const kind = e instanceof TypeError ? 'unreachable' : (e as Error).message.slice(0, 24);
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
    const urls = this.urls.get(a)!;
    if (e instanceof TypeError && urls.length > 1) {
      // fetch throws a TypeError when it cannot reach the hub at all.
      a.hubUrl = urls[(urls.indexOf(a.hubUrl) + 1) % urls.length];
      this.counters.failovers++;
    }
    await sleep(backoff / 2 + Math.random() * (backoff / 2));
    return Math.min(backoff * 2, BACKOFF_MAX_MS);
  }
}
