import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { DomainError, RateLimitedError, type DomainErrorKind } from '../../domain/errors.js';
import { scrubUrls } from '../../domain/repository-url.js';
import { VcsAuthenticationError } from '../../vcs/index.js';

const KIND_STATUS: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'rate-limited': 429,
  'dependency-failed': 424,
  unavailable: 503,
};

/** Postgres SQLSTATE classes and driver errors that mean "the database is not reachable". */
const DB_DOWN =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting|shutting) up|terminating connection/i;
const DB_DOWN_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  'ECONNREFUSED',
]);

/** The JSON error body of every failed request. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** Each problem of a refused expression with its position (custom health checks). */
  problems?: unknown[];
}

/** Maps any error to the status and message a caller should see; never a stack or a secret. */
export function toErrorBody(err: unknown): ErrorBody {
  const body = (statusCode: number, message: string): ErrorBody => ({
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message: scrubUrls(message),
  });
  // The repository's stored credentials failed, not the caller's token: 424, not 401.
  if (err instanceof VcsAuthenticationError) return body(424, err.message);
  if (err instanceof DomainError) {
    const b = body(KIND_STATUS[err.kind], err.message);
    const problems = err.details?.problems;
    return Array.isArray(problems) ? { ...b, problems } : b;
  }
  if (err instanceof HttpException) {
    // Nest turns body-parser's SyntaxError into a 400 carrying the parser's bare message.
    if (err.cause instanceof SyntaxError)
      return body(400, `request body is not valid JSON: ${err.cause.message}`);
    const res = err.getResponse();
    const msg =
      typeof res === 'string'
        ? res
        : Array.isArray((res as { message?: unknown }).message)
          ? (res as { message: string[] }).message.join('; ')
          : typeof (res as { message?: unknown }).message === 'string'
            ? (res as { message: string }).message
            : err.message;
    return body(err.getStatus(), msg);
  }
  const e = err as {
    type?: string;
    status?: number;
    code?: string;
    message?: string;
    driverError?: { code?: string };
  };
  if (e?.type === 'entity.parse.failed') return body(400, 'request body is not valid JSON');
  if (e?.type === 'entity.too.large') return body(413, 'request body is too large');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return body(415, 'request body encoding is not supported');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500)
    return body(e.status, e.message ?? 'bad request');
  const code = e?.driverError?.code ?? e?.code;
  if (code === '23505') return body(409, 'the object conflicts with one that already exists');
  // untranslatable_character / character_not_in_repertoire: text or jsonb cannot hold U+0000.
  if (code === '22P05' || code === '22021')
    return body(400, 'the request holds a NUL character (\\u0000), which cannot be stored');
  if ((code && DB_DOWN_CODES.has(code)) || DB_DOWN.test(e?.message ?? ''))
    return body(503, 'the database is unavailable; try again shortly');
  return body(500, 'internal error');
}

/** Writes {@link ErrorBody} for every exception; logs server errors with their stack. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('http');

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<{
      status(n: number): { json(b: unknown): void };
      setHeader(name: string, value: string): void;
      headersSent?: boolean;
    }>();
    const b = toErrorBody(err);
    if (b.statusCode >= (HttpStatus.INTERNAL_SERVER_ERROR as number)) {
      const e = err as Error;
      this.log.error(
        scrubUrls(`${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`),
        e?.stack ? scrubUrls(e.stack) : undefined,
      );
    }
    if (res.headersSent) return;
    if (err instanceof RateLimitedError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    // A route's @Header (text/yaml, octet-stream) is set before the handler runs: an error
    // body is JSON whatever the route would have answered.
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.status(b.statusCode).json(b);
  }
}
