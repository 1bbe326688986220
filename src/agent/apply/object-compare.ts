/**
 * Equality of a dry-run result and the live object, the test that lets an unchanged object be
 * skipped. What counts is the domain's `comparable` (shared with the preview's field diff).
 */
import { comparable } from '../../domain/apply/comparable-object.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import type { LiveObject } from '../../domain/health/health.types.js';

export { comparable };

/** True when applying would leave `live` as it is (judged from the dry-run result). */
export function sameObject(dryRun: LiveObject, live: LiveObject): boolean {
  return canonicalJson(comparable(dryRun)) === canonicalJson(comparable(live));
}
