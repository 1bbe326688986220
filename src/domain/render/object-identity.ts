import { type KubeObject, type ObjectId } from './render.types.js';

/** The API group of an `apiVersion`: `apps/v1` → `apps`, `v1` → `''` (core). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The identity of an object; a missing namespace is `''`. */
export function objectId(o: KubeObject): ObjectId {
  return {
    group: apiGroupOf(o.apiVersion),
    kind: o.kind,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
  };
}

/**
 * `group/Kind/namespace/name`, empty parts kept so the string always has four parts:
 * `apps/Deployment/web/api`, `/ConfigMap/web/cfg`, `/Namespace//web`. This is the resource
 * string the audit trail is queried by.
 */
export function formatObjectId(id: ObjectId): string {
  return `${id.group}/${id.kind}/${id.namespace}/${id.name}`;
}

/**
 * The canonical order of a bundle: by group, then kind, then namespace, then name, each compared
 * by UTF-16 code units (plain `<`, never locale-aware, so every process sorts alike). The core
 * group (`''`) and cluster-scoped objects (namespace `''`) therefore come first in their rank.
 */
export function compareObjectIds(a: ObjectId, b: ObjectId): number {
  return (
    compareStrings(a.group, b.group) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.namespace, b.namespace) ||
    compareStrings(a.name, b.name)
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True for a plain mapping (not null, not an array). */
export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Why a value is not a Kubernetes object, or undefined when it is one: a mapping with non-empty
 * string `apiVersion`, `kind` and `metadata.name`, and a string `metadata.namespace` if any.
 */
export function kubeObjectProblem(v: unknown): string | undefined {
  if (!isMapping(v)) return 'is not a Kubernetes object (a mapping)';
  const missing: string[] = [];
  const nonEmpty = (x: unknown) => typeof x === 'string' && x.length > 0;
  if (!nonEmpty(v.apiVersion)) missing.push('apiVersion');
  if (!nonEmpty(v.kind)) missing.push('kind');
  const meta = v.metadata;
  if (!isMapping(meta) || !nonEmpty(meta.name)) missing.push('metadata.name');
  if (missing.length) return `is not a Kubernetes object: missing ${missing.join(', ')}`;
  const ns = (meta as Record<string, unknown>).namespace;
  if (ns !== undefined && typeof ns !== 'string') return 'metadata.namespace is not a string';
  return undefined;
}
