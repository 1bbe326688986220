/**
 * HTTP/2 to the API server, as kubectl and client-go speak it: every request of a bulk apply is
 * a stream on one TLS connection instead of one of a pool of HTTP/1.1 sockets, each with its
 * own headers and head-of-line wait. The TLS options, client certificate and token are the
 * ones {@link HttpsKubeTransport} uses (kubeconfig.ts). When the server does not agree to h2 in
 * the TLS handshake (ALPN), or the server is plain http, every call goes to HTTP/1.1 instead.
 * Watches stay on HTTP/1.1: they are long-lived and few, and a stream reset there is what
 * kube-watch.ts already recovers from.
 */
import {
  connect as h2connect,
  constants,
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { unavailable } from './cluster-errors.js';
import type { KubeConnection } from './kubeconfig.js';
import {
  HttpsKubeTransport,
  type KubeRequestOptions,
  type KubeResponse,
  type KubeTransport,
} from './kube-transport.js';

const CREDENTIAL_TTL_MS = 60_000;

/**
 * How a session is checked for being alive: a PING every `everyMs`, and the session closed when
 * one goes unanswered for `timeoutMs`. Every request shares the one connection, so a connection
 * that died silently (a NAT or load balancer forgetting it) would hold them all until the
 * kernel gives up; client-go checks the same way (30 s idle, 15 s PING timeout).
 */
export interface SessionLiveness {
  everyMs: number;
  timeoutMs: number;
}

/** {@link KubeTransport} over one HTTP/2 session, HTTP/1.1 when ALPN does not give h2. */
export class Http2KubeTransport implements KubeTransport {
  private readonly fallback: HttpsKubeTransport;
  private session: Promise<ClientHttp2Session | null> | null = null;
  private auth: { at: number; headers: Record<string, string> } | null = null;
  private closed = false;

  constructor(
    private readonly connection: KubeConnection,
    maxSockets = 16,
    private readonly liveness: SessionLiveness = { everyMs: 30_000, timeoutMs: 15_000 },
  ) {
    this.fallback = new HttpsKubeTransport(connection, maxSockets);
  }

  /** Which protocol the last handshake settled on (`h2`, `http/1.1`), null before any request. */
  async protocol(): Promise<'h2' | 'http/1.1'> {
    return (await this.sessionOrNull()) ? 'h2' : 'http/1.1';
  }

  private headers(): Record<string, string> {
    if (!this.auth || Date.now() - this.auth.at > CREDENTIAL_TTL_MS)
      this.auth = {
        at: Date.now(),
        headers: (this.connection.httpsOptions().headers as Record<string, string> | undefined) ?? {},
      };
    return this.auth.headers;
  }

  private sessionOrNull(): Promise<ClientHttp2Session | null> {
    if (this.connection.server.protocol !== 'https:') return Promise.resolve(null);
    this.session ??= this.open().catch((e: unknown) => {
      this.session = null;
      throw unavailable('connect', e);
    });
    return this.session;
  }

  /** One TLS handshake offering h2 and http/1.1; h2 only when the server picks it. */
  private open(): Promise<ClientHttp2Session | null> {
    const server = this.connection.server;
    const { ca, cert, key, servername, rejectUnauthorized } = this.connection.httpsOptions();
    const host = server.hostname.replace(/^\[|\]$/g, '');
    const tlsOptions: ConnectionOptions = {
      host,
      port: Number(server.port || 443),
      ca,
      cert,
      key,
      rejectUnauthorized,
      ALPNProtocols: ['h2', 'http/1.1'],
      // SNI carries names, never addresses.
      ...(servername ? { servername } : /^[\d.:]+$/.test(host) ? {} : { servername: host }),
    };
    return new Promise((resolve, reject) => {
      const socket = tlsConnect(tlsOptions);
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        socket.removeListener('error', reject);
        if (socket.alpnProtocol !== 'h2') {
          socket.destroy();
          return resolve(null);
        }
        const session = h2connect(server.origin, { createConnection: () => socket });
        const forget = () => {
          // The next request opens a new session (GOAWAY, idle close, network error).
          if (this.session && !this.closed) this.session = null;
        };
        session.once('close', forget);
        session.once('goaway', forget);
        session.on('error', forget);
        this.watchLiveness(session);
        resolve(session);
      });
    });
  }

  /**
   * PINGs the session periodically; one unanswered in time destroys it, which fails the requests
   * on it as unavailable (retryable) and makes the next request open a new session.
   */
  private watchLiveness(session: ClientHttp2Session): void {
    const { everyMs, timeoutMs } = this.liveness;
    let waiting = false;
    const timer = setInterval(() => {
      if (waiting || session.destroyed) return;
      waiting = true;
      const dead = setTimeout(
        () => session.destroy(new Error(`the API server did not answer a PING within ${timeoutMs} ms`)),
        timeoutMs,
      );
      dead.unref();
      const answered = (error: Error | null) => {
        waiting = false;
        clearTimeout(dead);
        if (error && !session.destroyed) session.destroy(error);
      };
      try {
        if (!session.ping(answered)) answered(null); // not yet connected: the next tick asks
      } catch (e) {
        answered(e as Error);
      }
    }, everyMs);
    timer.unref();
    session.once('close', () => clearInterval(timer));
  }

  async request(method: string, path: string, options: KubeRequestOptions = {}): Promise<KubeResponse> {
    let session = await this.sessionOrNull();
    if (session && (session.destroyed || session.closed)) {
      // Ended before its 'close' event forgot it (a failed PING, a GOAWAY): a stream asked of
      // it would never be answered.
      if (this.session && (await this.session) === session) this.session = null;
      session = await this.sessionOrNull();
    }
    if (!session) return this.fallback.request(method, path, options);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: OutgoingHttpHeaders = {
      ...this.headers(),
      [constants.HTTP2_HEADER_METHOD]: method,
      [constants.HTTP2_HEADER_PATH]: path,
      accept: 'application/json',
    };
    if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    return new Promise((resolve, reject) => {
      let stream;
      try {
        // Node ends a GET/HEAD/DELETE stream at once unless told: a DELETE carries DeleteOptions.
        stream = session.request(headers, {
          endStream: payload === undefined,
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (e) {
        this.session = null;
        return reject(unavailable(`${method} ${path}`, e));
      }
      let response: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.once('response', (h) => (response = h));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.once('error', (e) => reject(unavailable(`${method} ${path}`, e)));
      stream.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        if (String(response['content-type'] ?? '').includes('json')) {
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
        }
        resolve({ status: Number(response[constants.HTTP2_HEADER_STATUS] ?? 0), body });
      });
      if (payload !== undefined) stream.end(payload);
    });
  }

  stream(path: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    return this.fallback.stream(path, onLine, signal);
  }

  close(): void {
    this.closed = true;
    void this.session?.then((s) => s?.close()).catch(() => undefined);
    this.session = null;
    this.fallback.close();
  }
}
