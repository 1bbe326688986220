/**
 * The inventory of an application in a cluster: the ids of the objects it applied. Diffing
 * the previous inventory against the next bundle is what tells prune what to delete, so ids
 * are version-free (a Deployment moving from `apps/v1beta2` to `apps/v1` is the same object)
 * and every list comes out sorted, so plans and reports are reproducible.
 */
import { InvalidInputError } from '../errors.js';
import { isPruneDisabled, ownedBy } from '../apply/flotilla-marks.js';
import type { LiveObject } from '../health/health.types.js';

/** Identity of a cluster object: group '' for the core group, namespace '' when cluster-scoped. */
export interface ObjectId {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Added, kept and removed ids between two inventories, each sorted by {@link compareIds}. */
export interface InventoryDiff {
  added: ObjectId[];
  kept: ObjectId[];
  removed: ObjectId[];
}

/** Why a removed object is left in place. */
export type PruneSkipReason = 'not-owned' | 'prune-disabled' | 'gone';

/** What prune deletes, and what it leaves with the reason. */
export interface PrunePlan {
  prune: ObjectId[];
  skip: { id: ObjectId; reason: PruneSkipReason }[];
}

/** The id of an object (its group taken from `apiVersion`). */
export function idOf(obj: LiveObject): ObjectId {
  const slash = obj.apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : obj.apiVersion.slice(0, slash),
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
  };
}

/** `group/Kind/namespace/name`, e.g. `apps/Deployment/web/api`, `/Namespace//web`. */
export function formatId(id: ObjectId): string {
  return `${id.group}/${id.kind}/${id.namespace}/${id.name}`;
}

const KIND = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * Parses {@link formatId}'s output. None of the four parts can contain '/' in Kubernetes, so
 * the split is unambiguous.
 * @throws InvalidInputError naming the text when it is not an id.
 */
export function parseId(text: string): ObjectId {
  const parts = text.split('/');
  if (parts.length !== 4)
    throw new InvalidInputError(`object id "${text}": expected group/Kind/namespace/name`, { id: text });
  const [group, kind, namespace, name] = parts as [string, string, string, string];
  if (!KIND.test(kind)) throw new InvalidInputError(`object id "${text}": kind must be a word`, { id: text });
  if (name === '') throw new InvalidInputError(`object id "${text}": name must not be empty`, { id: text });
  return { group, kind, namespace, name };
}

/**
 * Orders ids by group, kind, namespace, name, comparing code units: `localeCompare` would
 * depend on the locale of the process, and two agents must agree.
 */
export function compareIds(a: ObjectId, b: ObjectId): number {
  for (const key of ['group', 'kind', 'namespace', 'name'] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  return 0;
}

function uniqueSorted(ids: readonly ObjectId[]): Map<string, ObjectId> {
  const byKey = new Map<string, ObjectId>();
  for (const id of [...ids].sort(compareIds)) byKey.set(formatId(id), id);
  return byKey;
}

/** Compares the previous inventory with the next one; duplicates count once. */
export function diffInventory(previous: readonly ObjectId[], next: readonly ObjectId[]): InventoryDiff {
  const before = uniqueSorted(previous);
  const after = uniqueSorted(next);
  return {
    added: [...after].filter(([key]) => !before.has(key)).map(([, id]) => id),
    kept: [...after].filter(([key]) => before.has(key)).map(([, id]) => id),
    removed: [...before].filter(([key]) => !after.has(key)).map(([, id]) => id),
  };
}

/**
 * Decides which removed objects to delete. `live` maps {@link formatId} keys to what the
 * cluster holds now (null or absent: already gone). An object is deleted only while it still
 * carries this application's mark — someone may have adopted it since — and is not annotated
 * `flotilla.io/prune: disabled`.
 */
export function prunable(
  removed: readonly ObjectId[],
  live: ReadonlyMap<string, LiveObject | null>,
  applicationId: string,
): PrunePlan {
  const plan: PrunePlan = { prune: [], skip: [] };
  for (const id of [...uniqueSorted(removed).values()]) {
    const obj = live.get(formatId(id)) ?? null;
    if (obj === null) plan.skip.push({ id, reason: 'gone' });
    else if (ownedBy(obj) !== applicationId) plan.skip.push({ id, reason: 'not-owned' });
    else if (isPruneDisabled(obj)) plan.skip.push({ id, reason: 'prune-disabled' });
    else plan.prune.push(id);
  }
  return plan;
}
