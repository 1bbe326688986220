import { MIN_EXPANDED_BYTES, parseManifestYaml } from '../bounded-yaml.js';
import { isRemoteKustomizeResource } from './source-spec.js';

/** A kustomization file's name: kustomize reads the first of these it finds in a directory. */
export const KUSTOMIZATION_FILE_NAMES: readonly string[] = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

/** A kustomization entry the hub refuses to build, naming the file (relative to the tree root). */
export interface KustomizeRefProblem {
  file: string;
  message: string;
}

/** Fields whose entries name other kustomizations or files, resolved relative to the file's directory. */
const REFERENCE_FIELDS = ['resources', 'bases', 'components', 'crds'] as const;
/** Fields that need features the hub never turns on (helm inflation, plugins run as programs). */
const REFUSED_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  helmCharts:
    'inflates Helm charts, which the hub does not enable: give the application a helm source instead',
  helmChartInflationGenerator: 'inflates Helm charts, which the hub does not enable',
  helmGlobals: 'configures Helm inflation, which the hub does not enable',
});

/**
 * Problems with the kustomizations an overlay builds that `kustomize build` with root-only loading
 * would not catch: a remote base (the hub renders offline, from the repository alone), an
 * absolute path, or a relative one that climbs out of the tree (kustomize's load restrictor
 * allows other kustomization directories anywhere on disk, which on the hub would be another
 * application's copy). Helm inflation is refused too. Starts at the kustomization in `root` (a
 * tree-relative directory, `.` for the top) and follows the directories it references, so a
 * broken overlay fails only the clusters that build it. `files` maps tree-relative paths to
 * content. Pure.
 */
export function kustomizeRefProblems(files: ReadonlyMap<string, Buffer>, root = '.'): KustomizeRefProblem[] {
  const problems: KustomizeRefProblem[] = [];
  const seen = new Set<string>();
  const pending = [root === '.' ? '' : root];
  while (pending.length) {
    const dir = pending.pop()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    const file = KUSTOMIZATION_FILE_NAMES.map((n) => (dir ? `${dir}/${n}` : n)).find((f) => files.has(f));
    if (!file) continue;
    const content = files.get(file)!;
    const parsed = parseManifestYaml(
      content.toString('utf8'),
      Math.max(MIN_EXPANDED_BYTES, content.length * 10),
    );
    for (const doc of parsed.documents) {
      if (doc.error !== undefined) {
        problems.push({ file, message: doc.error });
        continue;
      }
      if (doc.value === null || typeof doc.value !== 'object' || Array.isArray(doc.value)) continue;
      const k = doc.value as Record<string, unknown>;
      for (const [field, why] of Object.entries(REFUSED_FIELDS))
        if (Object.hasOwn(k, field)) problems.push({ file, message: `${field} ${why}` });
      for (const field of REFERENCE_FIELDS) {
        const entries = k[field];
        if (entries === undefined || entries === null) continue;
        if (!Array.isArray(entries)) {
          problems.push({ file, message: `${field} must be a list` });
          continue;
        }
        for (const entry of entries) {
          if (typeof entry !== 'string') continue;
          const resolved = resolveReference(entry, dir);
          if (typeof resolved === 'string') pending.push(resolved);
          else problems.push({ file, message: `${field} entry "${entry}" ${resolved.problem}` });
        }
      }
    }
  }
  return problems;
}

/** The tree-relative path an entry names, or why it is refused. */
function resolveReference(entry: string, dir: string): string | { problem: string } {
  if (isRemoteKustomizeResource(entry) || /^https?:/i.test(entry))
    return { problem: 'is a remote reference: the hub builds from the repository only' };
  if (entry.startsWith('/') || entry.includes('\0') || entry.includes('\\'))
    return { problem: 'must be a relative path inside the repository' };
  const stack = dir === '' ? [] : dir.split('/');
  for (const segment of entry.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (stack.length === 0) return { problem: "points outside the application's directory" };
      stack.pop();
    } else stack.push(segment);
  }
  return stack.join('/');
}
