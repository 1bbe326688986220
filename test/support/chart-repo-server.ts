import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { run } from './vcs-process.js';

/** A real HTTP chart repository: a directory made by `helm package` + `helm repo index`, served over node:http. */
export interface ChartRepoServer {
  /** Base URL of the repository (serves `index.yaml`), no trailing slash. */
  readonly url: string;
  /** Directory served. */
  readonly root: string;
  /** Requests served so far, by path (`/index.yaml`, `/web-1.0.0.tgz`). */
  readonly requests: Map<string, number>;
  /** Every request's path and Authorization header, in order (to prove where credentials went). */
  readonly seen: { path: string; authorization: string | undefined }[];
  /**
   * Writes a chart (files relative to its directory) to a work directory, runs the real
   * `helm package` on it into the served directory, and re-runs `helm repo index --merge`
   * (a new publication). Returns the archive's file name.
   */
  publish(name: string, version: string, files?: Record<string, string>): Promise<string>;
  /**
   * Adds a hand-made archive to the index (for hostile archives); `digest` defaults to its real
   * sha256, `url` to the archive's relative name here (give an absolute one to point elsewhere).
   */
  publishRaw(name: string, version: string, tgz: Buffer, digest?: string, url?: string): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link startChartRepoServer}. */
export interface ChartRepoServerOptions {
  /** Path of the helm binary (see ensureHelm). */
  helm: string;
  /** Require HTTP basic auth with these credentials. */
  auth?: { username: string; password: string };
}

/** Starts the server on 127.0.0.1 and a free port; `close()` stops it and deletes its files. */
export async function startChartRepoServer(options: ChartRepoServerOptions): Promise<ChartRepoServer> {
  const base = await mkdtemp(join(tmpdir(), 'flotilla-chart-repo-'));
  const root = join(base, 'repo');
  const work = join(base, 'work');
  await mkdir(root);
  await mkdir(work);
  const requests = new Map<string, number>();
  const seen: ChartRepoServer['seen'] = [];

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    requests.set(path, (requests.get(path) ?? 0) + 1);
    seen.push({ path, authorization: req.headers.authorization });
    if (options.auth) {
      const expected = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="charts"' });
        res.end('authentication required');
        return;
      }
    }
    const name = path.slice(1);
    if (!/^[A-Za-z0-9._+-]+$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(root, name)).then(
      (body) => {
        res.writeHead(200, { 'content-type': name.endsWith('.yaml') ? 'text/yaml' : 'application/gzip' });
        res.end(body);
      },
      () => res.writeHead(404).end('not found'),
    );
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  const helmEnv = {
    PATH: process.env.PATH ?? '',
    HOME: work,
    HELM_CACHE_HOME: join(work, '.cache'),
    HELM_CONFIG_HOME: join(work, '.config'),
  };

  // --merge keeps the entries already published, as a real repository's publishing job does.
  const reindex = async () => {
    const merge = await readFile(join(root, 'index.yaml')).then(
      () => ['--merge', join(root, 'index.yaml')],
      () => [],
    );
    await run(options.helm, ['repo', 'index', root, ...merge], { env: helmEnv });
  };

  return {
    url,
    root,
    requests,
    seen,
    async publish(name, version, files = {}) {
      const dir = join(work, `${name}-${version}`, name);
      await rm(dir, { recursive: true, force: true });
      const all: Record<string, string> = {
        'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: ${version}\ndescription: test chart ${name}\ntype: application\n`,
        ...files,
      };
      for (const [file, content] of Object.entries(all)) {
        await mkdir(join(dir, file, '..'), { recursive: true });
        await writeFile(join(dir, file), content);
      }
      await run(options.helm, ['package', dir, '--destination', root], { env: helmEnv });
      await reindex();
      return `${name}-${version}.tgz`;
    },
    async publishRaw(name, version, tgz, digest, url) {
      const file = `${name}-${version}.tgz`;
      await writeFile(join(root, file), tgz);
      const indexPath = join(root, 'index.yaml');
      const index = (await readFile(indexPath).then(
        (b) => parse(b.toString('utf8')) as { entries?: Record<string, unknown[]> },
        () => ({ apiVersion: 'v1', entries: {} }),
      )) as { entries: Record<string, unknown[]> };
      index.entries ??= {};
      (index.entries[name] ??= []).push({
        apiVersion: 'v2',
        name,
        version,
        created: new Date().toISOString(),
        digest: digest ?? createHash('sha256').update(tgz).digest('hex'),
        urls: [url ?? file],
      });
      await writeFile(indexPath, stringify(index));
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(base, { recursive: true, force: true });
    },
  };
}
