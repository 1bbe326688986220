/**
 * CustomResourceDefinition health, after the kstatus rules. The applier waits on this before
 * applying custom resources: until `Established`, the API server rejects them.
 */
import { condition, conditionMessage, current, failed, inProgress } from './health-fields.js';
import type { HealthResult, LiveObject } from './health.types.js';

/** Judges an `apiextensions.k8s.io/v1` CustomResourceDefinition. */
export function assessCrd(obj: LiveObject): HealthResult {
  // Names clash with another CRD: it will never be served until the manifest changes.
  const names = condition(obj, 'NamesAccepted');
  if (names?.status === 'False')
    return failed(`names not accepted: ${conditionMessage(names, names.reason ?? 'conflict')}`);

  const established = condition(obj, 'Established');
  if (established?.status === 'True') return current('CRD is established');
  // "Installing" is the normal transient reason; anything else is a refusal.
  if (
    established?.status === 'False' &&
    established.reason !== undefined &&
    established.reason !== 'Installing'
  )
    return failed(`CRD not established: ${conditionMessage(established, established.reason)}`);
  return inProgress('waiting for the CRD to be established');
}
