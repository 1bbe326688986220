/**
 * Health of every kind without a dedicated rule (custom resources above all), after kstatus'
 * generic rules: the standard `Stalled` / `Reconciling` conditions, the `observedGeneration`
 * of the status, and the widespread `Ready` condition. An object with nothing to wait for is
 * Current: ConfigMaps, Secrets, RBAC and most custom resources without a controller.
 */
import {
  condition,
  conditionMessage,
  current,
  hasStatus,
  inProgress,
  staleGeneration,
  standardConditions,
} from './health-fields.js';
import type { HealthResult, LiveObject } from './health.types.js';

/** Judges any object by its conditions and observed generation. */
export function assessGeneric(obj: LiveObject): HealthResult {
  const standard = standardConditions(obj);
  if (standard) return standard;
  const stale = staleGeneration(obj);
  if (stale) return stale;
  if (!hasStatus(obj)) return current('no status to wait for');

  const ready = condition(obj, 'Ready');
  if (ready?.status === 'True') return current(conditionMessage(ready, 'Ready'));
  // kstatus keeps Ready=False as InProgress: controllers flip it while working; a final
  // failure is what Stalled is for.
  if (ready?.status === 'False')
    return inProgress(`not ready: ${conditionMessage(ready, ready.reason ?? 'Ready is False')}`);
  if (ready)
    return inProgress(`readiness unknown: ${conditionMessage(ready, ready.reason ?? 'Ready is Unknown')}`);
  return current('status observed, no Ready condition');
}
