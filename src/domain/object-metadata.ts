import {
  dns1035LabelProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  labelKeyProblem,
  labelValueProblem,
  pathSegmentNameProblem,
} from './kubernetes-names.js';

/**
 * Kinds whose names the API server checks only as a path segment, not as a DNS subdomain:
 * RBAC (`system:controller:foo`), by `group/Kind`.
 */
const PATH_SEGMENT_KINDS = new Set([
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/RoleBinding',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
]);

/** The check the API server applies to `metadata.name` of a kind of a group (`''` is core). */
function nameRule(group: string, kind: string): (name: string) => string | null {
  if (PATH_SEGMENT_KINDS.has(`${group}/${kind}`)) return pathSegmentNameProblem;
  if (group === '' && kind === 'Namespace') return dns1123LabelProblem;
  if (group === '' && kind === 'Service') return dns1035LabelProblem;
  // Everything else, custom resources included, is validated as a DNS-1123 subdomain.
  return dns1123SubdomainProblem;
}

/** Options of `objectMetadataProblems`. */
export interface MetadataCheckOptions {
  /**
   * Skip strings holding a `${…}` placeholder: before rendering (validating a file written
   * through the API) their final value depends on the cluster, so only the render can check them.
   */
  placeholders?: boolean;
}

/**
 * The metadata problems for which the Kubernetes API server would surely refuse an object, each
 * naming the field: `metadata.name` by the rule of its kind (DNS-1123 subdomain by default, a
 * path segment for RBAC kinds, a DNS-1123 label for Namespaces, a DNS-1035 label for Services),
 * `metadata.namespace` a DNS-1123 label, label keys and values, annotation keys (values must be
 * strings). `apiVersion`, `kind` and the name are expected to be strings already; anything that
 * is not is left to the shape check. Nothing else is judged: being conservative, only what the
 * API server refuses for every version and configuration is refused here.
 */
export function objectMetadataProblems(object: unknown, opts: MetadataCheckOptions = {}): string[] {
  if (!isMapping(object) || !isMapping(object.metadata)) return [];
  const { apiVersion, kind } = object;
  const meta = object.metadata;
  const deferred = (v: unknown) => opts.placeholders === true && typeof v === 'string' && v.includes('${');
  const problems: string[] = [];
  const field = (path: string, value: unknown, problem: string | null) => {
    if (problem) problems.push(`${path} ${JSON.stringify(value)}: ${problem}`);
  };

  if (typeof apiVersion === 'string' && typeof kind === 'string' && typeof meta.name === 'string') {
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    if (!deferred(meta.name)) field('metadata.name', meta.name, nameRule(group, kind)(meta.name));
  }
  if (typeof meta.namespace === 'string' && meta.namespace !== '' && !deferred(meta.namespace))
    field('metadata.namespace', meta.namespace, dns1123LabelProblem(meta.namespace));

  for (const [what, map] of [
    ['labels', meta.labels],
    ['annotations', meta.annotations],
  ] as const) {
    if (map === undefined || map === null) continue;
    if (!isMapping(map)) {
      problems.push(`metadata.${what}: must be a mapping of strings to strings`);
      continue;
    }
    for (const [key, value] of Object.entries(map)) {
      const path = `metadata.${what}`;
      // Keys are never substituted (see substitution.ts), so they are checked before rendering too.
      const keyProblem = labelKeyProblem(key, 'key');
      if (keyProblem) {
        problems.push(`${path}: ${keyProblem}`);
        continue;
      }
      // JSON null decodes as "" into Go's map[string]string, so the API server takes it.
      if (value === null || deferred(value)) continue;
      if (what === 'labels') {
        const p = labelValueProblem(key, value);
        if (p) problems.push(`${path}: ${p.replace(/^label /, '')}`);
      } else if (typeof value !== 'string') {
        problems.push(`${path}: "${key}": value must be a string`);
      }
    }
  }
  return problems;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
