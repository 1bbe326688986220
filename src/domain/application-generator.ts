/**
 * Generated applications (issue 20): the pure rules of a generator. A generator is a template
 * application stamped out once per element of its generators: per directory matching a glob in
 * a repository, per cluster a selector matches, or per pair of both (a matrix). No IO here: the
 * hub lists directories and clusters and hands them in.
 */
import { InvalidInputError } from './errors.js';
import { dns1123LabelProblem } from './kubernetes-names.js';

/** The label every cluster implicitly carries with its own name, so a target can name one cluster. */
export const CLUSTER_NAME_LABEL = 'flotilla.io/cluster-name';

/** Longest glob accepted, and most segments: a glob walks the tree one level per segment. */
const MAX_GLOB_LENGTH = 512;
const MAX_GLOB_SEGMENTS = 8;
/** One glob segment: letters, digits, `.`, `_`, `-`, `*`, not only dots (no `.` or `..`). */
const SEGMENT_SOURCE = '[A-Za-z0-9._*-]*[A-Za-z0-9_*-][A-Za-z0-9._*-]*';
const SEGMENT = new RegExp(`^${SEGMENT_SOURCE}$`);

/** The globs {@link parseDirectoryGlob} accepts, as a regex source for JSON Schema. */
export const DIRECTORY_GLOB_SOURCE = `^/?${SEGMENT_SOURCE}(/${SEGMENT_SOURCE}){0,${MAX_GLOB_SEGMENTS - 1}}/?$`;

/** A directory a directories generator matched. */
export interface GeneratedDir {
  name: string;
  path: string;
}

/** A cluster a clusters generator matched. */
export interface GeneratedCluster {
  name: string;
  labels: Record<string, string>;
}

/** One element of a generator's set: the values its template is filled with. */
export interface GeneratorElement {
  dir?: GeneratedDir;
  cluster?: GeneratedCluster;
}

/** The template parts that are filled in (others are copied as they are). */
export interface TemplateStrings {
  name: string;
  path: string;
  targets: {
    clusterSelector: string;
    namespace?: string;
    values?: Record<string, string | number | boolean>;
  }[];
}

/**
 * Checks a directories glob and returns its segments: `/`-separated, each of letters, digits,
 * `.`, `_`, `-` and `*` (any run of characters within one segment); no `..`, no empty segment.
 */
export function parseDirectoryGlob(glob: string): string[] {
  const g = glob.replace(/^\/|\/$/g, '');
  if (g.length === 0 || g.length > MAX_GLOB_LENGTH)
    throw new InvalidInputError(`directories.glob must be 1 to ${MAX_GLOB_LENGTH} characters`, {
      field: 'directories.glob',
    });
  const segments = g.split('/');
  if (segments.length > MAX_GLOB_SEGMENTS)
    throw new InvalidInputError(`directories.glob has more than ${MAX_GLOB_SEGMENTS} segments`, {
      field: 'directories.glob',
    });
  for (const s of segments)
    if (!SEGMENT.test(s))
      throw new InvalidInputError(
        `directories.glob: segment "${s}" must be letters, digits, ".", "_", "-" or "*" (not only dots, no empty segment)`,
        { field: 'directories.glob' },
      );
  return segments;
}

/** Whether a directory name matches one glob segment (`*` matches any run, hidden names only explicitly). */
export function segmentMatches(segment: string, name: string): boolean {
  if (name.startsWith('.') && !segment.startsWith('.')) return false;
  const re = new RegExp(
    '^' +
      segment
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
        .join('.*') +
      '$',
  );
  return re.test(name);
}

/**
 * The set a generator yields: one element per directory, per cluster, or per pair of both (a
 * matrix), in a stable order.
 */
export function generatorElements(
  dirs: readonly GeneratedDir[] | null,
  clusters: readonly GeneratedCluster[] | null,
): GeneratorElement[] {
  const ds = dirs ? [...dirs].sort((a, b) => cmp(a.path, b.path)) : null;
  const cs = clusters ? [...clusters].sort((a, b) => cmp(a.name, b.name)) : null;
  if (ds && cs) return ds.flatMap((dir) => cs.map((cluster) => ({ dir, cluster })));
  if (ds) return ds.map((dir) => ({ dir }));
  if (cs) return cs.map((cluster) => ({ cluster }));
  return [];
}

