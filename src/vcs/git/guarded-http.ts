import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type GitHttpRequest, type GitHttpResponse, type HttpClient } from 'isomorphic-git';
import { type CheckedTarget, type EgressGuard } from '../egress-guard.js';
import { pinnedLookup } from '../http-connect.js';

/** Redirects a request may take before it is given up. */
const MAX_REDIRECTS = 5;

/**
 * The HTTP client isomorphic-git talks through when the hub applies its egress policy. Each
 * hop (the first request and every redirect) is checked by the guard, and the socket is
 * connected to an address the guard checked (a fixed `lookup`), never to a second DNS answer.
 * Redirects are followed here rather than by a library, so that each one is checked and so
 * that the Authorization header never follows a redirect to another origin.
 */
export function guardedHttpClient(guard: EgressGuard): HttpClient {
  // Kept-alive sockets were connected to a checked address; each request is still checked.
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const body = req.body ? await collect(req.body) : undefined;
      let url = new URL(req.url);
      let method = req.method ?? 'GET';
      let headers: Record<string, string> = { ...(req.headers ?? {}) };
      for (let hop = 0; ; hop++) {
        const target = await guard.check(url);
        const res = await send(url, method, headers, method === 'GET' ? undefined : body, target, agents);
        const location = res.headers.location;
        if (!isRedirect(res.statusCode) || !location || hop >= MAX_REDIRECTS) {
          return {
            url: url.toString(),
            method,
            statusCode: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            headers: flatHeaders(res),
            body: res[Symbol.asyncIterator]() as AsyncIterableIterator<Uint8Array>,
          };
        }
        res.resume();
        const next = new URL(location, url);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') return refusedRedirect(url, res);
        if (next.origin !== url.origin) {
          headers = Object.fromEntries(
            Object.entries(headers).filter(([k]) => !['authorization', 'cookie'].includes(k.toLowerCase())),
          );
        }
        if (
          res.statusCode === 303 ||
          ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')
        )
          method = 'GET';
        url = next;
      }
    },
  };
}

function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function refusedRedirect(url: URL, res: IncomingMessage): GitHttpResponse {
  return {
    url: url.toString(),
    statusCode: res.statusCode ?? 0,
    statusMessage: 'redirect to a non-HTTP URL refused',
    headers: {},
    body: emptyBody(),
  };
}

async function* emptyBody(): AsyncIterableIterator<Uint8Array> {
  /* nothing */
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  target: CheckedTarget,
  agents: { http: HttpAgent; https: HttpsAgent },
): Promise<IncomingMessage> {
  const tls = url.protocol === 'https:';
  const doRequest = tls ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = doRequest(url, {
      method,
      headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
      lookup: pinnedLookup(target),
      agent: tls ? agents.https : agents.http,
    });
    r.once('response', resolve);
    r.once('error', reject);
    r.end(body);
  });
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

async function collect(body: AsyncIterableIterator<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
