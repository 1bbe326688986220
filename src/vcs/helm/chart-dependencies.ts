import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { DependencyFailedError, DomainError, InvalidInputError, TooLargeError } from '../../domain/errors.js';
import { urlOrigin } from '../../domain/repository-url.js';
import { type VcsCredentials } from '../vcs-backend.js';
import { unpackChartArchive } from './chart-archive.js';
import { type ChartDownloader } from './chart-http.js';
import { type ChartIndex, isSafeSegment, parseChartIndex, parseSemver } from './chart-index.js';

/** How {@link vendorChartDependencies} reaches chart repositories, and its bounds. */
export interface VendorChartDependenciesOptions {
  /**
   * Downloads an index or an archive. Use a {@link GuardedChartDownloader} built with the hub's
   * egress guard, so dependency downloads obey the same policy as repository reads.
   */
  fetch: ChartDownloader;
  /**
   * Credentials for a dependency's chart repository URL (e.g. those sealed with a registered
   * helm repository of that URL), or null to fetch anonymously. Sent only to that URL's origin.
   */
  credentialsFor(repositoryUrl: string): Promise<VcsCredentials | null> | VcsCredentials | null;
  /** Most dependencies a chart may declare. Default 32. */
  maxDependencies?: number;
  /** Largest dependency archive. Default 16 MiB. */
  maxArchiveBytes?: number;
  /** Largest sum of the archives added. Default 64 MiB. */
  maxTotalBytes?: number;
  /** Largest index.yaml of a dependency's repository. Default 32 MiB. */
  maxIndexBytes?: number;
}

/** One dependency as Chart.lock (or Chart.yaml) declares it. */
interface Dependency {
  name: string;
  version: string;
  repository: string;
}

/**
 * Returns the chart's files (paths relative to the chart directory) plus, for each dependency
 * declared in `Chart.lock` (or, without one, in `Chart.yaml` `dependencies:` with exact
 * versions) and not already vendored under `charts/`, the archive `charts/<name>-<version>.tgz`
 * downloaded from the dependency's `repository:`, what `helm dependency build` would add.
 *
 * - `https://`/`http://` repositories only; `file://` (and empty) repositories must already be
 *   vendored under `charts/`; `oci://` is refused (not supported yet).
 * - Each archive is checked against the digest its repository's index publishes, must unpack
 *   within bounds, and must be the chart and version asked for (its Chart.yaml says so).
 *   Chart.lock's own `digest:` is a hash of the dependency list, not of the archives, so the
 *   index digest is what vouches for the bytes.
 * - The input map is not modified.
 */
