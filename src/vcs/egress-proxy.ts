import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { type Duplex } from 'node:stream';
import { EgressRefusedError, type EgressGuard } from './egress-guard.js';

/** A forward proxy for one svn or git invocation; `refusal` says why it refused a hop, if it did. */
export interface EgressProxy {
  readonly port: number;
  readonly refusal: EgressRefusedError | null;
  /** Code of the first failed upstream connection (`ECONNREFUSED`…), which the client only sees as a 502. */
  readonly upstreamError: string | null;
  close(): Promise<void>;
}

/**
 * Starts an HTTP forward proxy on 127.0.0.1 that svn (`servers:global:http-proxy-*`) or git
 * (`http.proxy`) is told to use for http(s) repositories. Both resolve names themselves, and svn
 * follows redirects on its own; through this proxy every request and every CONNECT, redirects
 * included, is checked by the egress guard and connected to the address the guard checked. One
 * proxy per invocation, so a refusal is attributed to the command that caused it.
 */
export async function startEgressProxy(guard: EgressGuard): Promise<EgressProxy> {
  let refusal: EgressRefusedError | null = null;
  let upstreamError: string | null = null;
  const failed = (e: unknown) => (upstreamError ??= (e as { code?: string }).code ?? 'connection failed');
  const sockets = new Set<Duplex>();
  const refuse = (e: unknown): boolean => {
    if (e instanceof EgressRefusedError) {
      refusal ??= e;
      return true;
    }
    return false;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
      if (url.protocol !== 'http:') throw new Error('not http');
    } catch {
      res.writeHead(400).end('absolute http URL expected');
      return;
    }
    guard.check(url).then(
      (target) => {
        const headers = { ...req.headers };
        delete headers['proxy-connection'];
        delete headers['proxy-authorization'];
        const upstream = httpRequest(
          {
            host: target.addresses[0].address,
            family: target.addresses[0].family,
            port: target.port,
            method: req.method,
            path: `${url.pathname}${url.search}`,
            headers,
            agent: false,
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('error', (e) => {
          failed(e);
          if (!res.headersSent) res.writeHead(502).end();
        });
        req.pipe(upstream);
      },
      (e: unknown) => {
        refuse(e);
        res.writeHead(403).end('refused by egress policy');
      },
    );
  });

  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    sockets.add(client);
    client.on('error', () => client.destroy());
    guard.check(new URL(`https://${req.url ?? ''}`)).then(
      (target) => {
        const upstream = connect({ host: target.addresses[0].address, port: target.port });
        sockets.add(upstream);
        upstream.once('connect', () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length) upstream.write(head);
          upstream.pipe(client);
          client.pipe(upstream);
        });
        upstream.on('error', (e) => {
          failed(e);
          client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
        });
        upstream.once('close', () => client.destroy());
      },
      (e: unknown) => {
        refuse(e);
        client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      },
    );
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get refusal() {
      return refusal;
    },
    get upstreamError() {
      return upstreamError;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
