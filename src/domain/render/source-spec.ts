import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';

/**
 * How an application's directory becomes Kubernetes objects (issue 15). `manifests` is the plain
 * YAML path of render.ts; `helm` and `kustomize` run the tool on the hub first and feed its output
 * through the same canonical bundle, per-target patches and project policy.
 */
export type SourceKind = 'manifests' | 'helm' | 'kustomize';

/** All source kinds, for validation and API schemas. */
export const SOURCE_KINDS: readonly SourceKind[] = ['manifests', 'helm', 'kustomize'];

/** Helm options; paths are relative to the application path. */
export interface HelmSourceOptions {
  /** Defaults to the application name. */
  releaseName?: string;
  valuesFiles?: string[];
  /** Inline values, applied after `valuesFiles` (as a last `-f`). */
  values?: Record<string, unknown>;
}

/** Kustomize options. */
export interface KustomizeSourceOptions {
  /** Overlay directory under the application path; may use `${cluster.labels.KEY}` (e.g. `overlays/${cluster.labels.env}`). */
  path?: string;
}

/** The `source` of an application; absent means detected from the directory. */
export interface ApplicationSource {
  kind: SourceKind;
  helm?: HelmSourceOptions;
  kustomize?: KustomizeSourceOptions;
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/**
 * The source kind of a directory from the file names at its top level (paths relative to the
 * application path): `Chart.yaml` wins over a kustomization, as a chart may ship one for other tools.
 */
export function detectSourceKind(paths: Iterable<string>): SourceKind {
  let kustomize = false;
  for (const path of paths) {
    if (path === 'Chart.yaml') return 'helm';
    if (KUSTOMIZATION_FILES.includes(path)) kustomize = true;
  }
  return kustomize ? 'kustomize' : 'manifests';
}

/** Release names as Helm accepts them (DNS-1123 label, at most 53 characters). */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/;
/** A placeholder allowed inside a kustomize path: cluster labels only (values are per target too, but keep the key small). */
const PATH_PLACEHOLDER = /\$\{cluster\.labels\.[^}]+\}/g;

/**
 * Why a repository-relative path is unsafe, or undefined. Absolute paths, `..` segments, empty
 * segments, backslashes and NUL are refused, so the tool only ever sees files inside the copy of the
 * source tree.
 */
export function relativePathProblem(path: string): string | undefined {
  if (path.length === 0) return 'must not be empty';
  if (path.length > 1024) return 'is longer than 1024 characters';
  if (path.includes('\0')) return 'must not contain NUL';
  if (path.includes('\\')) return 'must use / as separator';
  if (path.startsWith('/')) return 'must be relative to the application path';
  const segments = path.split('/');
  if (segments.some((s) => s === '..')) return 'must not contain ".." segments';
  if (segments.slice(0, -1).some((s) => s === '')) return 'must not contain empty segments';
  return undefined;
}

/**
 * Problems with an application source, each naming the field; empty when valid. Unknown keys are
 * left to the DTO schema.
 */
export function sourceProblems(source: ApplicationSource): string[] {
  const problems: string[] = [];
  if (!SOURCE_KINDS.includes(source.kind))
    problems.push(`source.kind must be one of ${SOURCE_KINDS.join(', ')}`);
  if (source.helm !== undefined && source.kind !== 'helm')
    problems.push('source.helm is only allowed with kind helm');
  if (source.kustomize !== undefined && source.kind !== 'kustomize')
    problems.push('source.kustomize is only allowed with kind kustomize');
  const helm = source.helm;
  if (helm?.releaseName !== undefined && !RELEASE_NAME.test(helm.releaseName))
    problems.push('source.helm.releaseName must be a DNS-1123 label of at most 53 characters');
  for (const [i, file] of (helm?.valuesFiles ?? []).entries()) {
    const problem = relativePathProblem(file);
    if (problem) problems.push(`source.helm.valuesFiles[${i}] ${problem}`);
  }
  if (
    helm?.values !== undefined &&
    (typeof helm.values !== 'object' || helm.values === null || Array.isArray(helm.values))
  )
    problems.push('source.helm.values must be an object');
  const path = source.kustomize?.path;
  if (path !== undefined) {
    const problem = relativePathProblem(path.replace(PATH_PLACEHOLDER, 'x'));
    if (problem) problems.push(`source.kustomize.path ${problem}`);
    else if (path.replace(PATH_PLACEHOLDER, '').includes('${'))
      problems.push('source.kustomize.path may only use ${cluster.labels.KEY} placeholders');
  }
  return problems;
}

