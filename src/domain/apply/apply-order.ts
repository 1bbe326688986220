/**
 * The order in which a bundle is applied, and its reverse for pruning. Three rules, each for
 * a reason the API server imposes:
 * 1. Namespaces and CRDs come alone in a first wave: nothing namespaced can be created before
 *    its namespace, and no custom resource can even be dry-run before its CRD is Established.
 * 2. Then `flotilla.io/sync-wave` (integer, default 0, negative allowed), ascending: the
 *    user's own dependencies (a database before the app that migrates it). The agent applies
 *    a wave only once every object of the wave before is Current (sync-phases.ts).
 * 3. Within a wave, a fixed kind order (Helm's install order, also what gitops-engine uses):
 *    what others refer to (quotas, accounts, config, storage, RBAC) before the workloads that
 *    use it; webhooks last so they cannot reject the very objects their backends need.
 *    Custom resources follow every built-in kind. Ties break on kind, namespace, name, so the
 *    same bundle always yields the same plan.
 */
import { InvalidInputError } from '../errors.js';
import type { LiveObject } from '../health/health.types.js';
import { compareIds, formatId, idOf } from '../inventory/inventory.js';
import { FLOTILLA_ANNOTATIONS } from './flotilla-marks.js';

/** Any object the planner can order: only apiVersion, kind and metadata are read. */
export type KubeObjectLike = LiveObject;

/** Built-in kinds in apply order. */
export const KIND_ORDER: readonly string[] = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  // Not in Helm's list: a Pod naming an unknown priority class is refused at admission.
  'PriorityClass',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

/**
 * Groups whose kinds are Kubernetes' own. A custom resource that happens to be called
 * "Service" or "Job" is still a custom resource and goes last.
 */
const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'policy',
  'autoscaling',
  'extensions',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'admissionregistration.k8s.io',
]);

const RANK = new Map(KIND_ORDER.map((kind, index) => [kind, index]));
const CUSTOM_RANK = KIND_ORDER.length;

/** One or more objects carry a sync-wave annotation that is not an integer. */
export class InvalidSyncWaveError extends InvalidInputError {
  constructor(readonly objects: { id: string; value: string }[]) {
    super(
      `${FLOTILLA_ANNOTATIONS.syncWave} must be an integer: ` +
        objects.map((o) => `${o.id} has ${JSON.stringify(o.value)}`).join(', '),
      { objects },
    );
  }
}

const INTEGER = /^[+-]?\d+$/;

/** The object's wave, or null when the annotation is not an integer. Absent means 0. */
function waveOrNull(obj: KubeObjectLike): number | null {
  const raw = obj.metadata.annotations?.[FLOTILLA_ANNOTATIONS.syncWave];
  if (raw === undefined) return 0;
  const text = String(raw).trim();
  if (!INTEGER.test(text)) return null;
  const wave = Number(text);
  return Number.isSafeInteger(wave) ? wave : null;
}

/**
 * The object's sync wave.
 * @throws InvalidSyncWaveError naming the object when the annotation is not an integer.
 */
export function syncWaveOf(obj: KubeObjectLike): number {
  const wave = waveOrNull(obj);
  if (wave === null)
    throw new InvalidSyncWaveError([
      { id: formatId(idOf(obj)), value: String(obj.metadata.annotations?.[FLOTILLA_ANNOTATIONS.syncWave]) },
    ]);
  return wave;
}

function kindRank(obj: KubeObjectLike): number {
  const id = idOf(obj);
  if (!BUILT_IN_GROUPS.has(id.group)) return CUSTOM_RANK;
  return RANK.get(id.kind) ?? CUSTOM_RANK;
}

/** Order of two objects within one wave: kind rank, then kind, group, namespace, name. */
export function compareApplyOrder(a: KubeObjectLike, b: KubeObjectLike): number {
  const byRank = kindRank(a) - kindRank(b);
  if (byRank !== 0) return byRank;
  const ia = idOf(a);
  const ib = idOf(b);
  if (ia.kind !== ib.kind) return ia.kind < ib.kind ? -1 : 1;
  return compareIds(ia, ib);
}

/** Namespaces and CRDs: the objects every other one may depend on existing (the first wave). */
export function isFoundationObject(obj: KubeObjectLike): boolean {
  const { group, kind } = idOf(obj);
  return (
    (group === '' && kind === 'Namespace') ||
    (group === 'apiextensions.k8s.io' && kind === 'CustomResourceDefinition')
  );
}

function plan(
  objects: readonly KubeObjectLike[],
  waveOf: (obj: KubeObjectLike) => number,
): KubeObjectLike[][] {
  const foundation: KubeObjectLike[] = [];
  const byWave = new Map<number, KubeObjectLike[]>();
  for (const obj of objects) {
    if (isFoundationObject(obj)) {
      foundation.push(obj);
      continue;
    }
    const wave = waveOf(obj);
    const list = byWave.get(wave);
    if (list) list.push(obj);
    else byWave.set(wave, [obj]);
  }
  const waves = [...byWave.keys()].sort((a, b) => a - b).map((wave) => byWave.get(wave)!);
  return [foundation, ...waves]
    .filter((wave) => wave.length > 0)
    .map((wave) => [...wave].sort(compareApplyOrder));
}

/**
 * Splits a bundle into waves to apply one after the other. The agent waits for the first wave's
 * CRDs to be Established, and for every later wave that is followed by another (or by PostSync
 * hooks) to be Current before applying the next — see `waveIsGated` in sync-phases.ts; hooks
 * are taken out of the bundle before planning. Namespaces and CRDs form the first wave
 * whatever their sync-wave annotation says; empty waves are omitted. The input is not
 * modified.
 * @throws InvalidSyncWaveError naming every object whose sync wave is not an integer,
 * before anything is planned, so a bad bundle applies nothing.
 */
export function planApplyWaves(objects: readonly KubeObjectLike[]): KubeObjectLike[][] {
  const invalid = objects
    .filter((obj) => waveOrNull(obj) === null)
    .map((obj) => ({
      id: formatId(idOf(obj)),
      value: String(obj.metadata.annotations?.[FLOTILLA_ANNOTATIONS.syncWave]),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (invalid.length > 0) throw new InvalidSyncWaveError(invalid);
  return plan(objects, syncWaveOf);
}

/**
 * The waves to delete in: the exact reverse of {@link planApplyWaves}, so dependents go
 * before what they depend on and Namespaces and CRDs (whose deletion cascades) go last.
 * Unlike applying, an invalid sync wave counts as 0: the objects are leaving anyway, and a
 * typo in an old manifest must not make them undeletable.
 */
export function pruneOrder(objects: readonly KubeObjectLike[]): KubeObjectLike[][] {
  return plan(objects, (obj) => waveOrNull(obj) ?? 0)
    .reverse()
    .map((wave) => wave.reverse());
}
