/**
 * ReplicaSet health, after the kstatus rules. A `ReplicaFailure` condition (quota, admission)
 * stays InProgress as in kstatus: it clears by itself once the cause goes away.
 */
import {
  condition,
  conditionMessage,
  current,
  hasStatus,
  inProgress,
  intField,
  staleGeneration,
} from './health-fields.js';
import type { HealthResult, LiveObject } from './health.types.js';

/** Judges an `apps/v1` ReplicaSet. */
export function assessReplicaSet(obj: LiveObject): HealthResult {
  const stale = staleGeneration(obj);
  if (stale) return stale;
  if (!hasStatus(obj)) return inProgress('waiting for the replicaset controller to report status');

  const failure = condition(obj, 'ReplicaFailure');
  if (failure?.status === 'True')
    return inProgress(`replica failure: ${conditionMessage(failure, failure.reason ?? 'unknown')}`);

  const desired = intField(obj.spec, ['replicas'], 1);
  const replicas = intField(obj.status, ['replicas'], 0);
  const labelled = intField(obj.status, ['fullyLabeledReplicas'], replicas);
  const ready = intField(obj.status, ['readyReplicas'], 0);
  const available = intField(obj.status, ['availableReplicas'], 0);

  if (replicas < desired) return inProgress(`${replicas} of ${desired} replicas created`);
  if (labelled < desired) return inProgress(`${labelled} of ${desired} replicas fully labelled`);
  if (ready < desired) return inProgress(`${ready} of ${desired} replicas ready`);
  if (available < desired) return inProgress(`${available} of ${desired} replicas available`);
  if (replicas > desired) return inProgress(`${replicas - desired} extra replicas pending termination`);

  return current(`${desired} of ${desired} replicas available`);
}
