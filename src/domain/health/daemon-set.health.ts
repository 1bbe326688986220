/**
 * DaemonSet health, after the kstatus rules: every node that should run a pod runs an
 * updated, available one.
 */
import {
  current,
  field,
  hasStatus,
  inProgress,
  intField,
  staleGeneration,
  stringField,
} from './health-fields.js';
import type { HealthResult, LiveObject } from './health.types.js';

/** Judges an `apps/v1` DaemonSet. */
export function assessDaemonSet(obj: LiveObject): HealthResult {
  const stale = staleGeneration(obj);
  if (stale) return stale;
  if (!hasStatus(obj) || typeof field(obj.status, 'desiredNumberScheduled') !== 'number')
    return inProgress('waiting for the daemonset controller to schedule pods');

  const desired = intField(obj.status, ['desiredNumberScheduled'], 0);
  const scheduled = intField(obj.status, ['currentNumberScheduled'], 0);
  const updated = intField(obj.status, ['updatedNumberScheduled'], 0);
  const available = intField(obj.status, ['numberAvailable'], 0);
  const ready = intField(obj.status, ['numberReady'], 0);

  if (scheduled < desired) return inProgress(`${scheduled} of ${desired} nodes running a pod`);
  // With OnDelete, old pods stay until someone deletes them: that is the asked-for state.
  const onDelete = stringField(obj.spec, 'updateStrategy', 'type') === 'OnDelete';
  if (!onDelete && updated < desired) return inProgress(`${updated} of ${desired} pods updated`);
  if (ready < desired) return inProgress(`${ready} of ${desired} pods ready`);
  if (available < desired) return inProgress(`${available} of ${desired} pods available`);

  return current(`${desired} of ${desired} pods scheduled, updated and available`);
}
