/**
 * Drift detection and self-heal. One label-selected watch per kind of managed object (the
 * `flotilla.io/application` label, any value), never the whole cluster. An agent installed
 * with namespaced RBAC (a guardrail's Roles) may not watch a kind across namespaces: when the
 * API server refuses that (403), the kind is watched in each namespace holding managed
 * objects of it instead, as the prune's inventory list does. An event is drift when
 * the live object differs from desired in a field we set — `diffObjects` over the bundle's
 * object, minus the application's ignoreDifferences, minus differences the server itself made
 * when we applied (normalised quantities, defaults) — or when the object was deleted. Events our
 * own writes cause leave no such difference and are ignored, as are events while the
 * application is being reconciled (the reconcile decides then). Values of a Secret's data and
 * of fields the object lists in `flotilla.io/redact` are replaced by keyed hashes before a
 * diff leaves the watcher (domain/apply/redaction.ts).
 */
import { FLOTILLA_LABELS } from '../domain/apply/flotilla-marks.js';
import { diffObjects, formatDiff, parsePointer, type FieldDiff } from '../domain/apply/ignore-differences.js';
import { redactFieldDiffs } from '../domain/apply/redaction.js';
import { canonicalJson } from '../domain/canonical-json.js';
import type { CustomHealth } from '../domain/health/custom-health.js';
import { assessHealth } from '../domain/health/health.js';
import type { HealthResult, LiveObject } from '../domain/health/health.types.js';
import type { AppliedObject } from './apply/apply.types.js';
import { idText } from './apply/apply-steps.js';
import type { ClusterClient, WatchHandle } from './cluster/cluster-client.js';
import { isOlderVersion } from './resource-version.js';
import { withoutManagedFields } from './cluster/kube-watch.js';
import { asClusterError } from './apply/apply-steps.js';

/** What the watcher enforces for one application. */
export interface WatchedApplication {
  applicationId: string;
  revision: string;
  selfHeal: boolean;
  ignoreDifferences: string[];
  /** The custom health checks of its last job: objects of their kinds are judged by them. */
  health?: CustomHealth;
}

/** A drift found (and possibly corrected). */
export interface DriftNotice {
  applicationId: string;
  revision: string;
  resource: string;
  diff: string;
  deleted: boolean;
  /** Health of the object as found (NotFound when deleted). */
  health: HealthResult;
}

/** Where the watcher sends what it finds. */
export interface DriftSink {
  detected(notice: DriftNotice): void;
  corrected(notice: DriftNotice, live: LiveObject): void;
  failed(notice: DriftNotice, error: unknown): void;
  watchError?(kind: string, error: unknown): void;
  /**
   * An object's health changed without drift (a controller progressed a rollout): the hub
   * learns it from this, since a job result only knows the health at apply time.
   */
  healthChanged?(change: HealthChange): void;
}

/** A managed object whose assessed health moved, with nothing of ours changed. */
export interface HealthChange {
  applicationId: string;
  resource: string;
  health: HealthResult;
}

interface Entry {
  desired: LiveObject;
  /** The object as the server returned it after our last write or check. */
  applied: LiveObject;
  /** The health status last told to the hub (by the job result or a change since). */
  health: HealthResult['status'];
}

interface AppState {
  app: WatchedApplication;
  objects: Map<string, Entry>;
  busy: number;
}

const isBag = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The value at a JSON pointer of `applied`, following list entries by `name` where `desired`
 * (whose indexes the pointer uses) has named entries, so re-ordered containers still match.
 */
function valueAt(desired: unknown, applied: unknown, pointer: string): unknown {
  let d = desired;
  let a = applied;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(d) && Array.isArray(a)) {
      const entry: unknown = d[Number(token)];
      const name = isBag(entry) ? entry.name : undefined;
      a = typeof name === 'string' ? a.find((x) => isBag(x) && x.name === name) : a[Number(token)];
      d = entry;
    } else {
      d = isBag(d) ? d[token] : undefined;
      a = isBag(a) ? a[token] : undefined;
    }
  }
  return a;
}

