import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeCursor, encodeCursor } from '../../domain/cursor.js';
import { DependencyFailedError, InvalidInputError, NotFoundError } from '../../domain/errors.js';
import { urlOrigin } from '../../domain/repository-url.js';
import { type EgressGuard } from '../egress-guard.js';
import {
  type Commit,
  type CommitRequest,
  DEFAULT_VCS_LIMITS,
  type FileChange,
  type FileSet,
  type HistoryPage,
  type HistoryQuery,
  type Revision,
  type TreeEntry,
  type VcsBackend,
  type VcsLimits,
  type VcsRepository,
} from '../vcs-backend.js';
import { normalizeHistoryQuery } from '../vcs-input.js';
import { joinRepoPath, normalizeRepoPath } from '../vcs-path.js';
import { unpackChartArchive, type UnpackedChart } from './chart-archive.js';
import { type ChartDownloader, GuardedChartDownloader } from './chart-http.js';
import { type ChartIndex, type ChartVersionEntry, parseChartIndex, pickChartVersion } from './chart-index.js';

/** Construction options of {@link HelmRepoBackend}. */
export interface HelmRepoBackendOptions {
  /** Private directory (`<dataDir>/vcs/helm`): fetched indexes and charts, content-addressed. */
  cacheDir: string;
  limits?: Partial<VcsLimits>;
  /** Egress policy for every download, redirects included (the hub always sets one). */
  egress?: EgressGuard;
  /** Largest `index.yaml` accepted. Default 32 MiB (large public repositories reach ~20 MiB). */
  maxIndexBytes?: number;
  /** Deadline of one download. Default 60 s. */
  timeoutMs?: number;
  /** Replaces the HTTP client (the default applies `egress`). */
  downloader?: ChartDownloader;
}

const REVISION = /^[0-9a-f]{64}$/;
/** Parsed indexes kept in memory (a poll parses the current one; snapshots reuse it). */
const PARSED_INDEXES_KEPT = 8;

/**
 * A Helm chart repository (an HTTP server with an `index.yaml`) as a read-only repository.
 *
 * - A revision is the SHA-256 of the `index.yaml` bytes: publishing a chart changes the index,
 *   so the poller and webhooks see a new revision without knowing charts exist. Every index
 *   fetched is kept under its hash, so an older revision still snapshots the versions it listed.
 * - Paths: `<chart>` (its newest release) or `<chart>/<version>`; files inside a chart follow,
 *   e.g. `web/1.2.0/templates/deployment.yaml`. `tree('')` lists charts, `tree('<chart>')` its
 *   versions. A snapshot's keys are `<path>/<file>` like any backend's (`web/Chart.yaml`).
 * - Chart archives are verified against the index's digest and unpacked in memory with bounds.
 */
export class HelmRepoBackend implements VcsBackend {
  readonly type = 'helm' as const;
  private readonly limits: VcsLimits;
  private readonly http: ChartDownloader;
  private readonly maxIndexBytes: number;
  private readonly parsed = new Map<string, ChartIndex>();

  constructor(private readonly options: HelmRepoBackendOptions) {
    this.limits = { ...DEFAULT_VCS_LIMITS, ...options.limits };
    this.http = options.downloader ?? new GuardedChartDownloader(options.egress, options.timeoutMs);
    this.maxIndexBytes = options.maxIndexBytes ?? 32 * 1024 * 1024;
  }

  async resolve(repo: VcsRepository): Promise<Revision> {
    return (await this.fetchIndex(repo)).revision;
  }

  async refresh(repo: VcsRepository): Promise<Revision> {
    return this.resolve(repo);
  }

