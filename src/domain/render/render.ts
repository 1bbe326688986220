import { bundleDigest, serialiseBundle } from './canonical-bundle.js';
import { ScopeResolver } from './cluster-scoped-kinds.js';
import { prepareManifests } from './manifest-files.js';
import { applyMergePatch } from './merge-patch.js';
import {
  apiGroupOf,
  compareObjectIds,
  formatObjectId,
  kubeObjectProblem,
  objectId,
} from './object-identity.js';
import {
  DEFAULT_RENDER_LIMITS,
  type KubeObject,
  type ObjectId,
  type PreparedManifests,
  type RenderError,
  type RenderLimits,
  type RenderResult,
  type RenderTarget,
  type SourceDocument,
  type TargetPatch,
} from './render.types.js';
import { objectMetadataProblems } from '../object-metadata.js';
import { isSopsDocument } from '../secrets/sops-document.js';
import { sopsObjectProblem, withSopsSource } from './sops-objects.js';
import { substituteVariables, targetVariables } from './substitution.js';

export { bundleDigest, parseCanonicalBundle } from './canonical-bundle.js';
export { isManifestFile, prepareManifests } from './manifest-files.js';
export { formatObjectId, objectId, compareObjectIds } from './object-identity.js';
export * from './render.types.js';

/** An object on its way through a render, with where it came from for error messages. */
interface Entry {
  source: SourceDocument;
  object: KubeObject;
}

/**
 * Renders the manifests of one application path for one target cluster. `files` maps paths
 * relative to the application path to their content (every file under it; non-manifests are
 * ignored). Pure and deterministic: the same files, target and limits give the same bytes.
 *
 * Steps, in order: parse (sorted paths; multi-document YAML, JSON, Lists flattened) → substitute
 * variables → check each object's shape → default the namespace → apply the target's merge
 * patches → check names, namespaces, labels and annotations → check identities are unique → sort and serialise canonically → check the size.
 * Every error found is returned, sorted by file then document; a bundle only when there are none.
 *
 * To render one revision for many clusters, call `prepareManifests` once and `renderManifests`
 * per cluster: parsing is most of the cost.
 */
export function renderBundle(
  files: ReadonlyMap<string, Buffer>,
  target: RenderTarget,
  limits?: Partial<RenderLimits>,
): RenderResult {
  const resolved = resolveLimits(limits);
  return renderManifests(prepareManifests(files, resolved), target, resolved);
}

/** How a render treats its documents. */
export interface RenderOptions {
  /**
   * False for a tool's output (Helm, Kustomize): its documents are final, and a `${...}` in them
   * (a shell script in a ConfigMap) is content, not a Flotilla variable. Default true.
   */
  substitute?: boolean;
}

/** The per-target half of `renderBundle`, over manifests parsed once by `prepareManifests`. */
export function renderManifests(
  prepared: PreparedManifests,
  target: RenderTarget,
  limits?: Partial<RenderLimits>,
  options: RenderOptions = {},
): RenderResult {
  const { maxObjects, maxBundleBytes } = resolveLimits(limits);
  const errors: RenderError[] = [...prepared.errors];
  if (prepared.documents.length > maxObjects) {
    errors.push({ file: '', document: 0, message: `bundle has more than ${maxObjects} objects` });
    return fail(errors);
  }

  // substitute: a fresh copy per target, so the prepared documents stay untouched
  const lookup = targetVariables(target);
  let entries: Entry[] = [];
  for (const source of prepared.documents) {
    const report = (message: string) => errors.push(errorAt(source, message));
    let result;
    // a SOPS document is passed on as committed: its MAC covers every value, clear ones too
    const sops = isSopsDocument(source.value);
    try {
      result =
        options.substitute === false || sops
          ? verbatim(source.value)
          : substituteVariables(source.value, lookup);
    } catch (e) {
      report(`cannot render: ${(e as Error).message}`); // e.g. nesting deep enough to exhaust the stack
      continue;
    }
    for (const u of result.unknown) report(`unknown variable \${${u.variable}} (in ${u.path})`);
    for (const p of result.nonFinite) report(`${p} is not a finite number, which JSON cannot hold`);
    // canonicalJson rebuilds objects by assignment, which would turn a `__proto__` member into a
    // prototype and silently drop it from the bundle: refuse it rather than deploy less than asked.
    for (const p of result.protoKeys) report(`${p}: a field named __proto__ is not supported`);
    let problem = kubeObjectProblem(result.value);
    if (!problem && sops) problem = sopsObjectProblem(source, result.value as KubeObject);
    if (problem) report(problem);
    if (!problem && !result.unknown.length && !result.nonFinite.length && !result.protoKeys.length) {
      const object = result.value as KubeObject;
      entries.push({ source, object: sops ? withSopsSource(object, source) : object });
    }
  }

  // default the namespace: scope is known only once every CRD of the bundle has been read
  if (target.namespace) {
    const scope = new ScopeResolver(entries.map((e) => e.object));
    for (const { object } of entries) {
      if (object.metadata.namespace) continue;
      if (!scope.isClusterScoped(apiGroupOf(object.apiVersion), object.kind)) {
        object.metadata.namespace = target.namespace;
      }
    }
  }

  entries = applyPatches(entries, target.patches ?? [], errors);

  // names, namespaces, labels and annotations as the API server checks them, after every step
  // that can change them, so an object it would refuse fails here rather than in every cluster
  entries = entries.filter(({ source, object }) => {
    const problems = objectMetadataProblems(object);
    for (const p of problems) errors.push(errorAt(source, `${object.kind} "${object.metadata.name}": ${p}`));
    return problems.length === 0;
  });

  // unique identities: two objects with one identity would fight over the same live object
  const ids = new Map<Entry, ObjectId>();
  const seen = new Map<string, Entry>();
  for (const entry of entries) {
    const id = objectId(entry.object);
    ids.set(entry, id);
    const key = formatObjectId(id);
    const first = seen.get(key);
    if (first) {
      errors.push(
        errorAt(entry.source, `duplicate object ${key}: also defined in ${describe(first.source)}`),
      );
    } else {
      seen.set(key, entry);
    }
  }
  if (errors.length) return fail(errors);

  // canonical order and bytes
  entries.sort((a, b) => compareObjectIds(ids.get(a)!, ids.get(b)!));
  const objects = entries.map((e) => e.object);
  const lines = serialiseBundle(objects);
  let size = 0;
  for (const line of lines) size += Buffer.byteLength(line, 'utf8') + 1;
  if (size > maxBundleBytes) {
    return fail([
      { file: '', document: 0, message: `bundle is ${size} bytes, over the limit of ${maxBundleBytes}` },
    ]);
  }
  const canonical = lines.length ? Buffer.from(`${lines.join('\n')}\n`, 'utf8') : Buffer.alloc(0);
  return {
    ok: true,
    bundle: {
      objects,
      canonical,
      digest: bundleDigest(canonical),
      objectCount: objects.length,
      files: entries.map((e) => e.source.file),
    },
  };
}

