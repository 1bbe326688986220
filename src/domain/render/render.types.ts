/**
 * Types of the rendering engine (ARCHITECTURE.md §3 `bundles`, issue 5 §2): repository files and
 * one target cluster in, one canonical, content-addressed bundle out.
 */

/** A Kubernetes object as it leaves the renderer: a JSON-compatible mapping with the three required fields. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** The identity of an object in a cluster. `group` is `''` for the core group, `namespace` is `''` when there is none. */
export interface ObjectId {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Selects the objects a merge patch applies to: kind and name always, namespace and group when given. */
export interface PatchTarget {
  kind: string;
  name: string;
  namespace?: string;
  group?: string;
}

/** One per-target RFC 7386 JSON merge patch (`null` deletes, objects merge, anything else replaces). */
export interface TargetPatch {
  target: PatchTarget;
  patch: Record<string, unknown>;
}

/** What varies per cluster: the cluster itself and the application's target settings. */
export interface RenderTarget {
  cluster: { name: string; labels: Record<string, string> };
  /** Namespace given to namespaced objects that have none. */
  namespace?: string;
  /** `${values.KEY}` substitutions; numbers and booleans substitute as their string form. */
  values?: Record<string, string | number | boolean>;
  /** Applied in order, after substitution and namespace defaulting. */
  patches?: TargetPatch[];
}

/**
 * A problem found while rendering. `file` is the path relative to the application path (`''` when
 * the problem belongs to the target or the whole bundle, e.g. a patch that matched nothing);
 * `document` is 1-based within the file, 0 when the problem concerns the whole file.
 */
export interface RenderError {
  file: string;
  document: number;
  message: string;
}

/** The canonical result of one render; see `canonical-bundle.ts` for the byte format. */
export interface RenderedBundle {
  /** The objects, in canonical order. */
  objects: KubeObject[];
  /** The canonical bytes: JSON Lines, one canonical-JSON object per line. */
  canonical: Buffer;
  /** `'sha256:' + hex(sha256(canonical))`; the bundle's content address. */
  digest: string;
  objectCount: number;
  /** The file each object came from, in `objects` order, so refusals can name it. */
  files?: readonly string[];
}

/** Either a bundle or every error found (sorted by file, then document). */
export type RenderResult = { ok: true; bundle: RenderedBundle } | { ok: false; errors: RenderError[] };

/** Bounds that keep untrusted repository content from exhausting the hub. */
export interface RenderLimits {
  /** Largest manifest file accepted, in bytes. */
  maxFileBytes: number;
  /** Most objects in one bundle (after List flattening). */
  maxObjects: number;
  /** Largest canonical bundle, in bytes. */
  maxBundleBytes: number;
  /**
   * How many times its source a YAML file may grow when its aliases and merge keys are expanded
   * (at least 1 MiB, at most `maxBundleBytes`; all files together at most `maxBundleBytes`): the
   * bound against YAML bombs. Infinity turns it off, for the benchmark only.
   */
  maxExpansionFactor: number;
}

/** 5 MiB per file, 20,000 objects, 64 MiB of canonical bytes, YAML expanding at most 10×. */
export const DEFAULT_RENDER_LIMITS: Readonly<RenderLimits> = Object.freeze({
  maxFileBytes: 5 * 1024 * 1024,
  maxObjects: 20_000,
  maxBundleBytes: 64 * 1024 * 1024,
  maxExpansionFactor: 10,
});

/** One parsed document (or one item of a List document), before any per-target step. */
export interface SourceDocument {
  file: string;
  /** 1-based document number within the file. */
  document: number;
  /** 1-based position within a flattened List; absent for plain documents. */
  item?: number;
  /** The parsed value, JSON-compatible; never mutated by rendering. */
  value: unknown;
  /**
   * For a SOPS-encrypted document, its file's own text: the agent verifies the MAC over it
   * (key order counts), so it travels in the bundle beside the parsed object.
   */
  sopsSource?: string;
}

/**
 * The target-independent half of a render: files parsed once, to be rendered for any number of
 * clusters with `renderManifests`. Holds the parse errors, which every render reports.
 */
export interface PreparedManifests {
  documents: readonly SourceDocument[];
  errors: readonly RenderError[];
}
