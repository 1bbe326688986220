import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The client's version, from the package.json of the installed package: found by walking up
 * from this file, which works from `src/cli` (tsx) and from `dist/src/cli` alike.
 */
export function clientVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'flotilla' && pkg.version) return pkg.version;
    } catch {
      /* not here: go up */
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
