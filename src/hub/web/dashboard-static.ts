import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Paths the dashboard never answers: the API and the operational endpoints stay Nest's. */
const RESERVED = /^\/(api(\/|$)|healthz$|readyz$|metrics$)/;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * Where the built dashboard is: `dist/web`, seen from the compiled hub (`dist/src/hub/web`) or
 * from its TypeScript source (`src/hub/web`, under tests). Null when it was not built.
 */
export function dashboardDir(): string | null {
  const top = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  // Compiled: `top` is dist/ itself. From source: the repository, whose web/ holds the sources.
  const dir = basename(top) === 'dist' ? join(top, 'web') : join(top, 'dist', 'web');
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

interface Req {
  method: string;
  path: string;
}
interface Res {
  statusCode: number;
  setHeader(name: string, value: string): void;
  end(): void;
}

/**
 * Express middleware serving the dashboard's static files at `/`, and its `index.html` for any
 * other GET outside the API (client-side routes such as `/applications/web`). Hashed assets are
 * cached for a year, `index.html` never.
 */
export function dashboardMiddleware(root: string) {
  const base = resolve(root) + sep;
  return (req: Req, res: Res, next: () => void) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || RESERVED.test(req.path)) return next();
    let rel: string;
    try {
      rel = decodeURIComponent(req.path);
    } catch {
      return next();
    }
    let file = resolve(base, '.' + normalize('/' + rel));
    const isFile = file.startsWith(base) && existsSync(file) && statSync(file).isFile();
    if (!isFile) {
      // A missing asset is a 404, not the application shell.
      if (rel.startsWith('/assets/')) return next();
      file = join(base, 'index.html');
    }
    const ext = extname(file);
    res.statusCode = 200;
    res.setHeader('content-type', TYPES[ext] ?? 'application/octet-stream');
    res.setHeader(
      'cache-control',
      rel.startsWith('/assets/') && isFile ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    res.setHeader('x-content-type-options', 'nosniff');
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res as unknown as NodeJS.WritableStream);
  };
}
