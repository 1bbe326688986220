/**
 * The one place the agent speaks HTTP to an API server, through a keep-alive `https.Agent` of
 * our own: server-side apply needs exact control of the content type and query, and bulk
 * applies need connection reuse and bounded sockets. Credentials come from kubeconfig.ts.
 */
import type { IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import { http } from '../node-http.js';
import { unavailable } from './cluster-errors.js';
import { type KubeConnection } from './kubeconfig.js';

export { loadKubeConfig, type KubeConfigSource } from './kubeconfig.js';

/** A response with its body parsed as JSON when it is JSON. */
export interface KubeResponse {
  status: number;
  body: unknown;
}

/** Options of one request. */
export interface KubeRequestOptions {
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

/** The HTTP calls the cluster client makes; tests wrap it to count requests. */
export interface KubeTransport {
  request(method: string, path: string, options?: KubeRequestOptions): Promise<KubeResponse>;
  /**
   * Opens a streaming GET (watch) and calls `onLine` for each JSON line; resolves when the
   * server ends the stream, rejects on transport errors or a non-200 answer.
   */
  stream(path: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void>;
  close(): void;
}

// Service-account tokens rotate; re-reading the credentials once a minute follows them.
const CREDENTIAL_TTL_MS = 60_000;

/** {@link KubeTransport} over node:https with a bounded keep-alive socket pool. */
export class HttpsKubeTransport implements KubeTransport {
  private readonly server: URL;
  private readonly agent: Agent;
  private auth: { at: number; options: RequestOptions } | null = null;

  constructor(
    private readonly connection: KubeConnection,
    maxSockets = 16,
  ) {
    this.server = connection.server;
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  private options(): Promise<RequestOptions> {
    if (!this.auth || Date.now() - this.auth.at > CREDENTIAL_TTL_MS)
      this.auth = { at: Date.now(), options: this.connection.httpsOptions() };
    return Promise.resolve(this.auth.options);
  }

  private async open(
    method: string,
    path: string,
    options: KubeRequestOptions,
  ): Promise<{ res: IncomingMessage; abort: () => void }> {
    const base = await this.options();
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {
      ...(base.headers as Record<string, string> | undefined),
      accept: 'application/json',
    };
    if (payload !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const url = new URL(path, this.server);
    const send = url.protocol === 'http:' ? http.request : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, {
        ...base,
        method,
        headers,
        ...(url.protocol === 'https:' ? { agent: this.agent } : {}),
      });
      const onAbort = () => req.destroy(new Error('aborted'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      req.once('response', (res) => resolve({ res, abort: onAbort }));
      req.once('error', (e) => {
        options.signal?.removeEventListener('abort', onAbort);
        reject(unavailable(`${method} ${url.pathname}`, e));
      });
      req.end(payload);
    });
  }

  async request(method: string, path: string, options: KubeRequestOptions = {}): Promise<KubeResponse> {
    const { res } = await this.open(method, path, options);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res) chunks.push(chunk as Buffer);
    } catch (e) {
      throw unavailable(`${method} ${path}`, e);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    if ((res.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: res.statusCode ?? 0, body };
  }

  async stream(path: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    const { res } = await this.open('GET', path, { signal });
    if (res.statusCode !== 200) {
      res.resume();
      throw unavailable(`watch ${path}`, new Error(`HTTP ${res.statusCode}`));
    }
    let rest = '';
    // Errors thrown by onLine are the caller's (e.g. 410 Gone) and pass through unchanged.
    const own: { error?: Error } = {};
    try {
      for await (const chunk of res) {
        rest += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = rest.indexOf('\n')) >= 0) {
          const line = rest.slice(0, nl);
          rest = rest.slice(nl + 1);
          try {
            if (line.trim() !== '') onLine(line);
          } catch (e) {
            own.error = e as Error;
            throw e;
          }
        }
      }
    } catch (e) {
      res.destroy();
      if (own.error) throw own.error;
      if (signal.aborted) return;
      throw unavailable(`watch ${path}`, e);
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
