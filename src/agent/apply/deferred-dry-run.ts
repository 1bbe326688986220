/**
 * Objects that cannot be dry-run before the first wave is applied, because the API server
 * would refuse them for a reason the bundle itself fixes:
 * - a custom resource whose CRD is in the same bundle but not yet served (the server does not
 *   know the kind: a 404 that the CRD wave cures);
 * - a namespaced object in a Namespace the bundle creates (a 404 on the namespace).
 * Their dry-run is postponed to just before their own wave, after Namespaces and CRDs are
 * applied and Established. If it fails then, the Namespaces and CRDs stay applied (they are
 * harmless on their own) and nothing of that wave or later is written.
 */
import type { LiveObject } from '../../domain/health/health.types.js';
import type { ClusterClient } from '../cluster/cluster-client.js';
import { asClusterError, idText } from './apply-steps.js';

interface CrdSpec {
  group?: string;
  names?: { kind?: string };
}

/** Ids of the objects whose dry-run waits until their wave (see the module comment). */
export async function findDeferred(
  client: ClusterClient,
  desired: readonly LiveObject[],
  owned: ReadonlyMap<string, LiveObject>,
): Promise<Set<string>> {
  const bundleKinds = new Set(
    desired
      .filter((o) => o.kind === 'CustomResourceDefinition')
      .map((o) => o.spec as CrdSpec | undefined)
      .map((spec) => `${spec?.group ?? ''}/${spec?.names?.kind ?? ''}`),
  );
  const unserved = new Set<string>();
  for (const obj of desired) {
    const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
    if (!bundleKinds.has(`${group}/${obj.kind}`) || unserved.has(`${obj.apiVersion}/${obj.kind}`)) continue;
    try {
      await client.resolve(obj.apiVersion, obj.kind);
    } catch (e) {
      if (asClusterError(e).kind !== 'not-found') throw e;
      unserved.add(`${obj.apiVersion}/${obj.kind}`);
    }
  }
  const missingNamespaces = new Set<string>();
  for (const ns of desired.filter((o) => o.kind === 'Namespace' && o.apiVersion === 'v1')) {
    const name = ns.metadata.name;
    if (owned.has(`/Namespace//${name}`)) continue;
    try {
      if (!(await client.get({ apiVersion: 'v1', kind: 'Namespace', name }))) missingNamespaces.add(name);
    } catch (e) {
      // Not allowed to look: dry-run now, and the server says per object what is refused.
      if (asClusterError(e).kind !== 'forbidden') throw e;
    }
  }
  const deferred = new Set<string>();
  for (const obj of desired) {
    const ns = obj.metadata.namespace;
    if (unserved.has(`${obj.apiVersion}/${obj.kind}`) || (ns !== undefined && missingNamespaces.has(ns)))
      deferred.add(idText(obj));
  }
  return deferred;
}
