import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { canonicalJson } from '../../domain/canonical-json.js';
import {
  KUSTOMIZATION_FILE_NAMES,
  kustomizeRefProblems,
  type KustomizeRefProblem,
} from '../../domain/render/kustomize-refs.js';
import {
  DEFAULT_RENDER_LIMITS,
  prepareManifests,
  renderManifests,
  type PreparedManifests,
  type RenderError,
  type RenderResult,
  type RenderTarget,
} from '../../domain/render/render.js';
import {
  detectSourceKind,
  helmTemplateArgs,
  kustomizeBuildArgs,
  renderCacheKey,
  resolveKustomizePath,
  type ApplicationSource,
  type ToolInvocation,
} from '../../domain/render/source-spec.js';
import {
  helmInlineValues,
  helmOutputFiles,
  kubeVersionArgument,
  kustomizeOutputFiles,
  relativeToApplication,
} from '../../domain/render/tool-output.js';
import { NodeProcessRunner, type FileSet } from '../../vcs/index.js';
import { type ApplicationTarget } from '../applications/application.entity.js';
import { DomainError } from '../../domain/errors.js';
import { CHART_DEPENDENCY_VENDOR, type ChartDependencyVendor } from './chart-dependency-vendor.js';
import { RenderCache } from './render-cache.js';
import { ToolBinaries, ToolMissingError, type ToolBinary } from './tool-binaries.js';
import { ToolRunner, type ToolOutcome, type ToolRunnerOptions } from './tool-runner.js';

/** The cluster a render is for: what the tools and the variables need of it. */
export interface RenderCluster {
  id: string;
  name: string;
  labels: Record<string, string>;
  kubernetesVersion?: string | null;
  /** Group/versions its API server serves, as its agent reported them. */
  apiVersions?: readonly string[] | null;
}

/** What to render: one revision of an application's path, for each of its clusters. */
export interface RenderRequest {
  app: { name: string; path: string; repositoryId: string; source: ApplicationSource | null };
  files: FileSet;
  targets: readonly { cluster: RenderCluster; target: ApplicationTarget }[];
  /**
   * The application's project: which registered repositories' credentials its chart dependencies
   * may be fetched with (default none), and its id, which keys the fetched dependencies so one
   * project never gets what was fetched with another's credentials.
   */
  project?: { id: string; mayUseRepository: (repositoryName: string) => boolean };
}

/** One cluster's render: the result of the manifests pipeline, or why it could not start. */
export type ClusterRender = RenderResult;

/** Overrides for tests and the benchmark; the hub runs with the defaults. */
export interface SourceRenderOptions {
  /** Where binaries are looked up (`FLOTILLA_HELM_BIN`, `PATH`, `FLOTILLA_CACHE_DIR`); default the process's. */
  env?: NodeJS.ProcessEnv;
  runner?: Partial<ToolRunnerOptions>;
  cacheBytes?: number;
}

/** Injection token for {@link SourceRenderOptions}. */
export const SOURCE_RENDER_OPTIONS = Symbol('SOURCE_RENDER_OPTIONS');

/** Dependency archives kept at most (bytes). */
const DEPENDENCY_CACHE_BYTES = 128 * 1024 * 1024;
/** Tool outputs kept at most (bytes); a chart's output is typically tens of kilobytes. */
const CACHE_BYTES = 256 * 1024 * 1024;
/** Inline values are written next to the chart, never inside it (where `.Files` would see them). */
const INLINE_VALUES = 'inline-values.json';

/**
 * Turns a revision of an application's path into one rendered bundle per cluster, whatever the
 * source: plain manifests are parsed once and rendered per cluster; a Helm chart or Kustomize
 * overlay is first run through the real tool, once per distinct (revision, arguments, values) —
 * 1,000 clusters sharing 10 value sets run it 10 times, and a revision already rendered runs it
 * not at all — and its output then goes through the same pipeline (namespace defaulting, the
 * target's patches, checks, canonical bytes) without variable substitution. A tool's refusal fails
 * the clusters it concerns with the tool's message; nothing is thrown for bad repository content.
 */
@Injectable()
export class SourceRenderer {
  private readonly log = new Logger('render');
  private readonly binaries: ToolBinaries;
  private readonly runner: ToolRunner;

  private readonly cache: RenderCache<ToolOutcome>;

  /** Chart dependencies added per (repository, revision, path): fetched once, not per reconcile. */
  private readonly dependencies = new RenderCache<Map<string, Buffer>>(DEPENDENCY_CACHE_BYTES);

