import { parse } from 'yaml';
import { DependencyFailedError, InvalidInputError, NotFoundError } from '../../domain/errors.js';

/** One published version of a chart, as a chart repository's `index.yaml` lists it. */
export interface ChartVersionEntry {
  name: string;
  version: string;
  /** Hex SHA-256 of the chart archive, when the index gives one. */
  digest: string | null;
  /** Where the archive is: absolute, or relative to the repository URL. */
  urls: string[];
  created: Date | null;
  description: string | null;
  /** First maintainer's name, if any (shown as the author in the history). */
  maintainer: string | null;
}

/** A parsed `index.yaml`: chart name → versions, newest first (SemVer order). */
export type ChartIndex = Map<string, ChartVersionEntry[]>;

/** Chart names and versions become path segments: nothing that could escape or confuse. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,252}$/;

/** True when `s` may be a chart name or version in a repository path. */
export function isSafeSegment(s: string): boolean {
  return SEGMENT.test(s) && s !== '.' && s !== '..';
}

/**
 * Parses a chart repository index. The index is data from a remote server: anything malformed is
 * a {@link DependencyFailedError} naming the problem; entries whose name or version could not be
 * a path segment are skipped rather than failing the whole repository.
 */
export function parseChartIndex(bytes: Buffer): ChartIndex {
  let doc: unknown;
  try {
    // Aliases are refused outright: a "billion laughs" index must not expand in memory.
    doc = parse(bytes.toString('utf8'), { maxAliasCount: 0, uniqueKeys: false });
  } catch (e) {
    throw new DependencyFailedError(`chart repository index.yaml does not parse: ${(e as Error).message}`);
  }
  const entries = (doc as { entries?: unknown } | null)?.entries;
  if (!isRecord(doc) || (entries !== undefined && entries !== null && !isRecord(entries)))
    throw new DependencyFailedError(
      'chart repository index.yaml has no entries map: is this a chart repository?',
    );
  const out: ChartIndex = new Map();
  for (const [name, list] of Object.entries(entries ?? {})) {
    if (!isSafeSegment(name) || !Array.isArray(list)) continue;
    const versions: ChartVersionEntry[] = [];
    for (const raw of list as unknown[]) {
      const entry = toEntry(name, raw);
      if (entry) versions.push(entry);
    }
    if (versions.length === 0) continue;
    versions.sort((a, b) => compareVersions(b.version, a.version));
    out.set(name, versions);
  }
  return out;
}

function toEntry(name: string, raw: unknown): ChartVersionEntry | null {
  if (!isRecord(raw)) return null;
  const version = typeof raw.version === 'string' ? raw.version : null;
  if (!version || !isSafeSegment(version)) return null;
  const urls = Array.isArray(raw.urls) ? raw.urls.filter((u): u is string => typeof u === 'string') : [];
  const digest =
    typeof raw.digest === 'string' && /^[0-9a-f]{64}$/i.test(raw.digest) ? raw.digest.toLowerCase() : null;
  const createdText =
    typeof raw.created === 'string'
      ? raw.created
      : raw.created instanceof Date
        ? raw.created.toISOString()
        : null;
  const created = createdText && !Number.isNaN(Date.parse(createdText)) ? new Date(createdText) : null;
  const maintainers = Array.isArray(raw.maintainers) ? (raw.maintainers as unknown[]) : [];
  const first = maintainers.find(isRecord);
  return {
    name,
    version,
    digest,
    urls,
    created,
    description: typeof raw.description === 'string' ? raw.description : null,
    maintainer: first && typeof first.name === 'string' ? first.name : null,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface SemVer {
  core: [number, number, number];
  pre: string[];
}

/** Parses SemVer 2 (a leading `v` tolerated, as Helm does); null when it is not one. */
export function parseSemver(text: string): SemVer | null {
  const m = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(
    text,
  );
  if (!m) return null;
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ? m[4].split('.') : [] };
}

/**
 * SemVer precedence (build metadata ignored; a pre-release sorts before its release). Versions
 * that are not SemVer sort below every SemVer one, then by plain text, so the order is total.
 */
export function compareVersions(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) return x ? 1 : y ? -1 : a < b ? -1 : a > b ? 1 : 0;
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i] - y.core[i];
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    if (i >= x.pre.length) return -1;
    if (i >= y.pre.length) return 1;
    const p = x.pre[i];
    const q = y.pre[i];
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn && Number(p) !== Number(q)) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

/** True for a SemVer release (no pre-release part). */
export function isRelease(version: string): boolean {
  const v = parseSemver(version);
  return v !== null && v.pre.length === 0;
}

/**
 * The version an application path names: `<chart>/<version>` exactly, or for `<chart>` the
 * newest release (pre-releases only when nothing else is published, as `helm install` would
 * not pick them either).
 */
export function pickChartVersion(index: ChartIndex, chart: string, version?: string): ChartVersionEntry {
  if (!isSafeSegment(chart)) throw new InvalidInputError(`chart name '${chart}' is not valid`);
  const versions = index.get(chart);
  if (!versions) throw new NotFoundError('chart', chart);
  if (version !== undefined) {
    const exact = versions.find((v) => v.version === version);
    if (!exact) throw new NotFoundError(`version of chart '${chart}'`, version);
    return exact;
  }
  return versions.find((v) => isRelease(v.version)) ?? versions[0];
}