/**
 * Fills `${...}` in one string with an element's values. Only the documented variables exist:
 * `${dir.name}`, `${dir.path}` (directories), `${cluster.name}`, `${cluster.labels.KEY}`
 * (clusters); `$${` writes a literal `${`. Anything else, or a variable of a generator the
 * template does not have, is an error naming it (a typo must not deploy a literal `${...}`).
 */
export function substitute(text: string, element: GeneratorElement, field: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i++];
      continue;
    }
    const end = text.indexOf('}', i + 2);
    if (end < 0) throw new InvalidInputError(`${field}: unterminated "\${" in "${text}"`, { field });
    const name = text.slice(i + 2, end).trim();
    const value = lookup(name, element);
    if (value === undefined)
      throw new InvalidInputError(
        `${field}: unknown variable \${${name}} (use dir.name, dir.path, cluster.name or cluster.labels.KEY of the generators the template has)`,
        { field },
      );
    out += value;
    i = end + 1;
  }
  return out;
}

function lookup(name: string, e: GeneratorElement): string | undefined {
  if (e.dir && name === 'dir.name') return e.dir.name;
  if (e.dir && name === 'dir.path') return e.dir.path;
  if (e.cluster && name === 'cluster.name') return e.cluster.name;
  if (e.cluster && name.startsWith('cluster.labels.')) {
    const key = name.slice('cluster.labels.'.length);
    return Object.hasOwn(e.cluster.labels, key) ? e.cluster.labels[key] : undefined;
  }
  return undefined;
}

/**
 * The template filled for one element: name, path, target namespaces and string values
 * substituted; with a cluster, every target also narrowed to that cluster alone. The name must
 * come out a DNS-1123 label (it names an application).
 */
export function fillTemplate<T extends TemplateStrings>(template: T, element: GeneratorElement): T {
  const name = substitute(template.name, element, 'template.name');
  const problem = dns1123LabelProblem(name);
  if (problem) throw new InvalidInputError(`generated name "${name}" ${problem}`, { field: 'template.name' });
  return {
    ...template,
    name,
    path: substitute(template.path, element, 'template.path'),
    targets: template.targets.map((t, i) => {
      const f = `template.targets[${i}]`;
      const out = { ...t };
      if (element.cluster) {
        const own = `${CLUSTER_NAME_LABEL}=${element.cluster.name}`;
        out.clusterSelector = t.clusterSelector.trim() === '' ? own : `${t.clusterSelector},${own}`;
      }
      if (t.namespace !== undefined) {
        out.namespace = substitute(t.namespace, element, `${f}.namespace`);
        const p = dns1123LabelProblem(out.namespace);
        if (p)
          throw new InvalidInputError(`${f}.namespace: generated "${out.namespace}" ${p}`, {
            field: `${f}.namespace`,
          });
      }
      if (t.values !== undefined)
        out.values = Object.fromEntries(
          Object.entries(t.values).map(([k, v]) => [
            k,
            typeof v === 'string' ? substitute(v, element, `${f}.values.${k}`) : v,
          ]),
        );
      return out;
    }),
  };
}

/** What a recompute does: applications to create, to update in place, and to delete. */
export interface GeneratedSetDiff<T> {
  create: T[];
  update: T[];
  delete: string[];
}

/**
 * Compares the applications a generator wants with those it has (by name): new names are
 * created, names it no longer yields are deleted, the rest updated when `differs` says so.
 */
export function diffGeneratedSet<T extends { name: string }, E extends { name: string }>(
  wanted: readonly T[],
  existing: readonly E[],
  differs: (w: T, e: E) => boolean,
): GeneratedSetDiff<T> {
  const have = new Map(existing.map((e) => [e.name, e]));
  const want = new Set(wanted.map((w) => w.name));
  return {
    create: wanted.filter((w) => !have.has(w.name)),
    update: wanted.filter((w) => {
      const e = have.get(w.name);
      return e !== undefined && differs(w, e);
    }),
    delete: existing.filter((e) => !want.has(e.name)).map((e) => e.name),
  };
}

/** Names two elements both yield (a template that does not tell its elements apart). */
export function duplicateNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) (seen.has(n) ? dup : seen).add(n);
  return [...dup];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
