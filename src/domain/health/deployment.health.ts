/**
 * Deployment health, after the kstatus rules: the rollout is done when every desired replica
 * runs the new template and is available, and no old replica is left.
 */
import {
  condition,
  conditionMessage,
  current,
  failed,
  field,
  hasStatus,
  inProgress,
  intField,
  staleGeneration,
} from './health-fields.js';
import type { HealthResult, LiveObject } from './health.types.js';

/** Judges an `apps/v1` Deployment. */
export function assessDeployment(obj: LiveObject): HealthResult {
  const stale = staleGeneration(obj);
  if (stale) return stale;
  if (!hasStatus(obj)) return inProgress('waiting for the deployment controller to report status');

  // The controller only gives up through this condition; it is final until the spec changes.
  const progressing = condition(obj, 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded')
    return failed(`progress deadline exceeded: ${conditionMessage(progressing, 'rollout stuck')}`);

  // A paused rollout is a state the user asked for; waiting on it would never end.
  if (field(obj.spec, 'paused') === true) return current('rollout is paused');

  // The API server defaults replicas to 1, so an absent field means 1.
  const desired = intField(obj.spec, ['replicas'], 1);
  const total = intField(obj.status, ['replicas'], 0);
  const updated = intField(obj.status, ['updatedReplicas'], 0);
  const ready = intField(obj.status, ['readyReplicas'], 0);
  const available = intField(obj.status, ['availableReplicas'], 0);

  if (updated < desired) return inProgress(`${updated} of ${desired} replicas updated`);
  if (total > updated) return inProgress(`${total - updated} old replicas pending termination`);
  if (available < updated) return inProgress(`${available} of ${updated} updated replicas available`);
  if (ready < desired) return inProgress(`${ready} of ${desired} replicas ready`);

  const availableCondition = condition(obj, 'Available');
  if (availableCondition?.status === 'False')
    return inProgress(conditionMessage(availableCondition, 'deployment does not have minimum availability'));

  return current(`${desired} of ${desired} replicas updated and available`);
}