/** The drift of `live` from an entry: fields we set that differ, not explained by the server's normalisation. */
export function driftOf(entry: Entry, live: LiveObject, ignore: readonly string[]): FieldDiff[] {
  return diffObjects(entry.desired, live, ignore).filter(
    (d) =>
      canonicalJson(valueAt(entry.desired, entry.applied, d.path) ?? null) !== canonicalJson(d.live ?? null),
  );
}

/** The namespace of an object, undefined for a cluster-scoped one. */
const namespaceOf = (o: LiveObject): string | undefined => o.metadata.namespace || undefined;

/** See the module comment. */
export class DriftWatcher {
  private readonly apps = new Map<string, AppState>();
  /** By `apiVersion/kind`, or `apiVersion/kind@namespace` for a kind watched per namespace. */
  private readonly watches = new Map<string, WatchHandle>();
  /** Kinds the server refused to let us watch across namespaces. */
  private readonly perNamespace = new Set<string>();
  private readonly healing = new Map<string, number[]>();

  /**
   * @param redactionKey the HMAC key of redacted values (per agent; see domain/apply/redaction.ts),
   *   read at each drift so it may change once the agent has its credential.
   */
  constructor(
    private readonly client: ClusterClient,
    private readonly sink: DriftSink,
    private readonly redactionKey: () => string | Uint8Array,
  ) {}

  /** Managed objects across applications. */
  get objectCount(): number {
    let n = 0;
    for (const s of this.apps.values()) n += s.objects.size;
    return n;
  }

  /** Replaces what is enforced for an application and watches any new kinds. */
  setDesired(app: WatchedApplication, applied: readonly AppliedObject[]): void {
    const state = this.apps.get(app.applicationId) ?? { app, objects: new Map(), busy: 0 };
    state.app = app;
    state.objects = new Map(
      applied.map((a) => [
        a.id,
        {
          desired: a.desired,
          applied: withoutManagedFields(a.live),
          health: assessHealth(a.live, app.health).status,
        },
      ]),
    );
    this.apps.set(app.applicationId, state);
    const kinds = new Set(applied.map((a) => `${a.desired.apiVersion}/${a.desired.kind}`));
    for (const a of applied) this.ensureWatch(a.desired.apiVersion, a.desired.kind, namespaceOf(a.desired));
    // A change made while the application was being reconciled (its events were ignored) is
    // checked now against what the open watches last saw; a new watch reports all it lists.
    for (const [key, watch] of this.watches)
      if (kinds.has(key.split('@')[0]))
        for (const live of watch.objects())
          if (live.metadata.labels?.[FLOTILLA_LABELS.application] === app.applicationId)
            this.onEvent('MODIFIED', live);
  }

  removeApplication(applicationId: string): void {
    this.apps.delete(applicationId);
  }

  /** Marks an application as being reconciled; events for it are ignored until `done()`. */
  busy(applicationId: string): { done(): void } {
    const state = this.apps.get(applicationId);
    if (state) state.busy++;
    return { done: () => state && state.busy-- };
  }

  stop(): void {
    for (const w of this.watches.values()) w.stop();
    this.watches.clear();
  }

  private ensureWatch(apiVersion: string, kind: string, namespace: string | undefined): void {
    const kindKey = `${apiVersion}/${kind}`;
    const scoped = this.perNamespace.has(kindKey) && namespace !== undefined;
    const key = scoped ? `${kindKey}@${namespace}` : kindKey;
    if (this.watches.has(key)) return;
    this.watches.set(
      key,
      this.client.watch(
        apiVersion,
        kind,
        FLOTILLA_LABELS.application,
        (e) => this.onEvent(e.type, e.object),
        {
          ...(scoped ? { namespace } : {}),
          onError: (error) => {
            if (!scoped && asClusterError(error).kind === 'forbidden' && this.narrow(apiVersion, kind))
              return;
            this.sink.watchError?.(key, error);
          },
          onListed: (objects) => this.onListed(apiVersion, kind, scoped ? namespace : undefined, objects),
        },
      ),
    );
  }

