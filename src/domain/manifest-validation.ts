import { parseAllDocuments } from 'yaml';

/** File extensions that hold Kubernetes manifests. */
export function isManifestPath(path: string): boolean {
  return /\.(ya?ml|json)$/i.test(path);
}

/**
 * Checks that a manifest file parses and that each of its documents is a Kubernetes object
 * (apiVersion, kind and metadata.name are non-empty strings). Returns the problems found,
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
    return p ? [`${path}: ${p}`] : [];
  }
  const problems: string[] = [];
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const where = `${path}: document ${i + 1}`;
    if (doc.errors.length) {
      problems.push(`${where}: invalid YAML: ${doc.errors[0].message.split('\n')[0]}`);
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // an empty document, e.g. after a trailing ---
    const p = objectProblem(value);
    if (p) problems.push(`${where}: ${p}`);
  });
  return problems;
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
