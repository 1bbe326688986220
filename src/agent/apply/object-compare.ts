/**
 * Equality of a dry-run result and the live object, the test that lets an unchanged object be
 * skipped. Fields the server rewrites on every write, or that apply cannot set, are dropped
 * first; what remains changes only when an apply would change the object.
 */
import { canonicalJson } from '../../domain/canonical-json.js';
import type { LiveObject } from '../../domain/health/health.types.js';

const VOLATILE_METADATA = ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp', 'uid'];

/** A copy without server-maintained metadata and without `status`. */
export function comparable(obj: LiveObject): LiveObject {
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const key of VOLATILE_METADATA) delete metadata[key];
  const copy: LiveObject = { ...obj, metadata: metadata as LiveObject['metadata'] };
  delete copy.status;
  return copy;
}

/** True when applying would leave `live` as it is (judged from the dry-run result). */
export function sameObject(dryRun: LiveObject, live: LiveObject): boolean {
  return canonicalJson(comparable(dryRun)) === canonicalJson(comparable(live));
}
