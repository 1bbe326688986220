import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  DependencyFailedError,
  InvalidInputError,
  NotFoundError,
  TooLargeError,
} from '../../domain/errors.js';
import { urlOrigin } from '../../domain/repository-url.js';
import { type CheckedTarget, type EgressGuard } from '../egress-guard.js';
import { authHeaders, pinnedLookup } from '../http-connect.js';
import { type VcsCredentials } from '../vcs-backend.js';
import { VcsAuthenticationError, scrubUrl } from '../vcs.errors.js';

/** Redirects one download may take. */
const MAX_REDIRECTS = 5;

/** One bounded GET. */
export interface ChartGetOptions {
  /** Basic-auth credentials, sent only to `authOrigin` (never to another host, even after a redirect). */
  credentials?: VcsCredentials | null;
  /** Origin (`scheme://host:port`) the credentials belong to; default: the URL's own. */
  authOrigin?: string;
  /** The body is refused past this many bytes. */
  maxBytes: number;
  /** What is downloaded, for error messages (`index.yaml`, `chart web-1.0.0`). */
  what: string;
}

/** Downloads from chart repositories: `GET url` → body. */
export interface ChartDownloader {
  get(url: string, options: ChartGetOptions): Promise<Buffer>;
}

/**
 * Chart repository downloads over node:http(s), under the hub's egress policy like Git: each
 * hop (the first request and every redirect) is checked by the guard and the socket connects
 * to an address the guard checked, never to a second DNS answer; credentials go only to their
 * own origin; every download has a deadline and a size cap; nothing but http(s) is followed.
 */
export class GuardedChartDownloader implements ChartDownloader {
  constructor(
    /** The hub always sets one; without it (tests, single-host setups) any address is reached. */
    private readonly guard: EgressGuard | undefined,
    private readonly timeoutMs = 60_000,
  ) {}

  async get(url: string, options: ChartGetOptions): Promise<Buffer> {
    let current = parseHttpUrl(url);
    const authOrigin = options.authOrigin ?? urlOrigin(current.toString());
    const deadline = Date.now() + this.timeoutMs;
    for (let hop = 0; ; hop++) {
      const target = this.guard ? await this.guard.check(current) : null;
      const auth =
        options.credentials && urlOrigin(current.toString()) === authOrigin
          ? (authHeaders(options.credentials).Authorization ?? null)
          : null;
      const res = await send(current, auth, target, deadline - Date.now());
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if ([301, 302, 303, 307, 308].includes(status) && location) {
        res.resume();
        if (hop >= MAX_REDIRECTS) throw new DependencyFailedError(`${options.what}: too many redirects`);
        current = parseHttpUrl(new URL(location, current).toString());
        continue;
      }
      if (status === 401 || status === 403) {
        res.resume();
        throw new VcsAuthenticationError(current.toString());
      }
      if (status === 404) {
        res.resume();
        throw new NotFoundError(options.what, scrubUrl(current.toString()));
      }
      if (status < 200 || status > 299) {
        res.resume();
        throw new DependencyFailedError(`${options.what}: HTTP ${status} from the chart repository`);
      }
      return readBody(res, options, deadline);
    }
  }
}

function parseHttpUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidInputError(`chart URL '${scrubUrl(url)}' is not a valid absolute URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new InvalidInputError(
      `chart URL scheme '${u.protocol.replace(/:$/, '')}' is not allowed (http, https)`,
    );
  if (u.username || u.password) throw new InvalidInputError('chart URL must not contain credentials');
  return u;
}

function send(
  url: URL,
  auth: string | null,
  target: CheckedTarget | null,
  timeoutMs: number,
): Promise<IncomingMessage> {
  if (timeoutMs <= 0) return Promise.reject(new DependencyFailedError('chart repository timed out'));
  const doRequest = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = doRequest(url, {
      method: 'GET',
      headers: { accept: '*/*', 'user-agent': 'flotilla', ...(auth ? { authorization: auth } : {}) },
      ...(target ? { lookup: pinnedLookup(target) } : {}),
      timeout: timeoutMs,
    });
    const timer = setTimeout(
      () => r.destroy(new DependencyFailedError('chart repository timed out')),
      timeoutMs,
    );
    r.once('timeout', () => r.destroy(new DependencyFailedError('chart repository timed out')));
    r.once('response', (res) => {
      clearTimeout(timer);
      resolve(res);
    });
    r.once('error', (e) => {
      clearTimeout(timer);
      reject(
        e instanceof DependencyFailedError
          ? e
          : new DependencyFailedError(
              `chart repository unreachable (${(e as { code?: string }).code ?? 'network error'})`,
            ),
      );
    });
    r.end();
  });
}

async function readBody(res: IncomingMessage, options: ChartGetOptions, deadline: number): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    res.destroy();
    throw new TooLargeError(`${options.what}: ${declared} bytes, over the ${options.maxBytes}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const timer = setTimeout(
    () => res.destroy(new DependencyFailedError('chart repository timed out')),
    Math.max(0, deadline - Date.now()),
  );
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > options.maxBytes) {
        res.destroy();
        throw new TooLargeError(`${options.what}: over the ${options.maxBytes}-byte limit`);
      }
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof TooLargeError || e instanceof DependencyFailedError) throw e;
    throw new DependencyFailedError(
      `${options.what}: download failed (${(e as { code?: string }).code ?? 'error'})`,
    );
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}
