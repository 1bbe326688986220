/**
 * API discovery: which REST resource serves a group/version/kind and whether it is
 * namespaced. Cached per group/version and refreshed on a miss, so a kind whose CRD was just
 * established is found without restarting, and a bundle of a thousand ConfigMaps costs one
 * discovery request.
 */
import { errorFromResponse } from './cluster-errors.js';
import type { KubeTransport } from './kube-transport.js';

/** How a kind is served. */
export interface ResourceInfo {
  /** `v1`, `apps/v1`. */
  apiVersion: string;
  kind: string;
  /** Plural REST name, e.g. `deployments`. */
  resource: string;
  namespaced: boolean;
}

interface ApiResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}
interface ApiGroupList {
  groups?: { name: string; preferredVersion?: { version: string }; versions: { version: string }[] }[];
}

/** Kinds per group/version, loaded lazily from the API server. */
export class Discovery {
  private readonly byGroupVersion = new Map<string, Promise<Map<string, ResourceInfo> | null>>();
  private groups: Promise<ApiGroupList> | null = null;

  constructor(private readonly transport: KubeTransport) {}

  /** Forgets everything (after CRDs change). */
  invalidate(): void {
    this.byGroupVersion.clear();
    this.groups = null;
  }

  private load(apiVersion: string): Promise<Map<string, ResourceInfo> | null> {
    let entry = this.byGroupVersion.get(apiVersion);
    if (!entry) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      entry = this.transport.request('GET', path).then((res) => {
        if (res.status === 404) return null;
        if (res.status !== 200) throw errorFromResponse(res.status, res.body, `discovery of ${apiVersion}`);
        const kinds = new Map<string, ResourceInfo>();
        for (const r of (res.body as ApiResourceList).resources ?? []) {
          // Subresources (`deployments/status`) share the kind; only the main resource counts.
          if (r.name.includes('/')) continue;
          kinds.set(r.kind, { apiVersion, kind: r.kind, resource: r.name, namespaced: r.namespaced });
        }
        return kinds;
      });
      entry.catch(() => this.byGroupVersion.delete(apiVersion));
      this.byGroupVersion.set(apiVersion, entry);
    }
    return entry;
  }

  /**
   * The resource serving `kind` in `apiVersion`, or null when the API server does not know it
   * (a missing CRD). A miss refreshes that group/version once before answering null.
   */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo | null> {
    const cached = await this.load(apiVersion);
    if (cached?.has(kind)) return cached.get(kind)!;
    this.byGroupVersion.delete(apiVersion);
    return (await this.load(apiVersion))?.get(kind) ?? null;
  }

  /**
   * The resource serving `kind` in `group` at the group's preferred version (inventories store
   * version-free ids), falling back to any served version. Null when the group has no such kind.
   */
  async resolveGroupKind(group: string, kind: string): Promise<ResourceInfo | null> {
    if (group === '') return this.resolve('v1', kind);
    this.groups ??= this.transport.request('GET', '/apis').then((res) => {
      if (res.status !== 200) throw errorFromResponse(res.status, res.body, 'discovery of /apis');
      return res.body as ApiGroupList;
    });
    let list: ApiGroupList;
    try {
      list = await this.groups;
    } catch (e) {
      this.groups = null;
      throw e;
    }
    let entry = list.groups?.find((g) => g.name === group);
    if (!entry) {
      this.groups = null;
      return null;
    }
    const versions = [entry.preferredVersion?.version, ...entry.versions.map((v) => v.version)].filter(
      (v): v is string => !!v,
    );
    for (const version of versions) {
      const info = await this.resolve(`${group}/${version}`, kind);
      if (info) return info;
    }
    entry = undefined;
    return null;
  }
}
