import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './vcs-process.js';

/** A real Git smart-HTTP server (`git http-backend` behind Node's http server) on 127.0.0.1. */
export interface GitHttpServer {
  /** Directory holding the bare repositories. */
  readonly root: string;
  /** Number of HTTP requests served so far (to prove a poll is one round-trip). */
  readonly requests: number;
  /** Clone URL of a repository. */
  url(name: string): string;
  /** Creates `<name>.git` (bare, pushes over HTTP enabled, default branch `main`); returns its path. */
  createRepo(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Options of {@link startGitHttpServer}. */
export interface GitHttpServerOptions {
  /** Require HTTP basic auth with these credentials. */
  auth?: { username: string; password: string };
}

/** Starts the server on a free port; `close()` stops it and deletes its repositories. */
export async function startGitHttpServer(options: GitHttpServerOptions = {}): Promise<GitHttpServer> {
  const root = await mkdtemp(join(tmpdir(), 'flotilla-git-http-'));
  const execPath = (await run('git', ['--exec-path'])).trim();
  const backend = join(execPath, 'git-http-backend');
  let requests = 0;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    requests++;
    let user = '';
    if (options.auth) {
      const header = req.headers.authorization ?? '';
      const expected = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
      if (header !== expected) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="flotilla-test"' });
        res.end('authentication required');
        return;
      }
      user = options.auth.username;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // git http-backend speaks CGI: the request goes in as environment + stdin, the response comes
    // out as CGI headers + body on stdout.
    const child = spawn(backend, [], {
      shell: false,
      env: {
        PATH: process.env.PATH ?? '',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: user,
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      let end = head.indexOf('\r\n\r\n');
      let sep = 4;
      if (end < 0) {
        end = head.indexOf('\n\n');
        sep = 2;
      }
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + sep));
    });
    child.stderr.resume();
    child.on('close', () => {
      if (!headersDone) res.writeHead(500);
      res.end();
    });
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    root,
    get requests() {
      return requests;
    },
    url: (name) => `http://127.0.0.1:${port}/${name}.git`,
    async createRepo(name) {
      const path = join(root, `${name}.git`);
      await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', path]);
      await run('git', ['-C', path, 'config', 'http.receivepack', 'true']);
      return path;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