/**
 * Applies each patch, in order, to every object matching its target (kind and name, plus namespace
 * and group when given — so a patch without a namespace applies to that name in every namespace).
 * Matching sees earlier patches' results. A patch that matches nothing is an error: it almost
 * always means a renamed object, and silently deploying it unpatched is worse than failing.
 */
function applyPatches(entries: Entry[], patches: readonly TargetPatch[], errors: RenderError[]): Entry[] {
  let current = entries;
  patches.forEach((p, i) => {
    const label = `patch ${i + 1} (target ${describeTarget(p)})`;
    if (!isPatchShape(p)) {
      errors.push({
        file: '',
        document: 0,
        message: `${label}: needs target.kind, target.name and an object patch without __proto__ fields`,
      });
      return;
    }
    const { kind, name, namespace, group } = p.target;
    let matched = 0;
    current = current.flatMap((entry) => {
      const o = entry.object;
      const hit =
        o.kind === kind &&
        o.metadata.name === name &&
        (namespace === undefined || (o.metadata.namespace ?? '') === namespace) &&
        (group === undefined || apiGroupOf(o.apiVersion) === group);
      if (!hit) return [entry];
      matched++;
      if (isSopsDocument(o)) {
        errors.push(
          errorAt(
            entry.source,
            `${label}: a SOPS-encrypted object cannot be patched (its MAC covers the file)`,
          ),
        );
        return [];
      }
      const patched = applyMergePatch(o, p.patch);
      const problem = kubeObjectProblem(patched);
      if (problem) {
        errors.push(errorAt(entry.source, `after ${label}: ${problem}`));
        return [];
      }
      return [{ source: entry.source, object: patched as KubeObject }];
    });
    if (matched === 0) errors.push({ file: '', document: 0, message: `${label} matched no object` });
  });
  return current;
}

function isPatchShape(p: TargetPatch): boolean {
  const t = p?.target as Partial<TargetPatch['target']> | undefined;
  return (
    typeof t?.kind === 'string' &&
    typeof t.name === 'string' &&
    (t.namespace === undefined || typeof t.namespace === 'string') &&
    (t.group === undefined || typeof t.group === 'string') &&
    typeof p.patch === 'object' &&
    p.patch !== null &&
    !Array.isArray(p.patch) &&
    !hasProtoKey(p.patch)
  );
}

/** See the `__proto__` check on documents: the same holds for patches. */
function hasProtoKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasProtoKey);
  if (v === null || typeof v !== 'object') return false;
  return Object.entries(v).some(([k, child]) => k === '__proto__' || hasProtoKey(child));
}

function describeTarget(p: TargetPatch): string {
  const t = (p?.target ?? {}) as Partial<TargetPatch['target']>;
  return `${t.group ?? '*'}/${String(t.kind)}/${t.namespace ?? '*'}/${String(t.name)}`;
}

function errorAt(source: SourceDocument, message: string): RenderError {
  const where = source.item === undefined ? '' : `item ${source.item}: `;
  return { file: source.file, document: source.document, message: where + message };
}

function describe(source: SourceDocument): string {
  const item = source.item === undefined ? '' : ` item ${source.item}`;
  return `${source.file} document ${source.document}${item}`;
}

/** A document passed through unchanged but for a deep copy (later steps mutate it), with the same checks as substitution makes. */
function verbatim(value: unknown): ReturnType<typeof substituteVariables> {
  return substituteVariables(value, () => undefined, { keepPlaceholders: true });
}

function resolveLimits(limits: Partial<RenderLimits> | undefined): RenderLimits {
  return { ...DEFAULT_RENDER_LIMITS, ...limits };
}

/** Errors sorted by file, then document; the sort is stable, so within a document they stay in step order. */
function fail(errors: RenderError[]): RenderResult {
  const sorted = [...errors].sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.document - b.document,
  );
  return { ok: false, errors: sorted };
}