  /**
   * The server refused a watch of this kind across namespaces: watch it in each namespace of
   * its managed objects instead. False (nothing changed) when one of them is cluster-scoped,
   * which no namespace can hold: that refusal stands and is reported.
   */
  private narrow(apiVersion: string, kind: string): boolean {
    const kindKey = `${apiVersion}/${kind}`;
    const namespaces = new Set<string | undefined>();
    for (const state of this.apps.values())
      for (const entry of state.objects.values())
        if (entry.desired.apiVersion === apiVersion && entry.desired.kind === kind)
          namespaces.add(namespaceOf(entry.desired));
    if (namespaces.has(undefined)) return false;
    this.watches.get(kindKey)?.stop();
    this.watches.delete(kindKey);
    this.perNamespace.add(kindKey);
    for (const namespace of namespaces) this.ensureWatch(apiVersion, kind, namespace);
    return true;
  }

  /**
   * A managed object of this kind (in this namespace, for a watch of one) missing from a
   * watch's first list was deleted before the watch was open (an agent restarted, then the
   * object went): handled as its deletion.
   */
  private onListed(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    objects: readonly LiveObject[],
  ): void {
    const present = new Set(objects.map(idText));
    for (const state of this.apps.values())
      for (const [id, entry] of state.objects)
        if (
          entry.desired.apiVersion === apiVersion &&
          entry.desired.kind === kind &&
          (namespace === undefined || namespaceOf(entry.desired) === namespace) &&
          !present.has(id)
        )
          this.onEvent('DELETED', entry.applied);
  }

  private onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', live: LiveObject): void {
    const appId = live.metadata.labels?.[FLOTILLA_LABELS.application];
    const state = appId ? this.apps.get(appId) : undefined;
    if (!state || state.busy > 0) return;
    const id = idText(live);
    const entry = state.objects.get(id);
    if (!entry) return;
    const deleted = type === 'DELETED';
    if (!deleted && live.metadata.resourceVersion === entry.applied.metadata.resourceVersion) {
      // The same version is the same object: keep the watch's copy, which the watch holds
      // anyway, and let ours (from the apply's answer) go. Otherwise every managed object is
      // held twice, about 2 MiB of heap at 2,000 ConfigMaps (issue 24).
      entry.applied = live;
      return;
    }
    // A watch cache may still hold the object from before our own apply (the re-check after a
    // reconcile reads it): that is not drift, our apply's own event follows.
    if (!deleted && isOlderVersion(live.metadata.resourceVersion, entry.applied.metadata.resourceVersion))
      return;
    const diff = deleted ? [] : driftOf(entry, live, state.app.ignoreDifferences);
    if (!deleted && diff.length === 0) {
      entry.applied = live;
      const health = assessHealth(live, state.app.health);
      if (health.status !== entry.health) {
        entry.health = health.status;
        this.sink.healthChanged?.({ applicationId: state.app.applicationId, resource: id, health });
      }
      return;
    }
    const notice: DriftNotice = {
      applicationId: state.app.applicationId,
      revision: state.app.revision,
      resource: id,
      diff: deleted
        ? '- (object deleted)\n+ (object as in the bundle)'
        : formatDiff(redactFieldDiffs(diff, entry.desired, this.redactionKey())),
      deleted,
      health: assessHealth(deleted ? null : live, state.app.health),
    };
    entry.health = notice.health.status;
    this.sink.detected(notice);
    if (state.app.selfHeal) void this.heal(state, id, entry, notice);
  }

  /** Re-applies one object, backing off when something keeps undoing the correction. */
  private async heal(state: AppState, id: string, entry: Entry, notice: DriftNotice): Promise<void> {
    const now = Date.now();
    const recent = (this.healing.get(id) ?? []).filter((t) => now - t < 60_000);
    recent.push(now);
    this.healing.set(id, recent);
    // A controller fighting us: 0 s for the first corrections, then up to 30 s apart.
    const delay = recent.length <= 3 ? 0 : Math.min(30_000, 1000 * 2 ** (recent.length - 4));
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (this.apps.get(state.app.applicationId) !== state || state.objects.get(id) !== entry) return;
    try {
      const res = await this.client.apply(entry.desired);
      entry.applied = withoutManagedFields(res.object);
      entry.health = 'Current';
      this.sink.corrected(notice, res.object);
    } catch (e) {
      this.sink.failed(notice, e);
    }
  }
}
