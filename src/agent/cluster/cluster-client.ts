/**
 * The agent's view of one Kubernetes API server: discovery, server-side apply (and its
 * dry-run), get, delete, list and watch by label. Everything the applier and the drift
 * watcher need, behind {@link ClusterClient} so they can be exercised against any server.
 */
import type { LiveObject } from '../../domain/health/health.types.js';
import { ClusterError, errorFromResponse } from './cluster-errors.js';
import { Discovery, type ResourceInfo } from './discovery.js';
import { Http2KubeTransport } from './kube-h2-transport.js';
import { loadKubeConfig, type KubeConfigSource, type KubeTransport } from './kube-transport.js';
import { LabelWatch, withoutManagedFields, type WatchEvent, type WatchOptions } from './kube-watch.js';

export { ClusterError } from './cluster-errors.js';
export type { ResourceInfo } from './discovery.js';
export type { WatchEvent } from './kube-watch.js';

/** The field manager every Flotilla write uses: what ownership of fields is recorded under. */
export const FIELD_MANAGER = 'flotilla';

/** Identifies one object. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The answer to an apply: the object as stored (or as it would be, for a dry-run). */
export interface ApplyResult {
  object: LiveObject;
  /** True when the object did not exist before (HTTP 201). */
  created: boolean;
}

/** A running watch; `stop()` ends it for good. */
export interface WatchHandle {
  stop(): void;
  /** The objects as last listed or watched (empty until the first list). */
  objects(): LiveObject[];
}

/** What the agent does to a cluster. Every failure is a {@link ClusterError}. */
export interface ClusterClient {
  /** How `kind` of `apiVersion` is served; `not-found` error when the kind is unknown (missing CRD). */
  resolve(apiVersion: string, kind: string): Promise<ResourceInfo>;
  /** Version-free lookup (`group` + `kind`) at the preferred version; null when unknown. */
  resolveGroupKind(group: string, kind: string): Promise<ResourceInfo | null>;
  /** Forget discovery (call after CRDs were created). */
  refreshDiscovery(): void;
  /** Server-side apply as `flotilla`, forcing conflicts; `dryRun` validates and persists nothing. */
  apply(obj: LiveObject, options?: { dryRun?: boolean }): Promise<ApplyResult>;
  /** The live object, or null when it does not exist. */
  get(ref: ObjectRef): Promise<LiveObject | null>;
  /** JSON merge patch (used to strip our marks); returns the patched object. */
  mergePatch(ref: ObjectRef, patch: unknown): Promise<LiveObject>;
  /** Deletes; false when it was already gone. Background propagation unless told otherwise. */
  delete(
    ref: ObjectRef,
    options?: { propagation?: 'Foreground' | 'Background' | 'Orphan' },
  ): Promise<boolean>;
  /** Every object of a kind (all namespaces, or one) matching a label selector, without managedFields. */
  list(
    apiVersion: string,
    kind: string,
    options: { labelSelector?: string; namespace?: string },
  ): Promise<{ items: LiveObject[]; resourceVersion: string }>;
  /**
   * Watches a kind by label — across namespaces, or in `options.namespace` only (what a
   * namespaced Role permits) — re-listing and restarting with backoff on any failure; the
   * first list reports every object as ADDED, a re-list what changed meanwhile (deletions
   * included).
   */
  watch(
    apiVersion: string,
    kind: string,
    labelSelector: string,
    onEvent: (event: WatchEvent) => void,
    options?: WatchOptions & { namespace?: string },
  ): WatchHandle;
  /** `gitVersion` of the API server. */
  serverVersion(): Promise<string>;
  /** Every `group/version` the API server serves, sorted (`v1` for the core group). */
  apiVersions(): Promise<string[]>;
  close(): void;
}

const enc = encodeURIComponent;

/** REST path of a resource collection or object. */
export function resourcePath(info: ResourceInfo, namespace: string | undefined, name?: string): string {
  const base = info.apiVersion.includes('/') ? `/apis/${info.apiVersion}` : `/api/${info.apiVersion}`;
  const ns = info.namespaced && namespace ? `/namespaces/${enc(namespace)}` : '';
  return `${base}${ns}/${info.resource}${name === undefined ? '' : `/${enc(name)}`}`;
}

