/**
 * The steps a reconcile is made of, each against the cluster: listing what the application
 * owns, dry-running, applying one object (recreating it on immutable-field errors when asked)
 * and waiting for CRDs to be Established.
 */
import { isForceEnabled, FLOTILLA_LABELS } from '../../domain/apply/flotilla-marks.js';
import type { LiveObject } from '../../domain/health/health.types.js';
import { formatId, idOf } from '../../domain/inventory/inventory.js';
import type { ResourceActionV1 } from '../../protocol/v1/agent-protocol.js';
import { ClusterError, type ClusterClient } from '../cluster/cluster-client.js';
import { mapBounded } from './bounded.js';
import { refOf } from './prune.js';

/** The id of an object as the protocol writes it. */
export const idText = (obj: LiveObject): string => formatId(idOf(obj));

/** Any error as a {@link ClusterError}. */
export function asClusterError(e: unknown): ClusterError {
  return e instanceof ClusterError ? e : new ClusterError('unknown', (e as Error)?.message ?? String(e), 0);
}

/**
 * Every object of the bundle's kinds carrying the application's label, by id: one list request
 * per kind, however many objects. Kinds the server does not serve (yet) are skipped. An agent
 * allowed only some namespaces lists those one by one; a namespace (or a cluster-scoped kind)
 * it may not read counts as holding nothing, and the dry-run then names each forbidden object.
 */
export async function listOwned(
  client: ClusterClient,
  objects: readonly LiveObject[],
  applicationId: string,
): Promise<Map<string, LiveObject>> {
  const owned = new Map<string, LiveObject>();
  const labelSelector = `${FLOTILLA_LABELS.application}=${applicationId}`;
  const byKind = new Map<string, { apiVersion: string; kind: string; namespaces: Set<string> }>();
  for (const o of objects) {
    const key = `${o.apiVersion}/${o.kind}`;
    const entry = byKind.get(key) ?? {
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespaces: new Set<string>(),
    };
    if (o.metadata.namespace) entry.namespaces.add(o.metadata.namespace);
    byKind.set(key, entry);
  }
  for (const { apiVersion, kind, namespaces } of byKind.values()) {
    try {
      await client.resolve(apiVersion, kind);
    } catch (e) {
      if (asClusterError(e).kind === 'not-found') continue;
      throw e;
    }
    let items: LiveObject[];
    try {
      items = (await client.list(apiVersion, kind, { labelSelector })).items;
    } catch (e) {
      // A kind it may not list (at all, or across namespaces) holds nothing it can see.
      if (asClusterError(e).kind !== 'forbidden') throw e;
      items = [];
      for (const namespace of namespaces) {
        try {
          items.push(...(await client.list(apiVersion, kind, { labelSelector, namespace })).items);
        } catch (e2) {
          if (asClusterError(e2).kind !== 'forbidden') throw e2;
        }
      }
    }
    for (const item of items) owned.set(idText(item), item);
  }
  return owned;
}

/** Result of one object's apply. */
export interface ObjectApply {
  action: ResourceActionV1;
  live?: LiveObject;
  message?: string;
  error?: ClusterError;
}

/** Waits until the object is gone from the API server. */
export async function waitGone(client: ClusterClient, obj: LiveObject, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await client.get(refOf(obj)))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new ClusterError('unavailable', `${idText(obj)} still exists ${timeoutMs} ms after its deletion`, 0);
}

/**
 * Applies one object. An immutable-field refusal deletes and recreates the object when the job
 * or the object asks for it (`flotilla.io/force: enabled`); otherwise it is reported, since
 * recreating can lose data (a PVC, a Job's history).
 */
export async function applyObject(
  client: ClusterClient,
  obj: LiveObject,
  force: boolean,
  recreateTimeoutMs: number,
): Promise<ObjectApply> {
  try {
    const res = await client.apply(obj);
    return { action: res.created ? 'created' : 'configured', live: res.object };
  } catch (e) {
    const error = asClusterError(e);
    if (error.kind !== 'immutable') return { action: 'failed', message: error.message, error };
    if (!force && !isForceEnabled(obj)) return { action: 'failed', error, message: immutableHint(error) };
    try {
      // Background: the object goes at once; dependents are the garbage collector's business.
      await client.delete(refOf(obj), { propagation: 'Background' });
      await waitGone(client, obj, recreateTimeoutMs);
      const res = await client.apply(obj);
      return { action: 'configured', live: res.object, message: 'recreated: an immutable field changed' };
    } catch (e2) {
      const again = asClusterError(e2);
      return { action: 'failed', message: `recreate failed: ${again.message}`, error: again };
    }
  }
}

/** The server's immutable-field message, with what to do about it. */
export function immutableHint(error: ClusterError): string {
  return `${error.message} (an immutable field changed; annotate the object flotilla.io/force: enabled to let Flotilla delete and recreate it)`;
}

/** Dry-runs objects in parallel; the result per object is the server's answer or its error. */
export function dryRunAll(
  client: ClusterClient,
  objects: readonly LiveObject[],
  concurrency: number,
): Promise<({ ok: true; object: LiveObject } | { ok: false; error: ClusterError })[]> {
  return mapBounded(objects, concurrency, async (obj) => {
    try {
      return { ok: true as const, object: (await client.apply(obj, { dryRun: true })).object };
    } catch (e) {
      return { ok: false as const, error: asClusterError(e) };
    }
  });
}

function established(crd: LiveObject | null): boolean {
  const conditions = (crd?.status as { conditions?: { type: string; status: string }[] } | undefined)
    ?.conditions;
  return !!conditions?.some((c) => c.type === 'Established' && c.status === 'True');
}

/** Waits until every CRD is Established, then refreshes discovery so their kinds resolve. */
export async function waitEstablished(
  client: ClusterClient,
  crds: readonly LiveObject[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    while (!established(await client.get(refOf(crd)))) {
      if (Date.now() > deadline)
        throw new ClusterError(
          'unavailable',
          `CustomResourceDefinition ${crd.metadata.name} not Established in time`,
          0,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.refreshDiscovery();
}