  async tree(repo: VcsRepository, revision: string, path: string): Promise<TreeEntry[]> {
    const dir = normalizeRepoPath(path, 'path', true);
    const index = await this.index(repo, revision);
    const dirEntry = (p: string): TreeEntry => ({
      name: p.split('/').pop()!,
      path: p,
      type: 'dir',
      size: null,
    });
    if (dir === '') return [...index.keys()].sort().map(dirEntry);
    const [chart, version, ...rest] = dir.split('/');
    const versions = index.get(chart);
    if (!versions) throw new NotFoundError('chart', chart);
    if (version === undefined) return versions.map((v) => dirEntry(`${chart}/${v.version}`));
    const entry = pickChartVersion(index, chart, version);
    const { files } = await this.chart(repo, entry);
    const sub = rest.join('/');
    const children = new Map<string, TreeEntry>();
    for (const [file, content] of files) {
      if (sub !== '' && !file.startsWith(`${sub}/`)) continue;
      const tail = sub === '' ? file : file.slice(sub.length + 1);
      const name = tail.split('/')[0];
      const isDir = tail.includes('/');
      children.set(name, {
        name,
        path: joinRepoPath(dir, name),
        type: isDir ? 'dir' : 'file',
        size: isDir ? null : content.length,
      });
    }
    if (children.size === 0 && sub !== '') throw new NotFoundError('path', dir);
    return [...children.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async read(repo: VcsRepository, revision: string, path: string): Promise<Buffer> {
    const p = normalizeRepoPath(path);
    const index = await this.index(repo, revision);
    const [chart, second, ...rest] = p.split('/');
    if (second === undefined) throw new InvalidInputError(`${p}: is a chart, not a file`);
    const versioned = index.get(chart)?.some((v) => v.version === second) ?? false;
    const entry = pickChartVersion(index, chart, versioned ? second : undefined);
    const file = versioned ? rest.join('/') : [second, ...rest].join('/');
    if (file === '') throw new InvalidInputError(`${p}: is a chart version, not a file`);
    const content = (await this.chart(repo, entry)).files.get(file);
    if (!content) throw new NotFoundError('path', p);
    return content;
  }

  async snapshot(repo: VcsRepository, revision: string, path: string): Promise<FileSet> {
    const p = normalizeRepoPath(path, 'path', true);
    const segments = p === '' ? [] : p.split('/');
    if (segments.length === 0 || segments.length > 2)
      throw new InvalidInputError(
        `path: a chart repository application path is '<chart>' or '<chart>/<version>', not '${p}'`,
      );
    const index = await this.index(repo, revision);
    const entry = pickChartVersion(index, segments[0], segments[1]);
    const unpacked = await this.chart(repo, entry);
    const files = new Map<string, Buffer>();
    for (const [file, content] of unpacked.files) files.set(`${p}/${file}`, content);
    return { revision: helmRevision(revision), files, totalBytes: unpacked.totalBytes };
  }

  /**
   * Published versions newest first (by `created`, then version), as history entries: one per
   * chart version, message `<chart> <version>`, author the first maintainer. `path` limits it
   * to a chart or one version. Every entry carries the current index revision, where it is
   * listed. An index has no memory of removed versions, so neither has this history.
   */
  async history(repo: VcsRepository, query: HistoryQuery): Promise<HistoryPage> {
    const q = normalizeHistoryQuery(query);
    const { revision, index } = await this.fetchIndex(repo);
    const [chart, version] = q.path === '' ? [] : q.path.split('/');
    let entries: ChartVersionEntry[] = chart ? [...(index.get(chart) ?? [])] : [...index.values()].flat();
    if (chart && entries.length === 0) throw new NotFoundError('chart', chart);
    if (version) entries = entries.filter((e) => e.version === version);
    entries.sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0));
    const start = q.cursor ? decodeCursor(q.cursor, ['number'] as const)[0] : 0;
    const page = entries.slice(start, start + q.limit);
    const items: Commit[] = page.map((e) => ({
      revision,
      author: { name: e.maintainer ?? 'unknown', email: null },
      message: `${e.name} ${e.version}${e.description ? `: ${e.description}` : ''}`,
      time: e.created ?? new Date(0),
      changedPaths: [`${e.name}/${e.version}`],
    }));
    return { items, nextCursor: start + q.limit < entries.length ? encodeCursor([start + q.limit]) : null };
  }

  /**
   * `<chart>/<version>` of every version added, removed or republished (other digest or URLs)
   * between two indexes, sorted. Both must have been fetched by this hub. `created` is left out:
   * `helm repo index` without `--merge` rewrites it for every chart it re-reads.
   */
  async changedPaths(repo: VcsRepository, from: string, to: string): Promise<string[]> {
    const [a, b] = await Promise.all([this.index(repo, from), this.index(repo, to)]);
    const key = (e: ChartVersionEntry) => JSON.stringify([e.digest, e.urls]);
    const flatten = (i: ChartIndex) =>
      new Map([...i.values()].flat().map((e) => [`${e.name}/${e.version}`, key(e)]));
    const x = flatten(a);
    const y = flatten(b);
    const out = new Set<string>();
    for (const [p, k] of x) if (y.get(p) !== k) out.add(p);
    for (const p of y.keys()) if (!x.has(p)) out.add(p);
    return [...out].sort();
  }

  /**
   * A chart repository has no ancestry: its index is replaced, not appended to. Any new index
   * is a new publication and so always "descends" from the one seen before: the poller never
   * reports a rewind here (a repository serving an older index again is a publication too).
   * Both ids must still be index revisions.
   */
  async isAncestor(_repo: VcsRepository, ancestor: string, descendant: string): Promise<boolean> {
    for (const r of [ancestor, descendant])
      if (!REVISION.test(r)) throw new NotFoundError('revision of chart repository', r);
    return Promise.resolve(true);
  }

