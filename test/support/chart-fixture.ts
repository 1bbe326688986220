import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory of the `shop` chart fixture (35 templates, a CRD, a test hook, helpers, values files). */
export const SHOP_CHART_DIR = fileURLToPath(new URL('../fixtures/charts/shop', import.meta.url));

/**
 * The files of a fixture directory keyed by their path under `prefix` (`apps/shop/Chart.yaml`),
 * the shape a repository snapshot has.
 */
export async function fixtureFiles(dir: string, prefix: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.set([prefix, relative(dir, path)].filter(Boolean).join('/'), await readFile(path));
    }
  };
  await walk(dir);
  return out;
}

/** The fixture as text files for a commit through the hub's API or a VCS helper. */
export async function fixtureTextFiles(dir: string, prefix: string): Promise<Record<string, string>> {
  const files = await fixtureFiles(dir, prefix);
  return Object.fromEntries([...files].map(([path, content]) => [path, content.toString('utf8')]));
}
