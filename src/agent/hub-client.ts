/**
 * The agent's side of the v1 protocol (docs/agent-protocol.md): every connection is opened by
 * the agent, outbound HTTP(S) only. Failures are typed so the caller knows whether to buffer
 * and retry (hub unreachable or failing) or to drop (the hub refused the request for good).
 */
import type { Agent as HttpAgent, IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  AGENT_API,
  type HeartbeatAnswerV1,
  type HeartbeatV1,
  type JobLeaseV1,
  type JobResultV1,
  type JobV1,
  type JobsResponseV1,
  type PreviewJobV1,
  type PreviewResultV1,
  type RegisterResponseV1,
  type ReportAckV1,
  type StatusReportV1,
} from '../protocol/v1/agent-protocol.js';
import { http } from './node-http.js';

/** The hub did not answer, or answered 5xx: try again later. */
export class HubUnavailableError extends Error {
  override name = 'HubUnavailableError';
}

/** The hub asked us to slow down (429): the same request may succeed after `retryAfterMs`. */
export class HubThrottledError extends HubUnavailableError {
  override name = 'HubThrottledError';
  constructor(
    readonly retryAfterMs: number,
    message: string,
  ) {
    super(message);
  }
}

/** `Retry-After` in seconds (or an HTTP date), as milliseconds; 10 s when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  const seconds = Number(header);
  if (header && Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 3600) * 1000;
  const date = header ? Date.parse(header) : NaN;
  if (Number.isFinite(date)) return Math.min(Math.max(0, date - now), 3_600_000);
  return 10_000;
}

/** The hub refused the request (4xx): retrying the same request will not help. */
export class HubRejectedError extends Error {
  override name = 'HubRejectedError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Every call the agent makes to the hub. */
export interface HubClient {
  register(
    registrationToken: string,
    agentVersion: string,
    kubernetesVersion: string,
    ageRecipient?: string,
  ): Promise<RegisterResponseV1>;
  /** Long-polls for work: sync/remove jobs, and preview jobs (none from an older hub). */
  jobs(waitSeconds: number, limit: number, signal?: AbortSignal): Promise<JobsAnswer>;
  bundle(digest: string): Promise<Buffer>;
  result(jobId: string, result: JobResultV1): Promise<ReportAckV1>;
  /** Answers a preview job (POST /previews/:id/result); 409/404 mean nobody wants it any more. */
  previewResult(previewId: string, result: PreviewResultV1): Promise<ReportAckV1>;
  /** Renews the lease of a job the agent still works on (POST /jobs/:id/lease). */
  renewLease(jobId: string): Promise<JobLeaseV1>;
  status(report: StatusReportV1): Promise<ReportAckV1>;
  /** What the hub asks of the agent, when it asks anything (an older hub never does). */
  heartbeat(beat: HeartbeatV1): Promise<HeartbeatAnswerV1 | void>;
  setCredential(credential: string): void;
}

/** The work a poll brought. */
export interface JobsAnswer {
  jobs: JobV1[];
  previews: PreviewJobV1[];
}

/** What the hub answered. */
interface HubAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A keep-alive socket the hub closed while idle: the request never reached the hub, so it is sent
 * again once on a fresh socket (the retry Node's documentation gives for `request.reusedSocket`).
 */
class StaleSocketError extends Error {
  override name = 'StaleSocketError';
}

/**
 * {@link HubClient} over node:http(s) with keep-alive sockets. Not `fetch`: its HTTP stack
 * (undici) is loaded on first use and keeps the agent about 10 MiB larger on Node 22 and 18 MiB
 * on Node 24 (measured resident size, bench/agent-process.ts), a fifth of the agent's budget
 * for four small JSON calls.
 */
export class HttpHubClient implements HubClient {
  private credential: string | null = null;
  private readonly sockets: HttpAgent;

  constructor(private readonly hubUrl: string) {
    this.sockets = hubUrl.startsWith('https:')
      ? new HttpsAgent({ keepAlive: true })
      : new http.Agent({ keepAlive: true });
  }

  setCredential(credential: string): void {
    this.credential = credential;
  }

  /** Closes the idle keep-alive sockets (the agent is stopping). */
  close(): void {
    this.sockets.destroy();
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<Buffer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.credential) headers.authorization = `Bearer ${this.credential}`;
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const url = new URL(`${this.hubUrl}${AGENT_API}${path}`);
    let res: HubAnswer;
    try {
      res = await this.exchange(url, method, headers, payload, signal).catch((e: unknown) => {
        if (e instanceof StaleSocketError) return this.exchange(url, method, headers, payload, signal);
        throw e;
      });
    } catch (e) {
      throw new HubUnavailableError(`${method} ${path}: ${(e as Error).message}`);
    }
    if (res.status >= 500) throw new HubUnavailableError(`${method} ${path}: HTTP ${res.status}`);
    if (res.status === 429) {
      const after = headerValue(res.headers['retry-after']);
      throw new HubThrottledError(
        retryAfterMs(after),
        `${method} ${path}: HTTP 429 (retry after ${after ?? '?'} s)`,
      );
    }
    if (res.status >= 400) {
      let message = res.body.toString('utf8').slice(0, 500);
      try {
        message = (JSON.parse(message) as { message?: string }).message ?? message;
      } catch {
        /* not JSON */
      }
      throw new HubRejectedError(res.status, `${method} ${path}: HTTP ${res.status}: ${message}`);
    }
    return res.body;
  }

  /** One request and its whole answer; rejects on a transport error, abort or timeout. */
  private exchange(
    url: URL,
    method: string,
    headers: Record<string, string>,
    payload: Buffer | undefined,
    signal: AbortSignal,
  ): Promise<HubAnswer> {
    const send = url.protocol === 'https:' ? httpsRequest : http.request;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.sockets, signal });
      let answered = false;
      req.once('error', (e: NodeJS.ErrnoException) => {
        const stale = req.reusedSocket && !answered && (e.code === 'ECONNRESET' || e.code === 'EPIPE');
        reject(stale ? new StaleSocketError(e.message) : e);
      });
      req.once('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('close', () => {
          if (!res.complete) reject(new Error('the hub closed the connection mid-answer'));
        });
        res.once('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.end(payload);
    });
  }

  private async json<T>(
    method: string,
    path: string,
    body?: unknown,
    options?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<T> {
    const bytes = await this.call(method, path, body, options);
    return (bytes.length ? JSON.parse(bytes.toString('utf8')) : null) as T;
  }

  register(
    registrationToken: string,
    agentVersion: string,
    kubernetesVersion: string,
    ageRecipient?: string,
  ): Promise<RegisterResponseV1> {
    return this.json('POST', '/register', {
      registrationToken,
      agentVersion,
      kubernetesVersion,
      ...(ageRecipient ? { ageRecipient } : {}),
    });
  }

  async jobs(waitSeconds: number, limit: number, signal?: AbortSignal): Promise<JobsAnswer> {
    const res = await this.json<JobsResponseV1>(
      'GET',
      `/jobs?waitSeconds=${waitSeconds}&limit=${limit}`,
      undefined,
      {
        signal,
        timeoutMs: (waitSeconds + 15) * 1000,
      },
    );
    return { jobs: res.jobs, previews: res.previews ?? [] };
  }

  bundle(digest: string): Promise<Buffer> {
    return this.call('GET', `/bundles/${encodeURIComponent(digest)}`, undefined, { timeoutMs: 120_000 });
  }

  result(jobId: string, result: JobResultV1): Promise<ReportAckV1> {
    return this.json('POST', `/jobs/${encodeURIComponent(jobId)}/result`, result);
  }

  previewResult(previewId: string, result: PreviewResultV1): Promise<ReportAckV1> {
    return this.json('POST', `/previews/${encodeURIComponent(previewId)}/result`, result);
  }

  renewLease(jobId: string): Promise<JobLeaseV1> {
    return this.json('POST', `/jobs/${encodeURIComponent(jobId)}/lease`);
  }

  status(report: StatusReportV1): Promise<ReportAckV1> {
    return this.json('POST', '/status', report);
  }

  async heartbeat(beat: HeartbeatV1): Promise<HeartbeatAnswerV1> {
    return (await this.json<HeartbeatAnswerV1 | null>('POST', '/heartbeat', beat)) ?? {};
  }
}

/** The first value of a response header. */
function headerValue(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}