  /** Always refused: a chart repository is published to by its own tooling, not by Flotilla. */
  commit(_repo: VcsRepository, _changes: readonly FileChange[], _request: CommitRequest): Promise<Revision> {
    return Promise.reject(new InvalidInputError('helm chart repositories are read-only'));
  }

  /** Downloads the current index, keeps it under its hash, returns it parsed. */
  private async fetchIndex(repo: VcsRepository): Promise<{ revision: Revision; index: ChartIndex }> {
    const bytes = await this.http.get(new URL('index.yaml', baseUrl(repo)).toString(), {
      credentials: repo.credentials,
      authOrigin: urlOrigin(repo.url),
      maxBytes: this.maxIndexBytes,
      what: 'index.yaml',
    });
    const id = sha256(bytes);
    const index = this.remember(repo, id, parseChartIndex(bytes));
    await this.store(repo, 'index', `${id}.yaml`, bytes);
    return { revision: helmRevision(id), index };
  }

  /** The index of a revision: in memory, in the cache, or the current one if it matches. */
  private async index(repo: VcsRepository, revision: string): Promise<ChartIndex> {
    if (!REVISION.test(revision)) throw new NotFoundError('revision of chart repository', revision);
    const known = this.parsed.get(`${repo.id}:${revision}`);
    if (known) return known;
    const cached = await readFile(this.cachePath(repo, 'index', `${revision}.yaml`)).catch(() => null);
    if (cached && sha256(cached) === revision) return this.remember(repo, revision, parseChartIndex(cached));
    const current = await this.fetchIndex(repo);
    if (current.revision.id === revision) return current.index;
    throw new NotFoundError(
      'revision (not the current index.yaml of the chart repository, nor one this hub fetched before)',
      revision,
    );
  }

  /** Downloads (or takes from the cache), verifies and unpacks one chart version. */
  private async chart(repo: VcsRepository, entry: ChartVersionEntry): Promise<UnpackedChart> {
    const what = `chart ${entry.name}-${entry.version}`;
    const cached: Buffer | null = entry.digest
      ? await readFile(this.cachePath(repo, 'charts', `${entry.digest}.tgz`)).catch(() => null)
      : null;
    let tgz: Buffer;
    if (cached && sha256(cached) === entry.digest) tgz = cached;
    else {
      if (entry.urls.length === 0) throw new DependencyFailedError(`${what}: the index lists no URL for it`);
      tgz = await this.http.get(new URL(entry.urls[0], baseUrl(repo)).toString(), {
        credentials: repo.credentials,
        authOrigin: urlOrigin(repo.url),
        maxBytes: this.limits.maxSnapshotBytes,
        what,
      });
      if (entry.digest && sha256(tgz) !== entry.digest)
        throw new DependencyFailedError(
          `${what}: archive digest sha256:${sha256(tgz)} does not match the index (sha256:${entry.digest}); refused`,
        );
      if (entry.digest) await this.store(repo, 'charts', `${entry.digest}.tgz`, tgz);
    }
    return unpackChartArchive(tgz, {
      maxFileBytes: this.limits.maxFileBytes,
      maxTotalBytes: this.limits.maxSnapshotBytes,
      maxFiles: this.limits.maxSnapshotFiles,
    });
  }

  /** Keyed by repository too: another repository's index is never answered for this one. */
  private remember(repo: VcsRepository, id: string, index: ChartIndex): ChartIndex {
    const key = `${repo.id}:${id}`;
    this.parsed.delete(key);
    this.parsed.set(key, index);
    while (this.parsed.size > PARSED_INDEXES_KEPT) this.parsed.delete(this.parsed.keys().next().value!);
    return index;
  }

  private cachePath(repo: VcsRepository, kind: 'index' | 'charts', name: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(repo.id))
      throw new InvalidInputError('repository id: not a safe file name');
    return join(this.options.cacheDir, repo.id, kind, name);
  }

  /** Writes a content-addressed file once, atomically (a reader never sees half of it). */
  private async store(
    repo: VcsRepository,
    kind: 'index' | 'charts',
    name: string,
    bytes: Buffer,
  ): Promise<void> {
    const path = this.cachePath(repo, kind, name);
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return;
    await mkdir(join(this.options.cacheDir, repo.id, kind), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }
}

/** The repository URL as a base for relative chart URLs (always ending in `/`). */
function baseUrl(repo: VcsRepository): URL {
  return new URL(repo.url.endsWith('/') ? repo.url : `${repo.url}/`);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** `index@<12 hex>`: which index.yaml a revision is. */
export function helmRevision(id: string): Revision {
  return { id, display: `index@${id.slice(0, 12)}` };
}
