/**
 * StatefulSet health, after the kstatus rules. Two rollout styles need care: a partitioned
 * rolling update only ever updates the ordinals at or above the partition (that is its goal,
 * not a stuck rollout), and `OnDelete` never replaces pods by itself.
 */
import { current, hasStatus, inProgress, intField, staleGeneration, stringField } from './health-fields.js';
import type { HealthResult, LiveObject } from './health.types.js';

/** Judges an `apps/v1` StatefulSet. */
export function assessStatefulSet(obj: LiveObject): HealthResult {
  const stale = staleGeneration(obj);
  if (stale) return stale;
  if (!hasStatus(obj)) return inProgress('waiting for the statefulset controller to report status');

  const desired = intField(obj.spec, ['replicas'], 1);
  const replicas = intField(obj.status, ['replicas'], 0);
  const ready = intField(obj.status, ['readyReplicas'], 0);
  // availableReplicas only exists on newer clusters; absent means "judge by ready".
  const available = intField(obj.status, ['availableReplicas'], ready);
  const currentReplicas = intField(obj.status, ['currentReplicas'], 0);
  const updated = intField(obj.status, ['updatedReplicas'], 0);
  const currentRevision = stringField(obj.status, 'currentRevision');
  const updateRevision = stringField(obj.status, 'updateRevision');

  if (replicas < desired) return inProgress(`${replicas} of ${desired} replicas created`);
  if (ready < desired) return inProgress(`${ready} of ${desired} replicas ready`);
  if (available < desired) return inProgress(`${available} of ${desired} replicas available`);

  const strategy = stringField(obj.spec, 'updateStrategy', 'type') ?? 'RollingUpdate';
  if (strategy === 'OnDelete')
    return current(`${desired} replicas ready (OnDelete: pods are replaced only when deleted)`);

  const partition = intField(obj.spec, ['updateStrategy', 'rollingUpdate', 'partition'], 0);
  if (partition > 0) {
    const expected = Math.max(0, desired - partition);
    if (updated < expected)
      return inProgress(`${updated} of ${expected} replicas updated (partition ${partition})`);
    return current(
      `partitioned rollout complete: ${updated} replicas updated, ordinals below ${partition} held`,
    );
  }

  if (updated < desired) return inProgress(`${updated} of ${desired} replicas updated`);
  if (currentRevision !== updateRevision)
    return inProgress(`waiting for revision ${updateRevision ?? '?'} to replace ${currentRevision ?? '?'}`);
  if (currentReplicas < desired)
    return inProgress(`${currentReplicas} of ${desired} replicas at the current revision`);

  return current(`${desired} replicas ready at revision ${updateRevision ?? 'unknown'}`);
}
