/**
 * The agent's side of the v1 protocol (docs/agent-protocol.md): every connection is opened by
 * the agent, outbound HTTP(S) only. Failures are typed so the caller knows whether to buffer
 * and retry (hub unreachable or failing) or to drop (the hub refused the request for good).
 */
import {
  AGENT_API,
  type HeartbeatV1,
  type JobResultV1,
  type JobV1,
  type JobsResponseV1,
  type RegisterResponseV1,
  type ReportAckV1,
  type StatusReportV1,
} from '../protocol/v1/agent-protocol.js';

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
  ): Promise<RegisterResponseV1>;
  jobs(waitSeconds: number, limit: number, signal?: AbortSignal): Promise<JobV1[]>;
  bundle(digest: string): Promise<Buffer>;
  result(jobId: string, result: JobResultV1): Promise<ReportAckV1>;
  status(report: StatusReportV1): Promise<ReportAckV1>;
  heartbeat(beat: HeartbeatV1): Promise<void>;
  setCredential(credential: string): void;
}

/** {@link HubClient} over `fetch`. */
export class HttpHubClient implements HubClient {
  private credential: string | null = null;

  constructor(private readonly hubUrl: string) {}

  setCredential(credential: string): void {
    this.credential = credential;
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<Buffer> {
    const headers: Record<string, string> = {};
    if (this.credential) headers.authorization = `Bearer ${this.credential}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(`${this.hubUrl}${AGENT_API}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (e) {
      throw new HubUnavailableError(`${method} ${path}: ${(e as Error).message}`);
    }
    const bytes = Buffer.from(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
    if (res.status >= 500) throw new HubUnavailableError(`${method} ${path}: HTTP ${res.status}`);
    if (res.status === 429)
      throw new HubThrottledError(
        retryAfterMs(res.headers.get('retry-after')),
        `${method} ${path}: HTTP 429 (retry after ${res.headers.get('retry-after') ?? '?'} s)`,
      );
    if (res.status >= 400) {
      let message = bytes.toString('utf8').slice(0, 500);
      try {
        message = (JSON.parse(message) as { message?: string }).message ?? message;
      } catch {
        /* not JSON */
      }
      throw new HubRejectedError(res.status, `${method} ${path}: HTTP ${res.status}: ${message}`);
    }
    return bytes;
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
  ): Promise<RegisterResponseV1> {
    return this.json('POST', '/register', { registrationToken, agentVersion, kubernetesVersion });
  }

  async jobs(waitSeconds: number, limit: number, signal?: AbortSignal): Promise<JobV1[]> {
    const res = await this.json<JobsResponseV1>(
      'GET',
      `/jobs?waitSeconds=${waitSeconds}&limit=${limit}`,
      undefined,
      {
        signal,
        timeoutMs: (waitSeconds + 15) * 1000,
      },
    );
    return res.jobs;
  }

  bundle(digest: string): Promise<Buffer> {
    return this.call('GET', `/bundles/${encodeURIComponent(digest)}`, undefined, { timeoutMs: 120_000 });
  }

  result(jobId: string, result: JobResultV1): Promise<ReportAckV1> {
    return this.json('POST', `/jobs/${encodeURIComponent(jobId)}/result`, result);
  }

  status(report: StatusReportV1): Promise<ReportAckV1> {
    return this.json('POST', '/status', report);
  }

  async heartbeat(beat: HeartbeatV1): Promise<void> {
    await this.call('POST', '/heartbeat', beat);
  }
}
