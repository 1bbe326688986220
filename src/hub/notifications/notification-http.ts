import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pinnedLookup } from '../../vcs/http-connect.js';
import { type EgressGuard } from '../../vcs/egress-guard.js';

/** The longest a receiver may take to answer, connection included. */
export const SEND_TIMEOUT_MS = 10_000;
/** Bytes of an answer read (and then ignored) before the connection is dropped. */
const MAX_ANSWER_BYTES = 16 * 1024;

/** A send that did not succeed; `message` is safe to store (no URL path, no secret). */
export class SendFailedError extends Error {}

/**
 * POSTs `body` to `url` after the egress guard checked every address the host resolves to,
 * connecting only to those. Follows no redirect (a 3xx is a failure), reads at most a few KiB
 * of the answer and ignores it, gives up after {@link SEND_TIMEOUT_MS}. Errors name the host only:
 * a Slack URL's path is its secret.
 */
export async function postJson(
  egress: EgressGuard,
  url: string,
  body: string,
  headers: Record<string, string>,
  ca?: string[],
): Promise<void> {
  const u = new URL(url);
  const target = await egress.check(u);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  await new Promise<void>((resolve, reject) => {
    const req = request(
      u,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'flotilla-notifications',
        },
        lookup: pinnedLookup(target),
        timeout: SEND_TIMEOUT_MS,
        ...(ca ? { ca } : {}),
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        const status = res.statusCode ?? 0;
        const done = () => {
          clearTimeout(timer);
          if (status >= 200 && status < 300) resolve();
          else if (status >= 300 && status < 400)
            reject(new SendFailedError(`${u.host} answered ${status} (redirects are not followed)`));
          else reject(new SendFailedError(`${u.host} answered ${status}`));
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    // The whole exchange, not only idle time: a receiver trickling bytes cannot hold a sender.
    const timer = setTimeout(
      () => req.destroy(new SendFailedError(`${u.host} did not answer in time`)),
      SEND_TIMEOUT_MS,
    );
    req.on('timeout', () => req.destroy(new SendFailedError(`${u.host} did not answer in time`)));
    req.on('error', (e: Error & { code?: string }) => {
      clearTimeout(timer);
      reject(
        e instanceof SendFailedError ? e : new SendFailedError(`${u.host}: ${e.code ?? 'connection failed'}`),
      );
    });
    req.end(body);
  });
}