function describe(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** {@link ClusterClient} over a {@link KubeTransport}. */
export class KubeClusterClient implements ClusterClient {
  private readonly discovery: Discovery;

  /** @param listPageSize objects per page of a list (`limit`); client-go's reflector uses 500. */
  constructor(
    readonly transport: KubeTransport,
    private readonly listPageSize = 500,
  ) {
    this.discovery = new Discovery(transport);
  }

  /**
   * A client for a kubeconfig string, file, or the pod's service account, over HTTP/2 (HTTP/1.1
   * when the server does not offer it): a tenth less API-server CPU and a fifth less agent CPU
   * per apply than HTTP/1.1 (bench/agent.ts).
   */
  static fromConfig(source: KubeConfigSource, maxSockets?: number): KubeClusterClient {
    return new KubeClusterClient(new Http2KubeTransport(loadKubeConfig(source), maxSockets));
  }

  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const info = await this.discovery.resolve(apiVersion, kind);
    if (!info)
      throw new ClusterError(
        'not-found',
        `the API server does not serve kind ${kind} in ${apiVersion} (is its CustomResourceDefinition installed?)`,
        404,
      );
    return info;
  }

  resolveGroupKind(group: string, kind: string): Promise<ResourceInfo | null> {
    return this.discovery.resolveGroupKind(group, kind);
  }

  refreshDiscovery(): void {
    this.discovery.invalidate();
  }

  private async pathOf(ref: ObjectRef, withName = true): Promise<string> {
    const info = await this.resolve(ref.apiVersion, ref.kind);
    // A namespaced object without a namespace goes where kubectl would put it.
    const namespace = info.namespaced ? (ref.namespace ?? 'default') : undefined;
    return resourcePath(info, namespace, withName ? ref.name : undefined);
  }

  async apply(obj: LiveObject, options: { dryRun?: boolean } = {}): Promise<ApplyResult> {
    const ref = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
    };
    const path = await this.pathOf(ref);
    // No unknown- and duplicate-field check: by default the server makes it only to send
    // warnings, which the agent does not read, and it costs the API server about a tenth of an
    // apply's CPU (bench/agent.ts prints the server's CPU).
    const query = `?fieldManager=${FIELD_MANAGER}&force=true&fieldValidation=Ignore${options.dryRun ? '&dryRun=All' : ''}`;
    const res = await this.transport.request('PATCH', path + query, {
      body: obj,
      // JSON is YAML: the apply content type accepts it unchanged.
      contentType: 'application/apply-patch+yaml',
    });
    if (res.status !== 200 && res.status !== 201)
      throw errorFromResponse(res.status, res.body, `${options.dryRun ? 'dry-run of ' : ''}${describe(ref)}`);
    return { object: res.body as LiveObject, created: res.status === 201 };
  }

  async get(ref: ObjectRef): Promise<LiveObject | null> {
    const res = await this.transport.request('GET', await this.pathOf(ref));
    if (res.status === 404) return null;
    if (res.status !== 200) throw errorFromResponse(res.status, res.body, `get ${describe(ref)}`);
    return res.body as LiveObject;
  }

  async mergePatch(ref: ObjectRef, patch: unknown): Promise<LiveObject> {
    const res = await this.transport.request(
      'PATCH',
      `${await this.pathOf(ref)}?fieldManager=${FIELD_MANAGER}`,
      {
        body: patch,
        contentType: 'application/merge-patch+json',
      },
    );
    if (res.status !== 200) throw errorFromResponse(res.status, res.body, `patch ${describe(ref)}`);
    return res.body as LiveObject;
  }

  async delete(
    ref: ObjectRef,
    options: { propagation?: 'Foreground' | 'Background' | 'Orphan' } = {},
  ): Promise<boolean> {
    const res = await this.transport.request('DELETE', await this.pathOf(ref), {
      body: {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        propagationPolicy: options.propagation ?? 'Background',
      },
    });
    if (res.status === 404) return false;
    if (res.status !== 200 && res.status !== 202)
      throw errorFromResponse(res.status, res.body, `delete ${describe(ref)}`);
    return true;
  }

  async list(
    apiVersion: string,
    kind: string,
    options: { labelSelector?: string; namespace?: string },
  ): Promise<{ items: LiveObject[]; resourceVersion: string }> {
    const info = await this.resolve(apiVersion, kind);
    const path = resourcePath(info, options.namespace);
    const selector = options.labelSelector ? `&labelSelector=${enc(options.labelSelector)}` : '';
    const items: LiveObject[] = [];
    let resourceVersion = '';
    let next = '';
    let limit = `limit=${this.listPageSize}`;
    // In pages, as client-go's reflector lists: one answer for every object of a large
    // application is megabytes of JSON, parsed whole with each object's managedFields, and
    // the heap grown for it outlives the list (issue 24). The pages share one snapshot.
    for (;;) {
      const res = await this.transport.request(
        'GET',
        `${path}?${limit}${selector}${next ? `&continue=${enc(next)}` : ''}`,
      );
      if (res.status === 410 && next) {
        // The snapshot expired between pages (etcd compacted it): start over in one answer,
        // as client-go does, so a slow reader cannot loop.
        items.length = 0;
        next = '';
        limit = 'limit=0';
        continue;
      }
      if (res.status !== 200) throw errorFromResponse(res.status, res.body, `list ${kind}`);
      const body = res.body as {
        items?: LiveObject[];
        metadata?: { resourceVersion?: string; continue?: string };
      };
      // Lists omit apiVersion/kind on items; restore them so items are whole objects. The
      // server's field-ownership records go: no caller of a list reads them.
      for (const item of body.items ?? []) items.push(withoutManagedFields({ ...item, apiVersion, kind }));
      resourceVersion = body.metadata?.resourceVersion ?? resourceVersion;
      next = body.metadata?.continue ?? '';
      if (!next) break;
    }
    return { items, resourceVersion };
  }

  watch(
    apiVersion: string,
    kind: string,
    labelSelector: string,
    onEvent: (event: WatchEvent) => void,
    options: WatchOptions & { namespace?: string } = {},
  ): WatchHandle {
    const { namespace } = options;
    const watch = new LabelWatch(
      {
        list: () => this.list(apiVersion, kind, { labelSelector, namespace }),
        stream: async (resourceVersion, onLine, signal) => {
          const info = await this.resolve(apiVersion, kind);
          const query =
            `?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&labelSelector=${enc(labelSelector)}` +
            `&resourceVersion=${enc(resourceVersion)}`;
          await this.transport.stream(resourcePath(info, namespace) + query, onLine, signal);
        },
      },
      apiVersion,
      kind,
      onEvent,
      options,
    );
    watch.start();
    return watch;
  }

  async serverVersion(): Promise<string> {
    const res = await this.transport.request('GET', '/version');
    if (res.status !== 200) throw errorFromResponse(res.status, res.body, 'version');
    return (res.body as { gitVersion?: string }).gitVersion ?? 'unknown';
  }

  async apiVersions(): Promise<string[]> {
    const [core, groups] = await Promise.all([
      this.transport.request('GET', '/api'),
      this.transport.request('GET', '/apis'),
    ]);
    if (core.status !== 200) throw errorFromResponse(core.status, core.body, 'discovery /api');
    if (groups.status !== 200) throw errorFromResponse(groups.status, groups.body, 'discovery /apis');
    const found = new Set<string>((core.body as { versions?: string[] }).versions ?? []);
    for (const g of (groups.body as { groups?: { versions?: { groupVersion?: string }[] }[] }).groups ?? [])
      for (const v of g.versions ?? []) if (v.groupVersion) found.add(v.groupVersion);
    return [...found].sort();
  }

  close(): void {
    this.transport.close();
  }
}
