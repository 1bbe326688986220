/**
 * Service health, after the kstatus rules: only a LoadBalancer has something to wait for
 * (the cloud provider's address); every other type works as soon as it exists.
 */
import { current, field, inProgress, stringField } from './health-fields.js';
import type { HealthResult, LiveObject } from './health.types.js';

/** Judges a core `v1` Service. */
export function assessService(obj: LiveObject): HealthResult {
  const type = stringField(obj.spec, 'type') ?? 'ClusterIP';
  if (type !== 'LoadBalancer') return current(`${type} service`);

  const ingress = field(obj.status, 'loadBalancer', 'ingress');
  if (!Array.isArray(ingress) || ingress.length === 0)
    return inProgress('waiting for the load balancer address');
  const first: unknown = ingress[0];
  const address = stringField(first, 'ip') ?? stringField(first, 'hostname') ?? 'assigned';
  return current(`load balancer ready at ${address}`);
}