  constructor(
    @Optional() @Inject(SOURCE_RENDER_OPTIONS) options: SourceRenderOptions | null = null,
    @Optional() @Inject(CHART_DEPENDENCY_VENDOR) private readonly vendor: ChartDependencyVendor | null = null,
  ) {
    const processes = new NodeProcessRunner();
    this.binaries = new ToolBinaries(processes, options?.env);
    this.runner = new ToolRunner(this.binaries, processes, options?.runner);
    this.cache = new RenderCache<ToolOutcome>(options?.cacheBytes ?? CACHE_BYTES);
  }

  /** Tool cache counters (for the benchmark and tests). */
  cacheStats() {
    return this.cache.stats();
  }

  /** One result per target, in order. */
  async render(request: RenderRequest): Promise<ClusterRender[]> {
    const declared = request.app.source?.kind;
    // the application's files relative to its path: what detection looks at and the tools see
    let tree =
      declared === 'manifests'
        ? new Map<string, Buffer>()
        : relativeToApplication(request.files.files, request.app.path);
    const kind = declared ?? detectSourceKind(tree.keys());
    if (kind === 'manifests') {
      const prepared = prepareManifests(request.files.files, DEFAULT_RENDER_LIMITS);
      return request.targets.map((t) => renderManifests(prepared, renderTargetOf(t.cluster, t.target)));
    }
    let binary: ToolBinary;
    try {
      binary = await this.binaries.get(kind);
    } catch (e) {
      if (!(e instanceof ToolMissingError)) throw e;
      this.log.warn(e.message);
      return request.targets.map(() => failed(request.app.path, e.message));
    }
    if (kind === 'helm' && tree.has('Chart.yaml')) {
      const vendored = await this.withDependencies(request, tree);
      if (typeof vendored === 'string') return request.targets.map(() => failed(request.app.path, vendored));
      tree = vendored;
    }
    const prepared = new Map<string, Promise<PreparedManifests | RenderResult>>();
    // one input that runs out of time or output space stops this render's other runs: a hostile
    // chart with 1,000 distinct value sets must not hold the hub's tool slots for hours
    const giveUp = new AbortController();
    const refusals = new Map<string, KustomizeRefProblem[]>();
    const refusedIn = (overlay: string) => {
      let found = refusals.get(overlay);
      if (!found) refusals.set(overlay, (found = kustomizeRefProblems(tree, overlay)));
      return found;
    };
    return Promise.all(
      request.targets.map(async ({ cluster, target }) => {
        const renderTarget = renderTargetOf(cluster, target);
        const run = this.invocation(kind, request, tree, refusedIn, cluster, target, renderTarget);
        if ('ok' in run) return run;
        const key = renderCacheKey({
          repository: request.app.repositoryId,
          revision: request.files.revision.id,
          path: request.app.path,
          kind,
          args: run.invocation.args,
          values: run.values,
          toolVersion: binary.version,
        });
        let output = prepared.get(key);
        if (!output) {
          output = this.output(key, kind, request, tree, run, giveUp);
          prepared.set(key, output);
        }
        const parsed = await output;
        if ('ok' in parsed) return parsed;
        return renderManifests(parsed, renderTarget, undefined, { substitute: false });
      }),
    );
  }

