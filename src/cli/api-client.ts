import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError } from './errors.js';

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined | null>;

/** A page of a list route: `{items, nextCursor}`. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The hub answered with an error status; `message` is the hub's own message. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Send no Authorization header (public routes such as the OpenAPI document). */
  anonymous?: boolean;
  /** The timeout covers the answer's headers, not its (streamed) body. */
  headersOnlyTimeout?: boolean;
}

/**
 * A thin fetch wrapper over the hub's REST API: bearer auth, JSON in and out, and errors mapped
 * to one line a person can act on (the hub's `message`; "cannot reach the hub" when the
 * connection fails; a hint to log in again on 401).
 */
export class ApiClient {
  constructor(
    readonly hubUrl: string,
    private readonly token: string | null,
    private readonly timeoutMs = 60_000,
  ) {}

  /** GET returning parsed JSON. */
  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, { query });
  }

  /** POST with an optional JSON body. */
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>('POST', path, { body });
  }

  /** PATCH with a JSON body. */
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('PATCH', path, { body });
  }

  /** PUT with a JSON body. */
  put<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('PUT', path, { body });
  }

  /** DELETE with an optional JSON body; resolves to the status (202 and 204 mean different things). */
  async delete(path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await this.send('DELETE', path, { body });
    return { status: res.status, body: await parseJson(res) };
  }

  /** GET of raw bytes (file content). */
  async bytes(path: string, query?: Query): Promise<Buffer> {
    const res = await this.send('GET', path, { query });
    return Buffer.from(await res.arrayBuffer());
  }

  /**
   * GET of a streamed answer (JSON Lines), written to `out` as it arrives with backpressure. The
   * timeout covers the hub's first answer only: a long export keeps going as long as bytes flow.
   */
  async streamTo(path: string, query: Query, out: NodeJS.WritableStream): Promise<void> {
    const res = await this.send('GET', path, { query, headersOnlyTimeout: true });
    if (!res.body) return;
    await pipeline(Readable.fromWeb(res.body), out, { end: false });
  }

  /** GET of a route that needs no token. */
  anonymous<T>(path: string): Promise<T> {
    return this.json<T>('GET', path, { anonymous: true });
  }

  /**
   * Every item of a list route, following `nextCursor`, up to `max` items. Pages are as large
   * as the hub allows (500); `FLOTILLA_PAGE_SIZE` makes them smaller (tests, slow links).
   */
  async all<T>(path: string, query: Query = {}, max = Infinity): Promise<T[]> {
    const out: T[] = [];
    const pageSize = Number(process.env.FLOTILLA_PAGE_SIZE) || 500;
    let cursor: string | null = null;
    do {
      const limit = Math.min(pageSize, max - out.length);
      const page: Page<T> = await this.get<Page<T>>(path, { ...query, limit, cursor });
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && out.length < max);
    return out;
  }

  private async json<T>(method: string, path: string, opts: RequestOptions): Promise<T> {
    const res = await this.send(method, path, opts);
    return (await parseJson(res)) as T;
  }

  private async send(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const url = new URL(this.hubUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token && !opts.anonymous) headers.authorization = `Bearer ${this.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    // A streamed body may take longer than the timeout: then it covers the first answer only.
    const abort = new AbortController();
    const timer = opts.headersOnlyTimeout
      ? setTimeout(() => abort.abort(new DOMException('no answer in time', 'TimeoutError')), this.timeoutMs)
      : undefined;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.headersOnlyTimeout ? abort.signal : AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new CliError(`cannot reach the hub at ${this.hubUrl}: ${describeFetchError(e)}`);
    } finally {
      clearTimeout(timer);
    }
    if (res.ok) return res;
    const message = errorMessage(res.status, await res.text());
    if (res.status === 401)
      throw new ApiError(401, `${message} (run flotilla login${this.token ? ' with a valid token' : ''})`);
    throw new ApiError(res.status, message);
  }
}

async function parseJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(`the hub answered ${res.status} with something that is not JSON`);
  }
}

/** The hub's `{message}` (a string, or a list from validation), else the status line. */
function errorMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string' && body.message) return body.message;
    if (Array.isArray(body.message)) return body.message.map(String).join('; ');
  } catch {
    /* not JSON: fall through */
  }
  return `the hub answered ${status}${text ? `: ${text.slice(0, 200).trim()}` : ''}`;
}

function describeFetchError(e: unknown): string {
  if (e instanceof Error && e.name === 'TimeoutError') return 'no answer in time';
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.message || cause?.code) return cause.message || cause.code!;
  return e instanceof Error ? e.message : String(e);
}

/** Encodes each segment of a repository path for a URL, keeping the slashes. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map(encodeURIComponent)
    .join('/');
}

/** `/api/v1/<collection>/<id-or-name>`, the name encoded. */
export function itemPath(collection: string, idOrName: string): string {
  return `/api/v1/${collection}/${encodeURIComponent(idOrName)}`;
}
