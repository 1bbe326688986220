/**
 * PersistentVolumeClaim health, after the kstatus rules: Bound is the goal. `Lost` (the bound
 * volume disappeared) never heals by itself, so it is Failed rather than InProgress.
 */
import { current, failed, inProgress, stringField } from './health-fields.js';
import type { HealthResult, LiveObject } from './health.types.js';

/** Judges a core `v1` PersistentVolumeClaim. */
export function assessPvc(obj: LiveObject): HealthResult {
  const phase = stringField(obj.status, 'phase');
  if (phase === 'Bound') return current('claim is bound');
  if (phase === 'Lost') return failed('claim lost its volume');
  if (phase === 'Pending')
    // With WaitForFirstConsumer storage a claim stays Pending until a pod uses it: say so.
    return inProgress('claim is pending (waiting for a volume, or for the first pod that uses it)');
  return inProgress('waiting for the claim to be bound');
}