  /** The tool's arguments and inline values for one cluster, or why there are none. */
  private invocation(
    kind: 'helm' | 'kustomize',
    request: RenderRequest,
    tree: ReadonlyMap<string, Buffer>,
    refusedIn: (overlay: string) => KustomizeRefProblem[],
    cluster: RenderCluster,
    target: ApplicationTarget,
    renderTarget: RenderTarget,
  ): { invocation: ToolInvocation; values?: Record<string, unknown>; overlay: string } | RenderResult {
    const { app } = request;
    if (kind === 'kustomize') {
      const resolved = resolveKustomizePath(app.source?.kustomize?.path ?? '.', cluster.labels);
      if (!resolved.ok) return failed(app.path, resolved.message);
      const overlay = resolved.path;
      const dir = overlay === '.' ? '' : `${overlay}/`;
      if (!KUSTOMIZATION_FILE_NAMES.some((f) => tree.has(dir + f)))
        return failed(join(app.path, overlay), 'has no kustomization.yaml');
      const refused = refusedIn(overlay);
      if (refused.length)
        return {
          ok: false,
          errors: refused.map((p) => ({ file: join(app.path, p.file), document: 0, message: p.message })),
        };
      return { invocation: kustomizeBuildArgs(overlay), overlay };
    }
    const helm = app.source?.helm;
    if (!tree.has('Chart.yaml')) return failed(join(app.path, 'Chart.yaml'), 'is missing: not a Helm chart');
    const valuesFiles = [...(helm?.valuesFiles ?? []), ...(target.helm?.valuesFiles ?? [])];
    for (const file of valuesFiles)
      if (!tree.has(file)) return failed(join(app.path, file), 'values file not found');
    const values = helmInlineValues(helm?.values, target.helm?.values, renderTarget);
    if (!values.ok) return failed(app.path, values.message);
    const hasInline = Object.keys(values.values).length > 0;
    return {
      invocation: helmTemplateArgs({
        releaseName: helm?.releaseName ?? app.name,
        chartDir: '.',
        namespace: target.namespace ?? 'default',
        valuesFiles,
        inlineValuesFile: hasInline ? `../${INLINE_VALUES}` : undefined,
        kubeVersion: kubeVersionArgument(cluster.kubernetesVersion),
        apiVersions: cluster.apiVersions ?? undefined,
      }),
      values: hasInline ? values.values : undefined,
      overlay: '.',
    };
  }

  /** The chart with its missing dependencies added, or why they could not be had. */
  private async withDependencies(
    request: RenderRequest,
    tree: Map<string, Buffer>,
  ): Promise<Map<string, Buffer> | string> {
    if (!this.vendor) return tree;
    const vendor = this.vendor;
    const project = request.project ?? { id: '', mayUseRepository: () => false };
    const key = [project.id, request.app.repositoryId, request.files.revision.id, request.app.path].join(
      '\n',
    );
    try {
      const added = await this.dependencies.get(key, async () => {
        const all = await vendor.vendor(tree, project.mayUseRepository);
        const value = new Map([...all].filter(([path]) => !tree.has(path)));
        let bytes = 0;
        for (const content of value.values()) bytes += content.length;
        return { value, bytes, keep: true };
      });
      return added.size ? new Map([...tree, ...added]) : tree;
    } catch (e) {
      if (e instanceof DomainError) return `chart dependencies: ${e.message}`;
      this.log.error(`chart dependencies of ${request.app.name}: ${(e as Error).message}`);
      return 'chart dependencies: could not be fetched';
    }
  }

  /** Runs the tool (or finds its output cached) and parses the output once for every cluster sharing it. */
  private async output(
    key: string,
    kind: 'helm' | 'kustomize',
    request: RenderRequest,
    tree: ReadonlyMap<string, Buffer>,
    run: { invocation: ToolInvocation; values?: Record<string, unknown>; overlay: string },
    giveUp: AbortController,
  ): Promise<PreparedManifests | RenderResult> {
    const outcome = await this.cache.get(key, async () => {
      const value = await this.runner.run({
        tool: kind,
        args: run.invocation.args,
        files: tree,
        sideFiles: run.values
          ? new Map([[INLINE_VALUES, Buffer.from(canonicalJson(run.values), 'utf8')]])
          : undefined,
        repositoryPath: request.app.path,
        giveUp,
      });
      return { value, bytes: value.ok ? value.stdout.length : value.message.length, keep: value.cacheable };
    });
    if (!outcome.ok) return failed(join(request.app.path, run.overlay), outcome.message);
    const files =
      kind === 'helm'
        ? helmOutputFiles(outcome.stdout, request.app.path)
        : kustomizeOutputFiles(outcome.stdout, request.app.path, run.overlay);
    return prepareManifests(files, DEFAULT_RENDER_LIMITS);
  }
}

/** The render errors of one cluster as one line for its status and the audit. */
export function describeRenderErrors(errors: readonly RenderError[]): string {
  return errors
    .map((e) => `${e.file || '(patches)'}${e.document ? ` document ${e.document}` : ''}: ${e.message}`)
    .join('; ');
}

function renderTargetOf(cluster: RenderCluster, t: ApplicationTarget): RenderTarget {
  return {
    cluster: { name: cluster.name, labels: cluster.labels },
    namespace: t.namespace,
    values: t.values,
    patches: t.patches,
  };
}

function failed(file: string, message: string): RenderResult {
  return { ok: false, errors: [{ file, document: 0, message }] };
}

function join(base: string, path: string): string {
  if (path === '.' || path === '') return base;
  return base ? `${base}/${path}` : path;
}
