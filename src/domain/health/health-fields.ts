/**
 * Defensive readers over `status` and `spec`: health rules run on whatever the API server
 * (or a misbehaving controller) wrote, so a wrong type must degrade to "absent", never throw.
 */
import type { Condition, HealthResult, LiveObject } from './health.types.js';

type Bag = Record<string, unknown>;

/** The API group of an `apiVersion` ('' for the core group's `v1`). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function isBag(value: unknown): value is Bag {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Reads a nested field; returns undefined as soon as a step is missing or not an object. */
export function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isBag(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Reads a nested integer, or `fallback` when absent or not a number. */
export function intField(value: unknown, path: string[], fallback: number): number {
  const found = field(value, ...path);
  return typeof found === 'number' && Number.isFinite(found) ? found : fallback;
}

/** Reads a nested string, or undefined. */
export function stringField(value: unknown, ...path: string[]): string | undefined {
  const found = field(value, ...path);
  return typeof found === 'string' ? found : undefined;
}

/** True when the object has a `status` worth reading (present and non-empty). */
export function hasStatus(obj: LiveObject): boolean {
  return isBag(obj.status) && Object.keys(obj.status).length > 0;
}

/** The well-formed entries of `status.conditions`. */
export function conditions(obj: LiveObject): Condition[] {
  const list = field(obj.status, 'conditions');
  if (!Array.isArray(list)) return [];
  return list.filter(
    (c): c is Condition => isBag(c) && typeof c.type === 'string' && typeof c.status === 'string',
  );
}

/** The condition of a given type, if the controller wrote one. */
export function condition(obj: LiveObject, type: string): Condition | undefined {
  return conditions(obj).find((c) => c.type === type);
}

/** The condition's own message when it has one, else the fallback. */
export function conditionMessage(c: Condition, fallback: string): string {
  return c.message && c.message.trim() !== '' ? c.message : fallback;
}

/**
 * The controller has not yet seen the latest spec: whatever status says describes an older
 * generation, so nothing else in it can be trusted. Only judged when the controller publishes
 * `status.observedGeneration` (Pods, Services and PVCs do not).
 */
export function staleGeneration(obj: LiveObject): HealthResult | null {
  const generation = obj.metadata.generation;
  const observed = field(obj.status, 'observedGeneration');
  if (typeof generation !== 'number' || typeof observed !== 'number') return null;
  if (observed >= generation) return null;
  return {
    status: 'InProgress',
    message: `${obj.kind} generation is ${generation}, but the controller has observed ${observed}`,
  };
}

/**
 * The kstatus "standard" conditions any controller may set: `Stalled=True` means it gave up
 * (Failed), `Reconciling=True` means it is still working (InProgress).
 */
export function standardConditions(obj: LiveObject): HealthResult | null {
  const stalled = condition(obj, 'Stalled');
  if (stalled?.status === 'True') return { status: 'Failed', message: conditionMessage(stalled, 'Stalled') };
  const reconciling = condition(obj, 'Reconciling');
  if (reconciling?.status === 'True')
    return { status: 'InProgress', message: conditionMessage(reconciling, 'Reconciling') };
  return null;
}

/** Shorthands so each rule reads as a table of verdicts. */
export const current = (message: string): HealthResult => ({ status: 'Current', message });
export const inProgress = (message: string): HealthResult => ({ status: 'InProgress', message });
export const failed = (message: string): HealthResult => ({ status: 'Failed', message });
