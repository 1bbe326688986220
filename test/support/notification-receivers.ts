import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';

/** One request a receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A real HTTP receiver on loopback; `answer` decides each request's status (default 200). */
export interface HttpReceiver {
  url: string;
  port: number;
  received: Received[];
  answer: (n: number, r: { headers: IncomingHttpHeaders; body: string }) => number | { redirect: string };
  close(): Promise<void>;
}

/** Starts an HTTP receiver on 127.0.0.1 (or `port`, to come back on the same one after a stop). */
export async function startHttpReceiver(port = 0): Promise<HttpReceiver> {
  const r: HttpReceiver = {
    url: '',
    port: 0,
    received: [],
    answer: () => 200,
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const a = r.answer(r.received.length + 1, { headers: req.headers, body });
      if (typeof a === 'object') {
        r.received.push({ headers: req.headers, body, status: 302 });
        res.writeHead(302, { location: a.redirect }).end();
      } else {
        r.received.push({ headers: req.headers, body, status: a });
        res.writeHead(a, { 'content-type': 'text/plain' }).end(a < 300 ? 'ok' : 'no');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  r.port = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${r.port}`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}

/** A mail an SMTP receiver accepted. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  user: string | undefined;
  secure: boolean;
}

/** A real SMTP server (smtp-server) with STARTTLS under a self-signed certificate and AUTH PLAIN. */
export interface SmtpReceiver {
  port: number;
  /** PEM of the self-signed certificate, for the hub to trust. */
  certFile: string;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

/** Starts an SMTP server on 127.0.0.1 accepting `user`/`password` only over TLS. */
export async function startSmtpReceiver(user: string, password: string): Promise<SmtpReceiver> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-smtp-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    key: await readFile(keyFile),
    cert: await readFile(certFile),
    authMethods: ['PLAIN'],
    // Refuse AUTH before STARTTLS: the hub must upgrade first.
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === password) cb(null, { user: auth.username });
      else cb(new Error('invalid credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((t) => t.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.user as string | undefined,
          secure: session.secure,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    certFile,
    mails,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