/**
 * The kustomize overlay path for one cluster, or an error naming the missing label. A label value
 * that would leave the directory (`..`, `/`) is refused rather than substituted.
 */
export function resolveKustomizePath(
  path: string,
  labels: Record<string, string>,
): { ok: true; path: string } | { ok: false; message: string } {
  let missing: string | undefined;
  const resolved = path.replace(PATH_PLACEHOLDER, (placeholder) => {
    const key = placeholder.slice('${cluster.labels.'.length, -1);
    const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
    if (value === undefined || value === '' || value === '.' || value === '..' || value.includes('/')) {
      missing ??= key;
      return '';
    }
    return value;
  });
  if (missing !== undefined)
    return {
      ok: false,
      message: `source.kustomize.path: cluster label "${missing}" is missing or not a directory name`,
    };
  const problem = relativePathProblem(resolved);
  return problem ? { ok: false, message: `source.kustomize.path ${problem}` } : { ok: true, path: resolved };
}

/** One tool run: the binary to find, and its arguments relative to the temporary source copy. */
export interface ToolInvocation {
  tool: 'helm' | 'kustomize';
  args: string[];
}

/**
 * `helm template` arguments. No `--repo`, no plugins, no `--post-renderer`: only the chart in
 * `chartDir` and the listed values files. `inlineValuesFile` is where the caller wrote `values` as
 * JSON (it is applied last).
 */
export function helmTemplateArgs(input: {
  releaseName: string;
  chartDir: string;
  namespace: string;
  valuesFiles: string[];
  inlineValuesFile?: string;
  kubeVersion?: string;
  /** What the cluster serves (`group/version` or `group/version/Kind`), for charts that test `.Capabilities.APIVersions`. */
  apiVersions?: readonly string[];
}): ToolInvocation {
  const args = [
    'template',
    input.releaseName,
    input.chartDir,
    '--namespace',
    input.namespace,
    '--include-crds',
    // test hooks are for `helm test`, which a GitOps apply never runs
    '--skip-tests',
  ];
  for (const file of input.valuesFiles) args.push('-f', file);
  if (input.inlineValuesFile !== undefined) args.push('-f', input.inlineValuesFile);
  if (input.kubeVersion !== undefined) args.push('--kube-version', input.kubeVersion);
  // one argument each (`--api-versions=x`), so no value can ever be read as a flag
  for (const api of input.apiVersions ?? []) args.push(`--api-versions=${api}`);
  return { tool: 'helm', args };
}

/** `kustomize build` arguments: root-only loading, no exec or alpha plugins, no helm inflation. */
export function kustomizeBuildArgs(dir: string): ToolInvocation {
  return { tool: 'kustomize', args: ['build', dir, '--load-restrictor', 'LoadRestrictionsRootOnly'] };
}

/** Whether a kustomization `resources:`/`components:` entry is a remote reference (refused: the hub renders offline). */
export function isRemoteKustomizeResource(entry: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
    /^git@/.test(entry) ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//i.test(entry)
  );
}

/** What identifies one tool output; equal keys mean equal output, so the tool runs once per key. */
export interface RenderCacheKeyInput {
  /** The repository: revision ids are only unique within one (SVN's are small numbers). */
  repository: string;
  revision: string;
  path: string;
  kind: Exclude<SourceKind, 'manifests'>;
  /** The tool arguments as run (release, namespace, resolved overlay, kube version). */
  args: string[];
  /** Inline values after substitution (helm), or undefined. */
  values?: unknown;
  toolVersion: string;
}

/** A hex SHA-256 over the canonical JSON of the key input; key order of `values` does not matter. */
export function renderCacheKey(input: RenderCacheKeyInput): string {
  return createHash('sha256')
    .update(
      canonicalJson({
        repository: input.repository,
        revision: input.revision,
        path: input.path,
        kind: input.kind,
        args: input.args,
        values: input.values ?? null,
        toolVersion: input.toolVersion,
      }),
    )
    .digest('hex');
}

/**
 * A tool's error message with the hub's temporary directory replaced by the repository path, so
 * users see `charts/web/templates/x.yaml:12` and never where the hub keeps its copies.
 */
export function rewriteToolMessage(message: string, tempDir: string, repositoryPath: string): string {
  const prefix = tempDir.endsWith('/') ? tempDir : `${tempDir}/`;
  const replacement =
    repositoryPath === '' || repositoryPath.endsWith('/') ? repositoryPath : `${repositoryPath}/`;
  return message
    .split(prefix)
    .join(replacement)
    .split(tempDir)
    .join(repositoryPath || '.');
}
