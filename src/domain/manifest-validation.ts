import { expandedSizeLimit, parseManifestYaml } from './bounded-yaml.js';
import { objectMetadataProblems } from './object-metadata.js';
import { DEFAULT_RENDER_LIMITS, type KubeObject } from './render/render.types.js';
import { isSealedSecret, parseSealedSpec } from './sealed-secret.js';

/** File extensions that hold Kubernetes manifests. */
export function isManifestPath(path: string): boolean {
  return /\.(ya?ml|json)$/i.test(path);
}

/**
 * Checks that a manifest file parses (with the renderer's parser and bounds) and that each of its
 * documents is a Kubernetes object (apiVersion, kind and metadata.name are non-empty strings)
 * whose name, namespace, labels and annotations the API server would accept. Returns the problems found,
 * each naming the file and the document (1-based); empty when the file is fine.
 * Files that are not YAML or JSON are not checked.
 */
export function manifestProblems(path: string, content: Buffer): string[] {
  if (!isManifestPath(path)) return [];
  const text = content.toString('utf8');
  if (/\.json$/i.test(path)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return [`${path}: invalid JSON: ${(e as Error).message}`];
    }
    const p = objectProblem(value);
    return p ? [`${path}: ${p}`] : metadataProblems(path, value);
  }
  const problems: string[] = [];
  // The renderer's parser and bounds, so what is accepted here renders alike and a bomb is a 400.
  const { maxExpansionFactor, maxBundleBytes } = DEFAULT_RENDER_LIMITS;
  const limit = expandedSizeLimit(content.length, maxExpansionFactor, maxBundleBytes);
  for (const doc of parseManifestYaml(text, limit).documents) {
    const where = doc.document ? `${path}: document ${doc.document}` : path;
    if (doc.error !== undefined) {
      problems.push(`${where}: ${doc.error}`);
      continue;
    }
    if (doc.value === null || doc.value === undefined) continue; // an empty document, e.g. after a trailing ---
    const p = objectProblem(doc.value);
    if (p) problems.push(`${where}: ${p}`);
    else problems.push(...metadataProblems(where, doc.value));
  }
  return problems;
}

/**
 * What the API server would refuse in the object's metadata (see `objectMetadataProblems`), each
 * naming where, the object and the field. Values with `${…}` placeholders are left to the render.
 */
function metadataProblems(where: string, value: unknown): string[] {
  const o = value as { kind: string; metadata: { name: string } };
  return objectMetadataProblems(value, { placeholders: true })
    .map((p) => `${where}: ${o.kind} "${o.metadata.name}": ${p}`)
    .concat(sealedProblems(where, value as KubeObject));
}

/** A SealedSecret must have the documented shape: its agent could not unseal it otherwise. */
function sealedProblems(where: string, o: KubeObject): string[] {
  if (!isSealedSecret(o)) return [];
  try {
    parseSealedSpec(o);
    return [];
  } catch (e) {
    return [`${where}: ${(e as Error).message}`];
  }
}

function objectProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return 'is not a Kubernetes object (a mapping)';
  const o = value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
  const missing: string[] = [];
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') missing.push('apiVersion');
  if (typeof o.kind !== 'string' || o.kind === '') missing.push('kind');
  if (
    !o.metadata ||
    typeof o.metadata !== 'object' ||
    typeof o.metadata.name !== 'string' ||
    o.metadata.name === ''
  )
    missing.push('metadata.name');
  return missing.length ? `is not a Kubernetes object: missing ${missing.join(', ')}` : null;
}
