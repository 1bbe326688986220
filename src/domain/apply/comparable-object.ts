/**
 * What of an object an apply can change. Fields the server rewrites on every write (or that
 * apply cannot set) are dropped, so two copies of an object compare equal exactly when applying
 * one over the other would change nothing. Shared by the applier's "unchanged, skip the write"
 * test and the preview's field diff, so both agree on what counts.
 */
import type { LiveObject } from '../health/health.types.js';

/** Metadata the API server maintains itself. */
export const VOLATILE_METADATA: readonly string[] = [
  'managedFields',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'uid',
];

/** A copy without server-maintained metadata and without `status`. */
export function comparable(obj: LiveObject): LiveObject {
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const key of VOLATILE_METADATA) delete metadata[key];
  const copy: LiveObject = { ...obj, metadata: metadata as LiveObject['metadata'] };
  delete copy.status;
  return copy;
}