export async function vendorChartDependencies(
  files: ReadonlyMap<string, Buffer>,
  options: VendorChartDependenciesOptions,
): Promise<Map<string, Buffer>> {
  const out = new Map(files);
  const deps = declaredDependencies(files);
  const maxDependencies = options.maxDependencies ?? 32;
  if (deps.length > maxDependencies)
    throw new TooLargeError(`chart declares ${deps.length} dependencies, more than ${maxDependencies}`);
  const indexes = new Map<string, Promise<ChartIndex>>();
  let total = 0;
  for (const dep of deps) {
    const target = `charts/${dep.name}-${dep.version}.tgz`;
    if (files.has(target) || files.has(`charts/${dep.name}/Chart.yaml`)) continue;
    const where = `dependency '${dep.name}' ${dep.version}`;
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(dep.repository)?.[1]?.toLowerCase() ?? '';
    if (scheme === 'oci')
      throw new InvalidInputError(`${where}: OCI registries are not supported yet (${dep.repository})`);
    if (dep.repository === '' || scheme === 'file')
      throw new InvalidInputError(
        `${where}: repository '${dep.repository || '(none)'}' is local, so the chart must be vendored under charts/ (run helm dependency update and commit charts/)`,
      );
    if (scheme !== 'https' && scheme !== 'http')
      throw new InvalidInputError(
        `${where}: repository '${dep.repository}' is not an http(s) chart repository URL (aliases such as @name need the URL)`,
      );
    const credentials = (await options.credentialsFor(dep.repository)) ?? null;
    let tgz: Buffer;
    try {
      const base = new URL(dep.repository.endsWith('/') ? dep.repository : `${dep.repository}/`);
      const get = (url: string, what: string, maxBytes: number) =>
        options.fetch.get(url, { credentials, authOrigin: urlOrigin(base.toString()), maxBytes, what });
      let index = indexes.get(base.toString());
      if (!index) {
        index = get(
          new URL('index.yaml', base).toString(),
          `index.yaml of ${dep.repository}`,
          options.maxIndexBytes ?? 32 * 1024 * 1024,
        ).then(parseChartIndex);
        indexes.set(base.toString(), index);
      }
      const entry = (await index).get(dep.name)?.find((e) => e.version === dep.version);
      if (!entry) throw new DependencyFailedError(`${where}: not published in ${dep.repository}/index.yaml`);
      if (entry.urls.length === 0) throw new DependencyFailedError(`${where}: the index lists no URL for it`);
      const maxArchive = options.maxArchiveBytes ?? 16 * 1024 * 1024;
      tgz = await get(new URL(entry.urls[0], base).toString(), where, maxArchive);
      const digest = createHash('sha256').update(tgz).digest('hex');
      if (entry.digest && digest !== entry.digest)
        throw new DependencyFailedError(
          `${where}: archive digest sha256:${digest} does not match the index (sha256:${entry.digest}); refused`,
        );
      checkArchiveIsChart(tgz, dep, where, maxArchive);
      total += tgz.length;
      if (total > (options.maxTotalBytes ?? 64 * 1024 * 1024))
        throw new TooLargeError('chart dependencies: archives total over the size limit');
    } catch (e) {
      // name the dependency in every error, whichever step (index, archive, credentials) failed
      if (e instanceof DomainError && !e.message.startsWith(where)) e.message = `${where}: ${e.message}`;
      throw e;
    }
    out.set(target, tgz);
  }
  return out;
}

/** The dependencies to vendor: Chart.lock's, else Chart.yaml's (exact versions required then). */
function declaredDependencies(files: ReadonlyMap<string, Buffer>): Dependency[] {
  const lock = files.get('Chart.lock');
  const source = lock ? 'Chart.lock' : 'Chart.yaml';
  const bytes = lock ?? files.get('Chart.yaml');
  if (!bytes) throw new InvalidInputError('chart has no Chart.yaml');
  let doc: unknown;
  try {
    doc = parse(bytes.toString('utf8'), { maxAliasCount: 0 });
  } catch (e) {
    throw new InvalidInputError(`${source}: does not parse: ${(e as Error).message}`);
  }
  const list = (doc as { dependencies?: unknown } | null)?.dependencies;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new InvalidInputError(`${source}: dependencies must be a list`);
  return list.map((raw: unknown, i) => {
    const d = (raw ?? {}) as Record<string, unknown>;
    const name = typeof d.name === 'string' ? d.name : '';
    const version = typeof d.version === 'string' ? d.version : '';
    const repository = typeof d.repository === 'string' ? d.repository.trim() : '';
    if (!isSafeSegment(name))
      throw new InvalidInputError(`${source}: dependencies[${i}].name is missing or not valid`);
    if (!isSafeSegment(version) || !parseSemver(version))
      throw new InvalidInputError(
        `${source}: dependency '${name}' needs an exact version${lock ? '' : ' (or a Chart.lock)'}, not '${version}'`,
      );
    return { name, version, repository };
  });
}

/** The archive must be the chart asked for: one top directory `<name>/` whose Chart.yaml agrees. */
function checkArchiveIsChart(tgz: Buffer, dep: Dependency, where: string, maxBytes: number): void {
  const { topDir, files } = unpackChartArchive(tgz, {
    maxFileBytes: maxBytes,
    maxTotalBytes: maxBytes * 4,
    maxFiles: 10_000,
  });
  const chartYaml = files.get('Chart.yaml');
  const meta = chartMeta(chartYaml);
  if (topDir !== dep.name || meta?.name !== dep.name || String(meta.version) !== dep.version)
    throw new DependencyFailedError(`${where}: the downloaded archive is not that chart and version`);
}

function chartMeta(chartYaml: Buffer | undefined): { name?: unknown; version?: unknown } | null {
  try {
    return chartYaml ? (parse(chartYaml.toString('utf8'), { maxAliasCount: 0 }) as { name?: unknown }) : null;
  } catch {
    return null; // not YAML: refused by the caller like any other mismatch
  }
}
