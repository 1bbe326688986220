import { randomUUID } from 'node:crypto';
import { type Logger } from 'pino';

interface Req {
  headers: Record<string, string | string[] | undefined>;
  method: string;
  url: string;
  id?: string;
}
interface Res {
  statusCode: number;
  writableFinished: boolean;
  setHeader(name: string, value: string): void;
  once(event: 'close', f: () => void): void;
}

/** A request id a client may choose (echoed and logged): short, no spaces or separators. */
const GIVEN_ID = /^[\w.-]{1,128}$/;

/**
 * One log line per request, after it ends: `error` for a 5xx, `warn` for a 4xx, `info` for the
 * rest, with the request id (the client's `x-request-id` when it is a safe one, else a new one,
 * echoed in the response), method, URL as `urlForLog` makes it safe to log, status and time.
 * Nothing is built for a line the level drops: on the agents' hot paths a request logger costs a
 * header and a timestamp, not a child logger per request.
 */
export function requestLog(logger: Logger, urlForLog: (url: string) => string) {
  return (req: Req, res: Res, next: () => void): void => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && GIVEN_ID.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader('x-request-id', id);
    const started = Date.now();
    res.once('close', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          req: { id, method: req.method, url: urlForLog(req.url) },
          res: { statusCode: status },
          responseTime: Date.now() - started,
        },
        res.writableFinished ? 'request completed' : 'request aborted',
      );
    });
    next();
  };
}
