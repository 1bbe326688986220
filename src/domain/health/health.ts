/**
 * Entry points of the health engine: `assessHealth` judges one live object by its kind,
 * `rollupHealth` folds many verdicts into one for an application.
 */
import { assessCrd } from './crd.health.js';
import { assessDaemonSet } from './daemon-set.health.js';
import { assessDeployment } from './deployment.health.js';
import { assessGeneric } from './generic.health.js';
import { groupOf, standardConditions } from './health-fields.js';
import { evaluateHealthCheck, type CustomHealth } from './custom-health.js';
import type { HealthResult, HealthStatus, LiveObject } from './health.types.js';
import { assessJob } from './job.health.js';
import { assessPod } from './pod.health.js';
import { assessPvc } from './pvc.health.js';
import { assessReplicaSet } from './replica-set.health.js';
import { assessService } from './service.health.js';
import { assessStatefulSet } from './stateful-set.health.js';

type Rule = (obj: LiveObject) => HealthResult;

/**
 * Rules by `group/Kind`, so that a custom resource that happens to be called "Deployment" or
 * "Service" falls to the generic rule instead of being judged as the built-in.
 */
const RULES = new Map<string, Rule>([
  ['apps/Deployment', assessDeployment],
  ['apps/StatefulSet', assessStatefulSet],
  ['apps/DaemonSet', assessDaemonSet],
  ['apps/ReplicaSet', assessReplicaSet],
  ['batch/Job', assessJob],
  ['apiextensions.k8s.io/CustomResourceDefinition', assessCrd],
  ['/Pod', assessPod],
  ['/PersistentVolumeClaim', assessPvc],
  ['/Service', assessService],
]);

export { groupOf };

/**
 * Judges one object. `null`/`undefined` (the agent found nothing) is `NotFound`; an object
 * being deleted is `Terminating` whatever its status says. A custom health check configured
 * for the object's group/kind comes next and replaces the built-in rules. A rule that meets a
 * shape it cannot read yields `Unknown` rather than taking the agent down.
 */
export function assessHealth(obj: LiveObject | null | undefined, custom?: CustomHealth): HealthResult {
  if (!obj) return { status: 'NotFound', message: 'object not found in the cluster' };
  if (obj.metadata.deletionTimestamp)
    return { status: 'Terminating', message: `deletion requested at ${obj.metadata.deletionTimestamp}` };
  try {
    const check = custom?.ruleFor(obj);
    if (check) return evaluateHealthCheck(check, obj, custom!.deadline);
    // Stalled/Reconciling are a contract any controller may opt into, built-in kinds included.
    const standard = standardConditions(obj);
    if (standard) return standard;
    const rule = RULES.get(`${groupOf(obj.apiVersion)}/${obj.kind}`) ?? assessGeneric;
    return rule(obj);
  } catch (error) {
    return { status: 'Unknown', message: `cannot judge health: ${(error as Error).message}` };
  }
}

/** A verdict with an optional resource name, so the rolled-up message can say which. */
export type ResourceHealth = HealthResult & { resource?: string };

/**
 * How bad each status is for an application, worst highest. `NotFound` ranks with
 * `InProgress`: a resource of the bundle that is not there yet is still being converged
 * (or about to be recreated by self-heal), not broken.
 */
export const HEALTH_SEVERITY: Readonly<Record<HealthStatus, number>> = {
  Current: 0,
  Unknown: 1,
  InProgress: 2,
  NotFound: 2,
  Terminating: 3,
  Failed: 4,
};

/** The status a rollup reports for a severity's statuses: `NotFound` reads as `InProgress`. */
export function rolledUpStatus(status: HealthStatus): HealthStatus {
  return status === 'NotFound' ? 'InProgress' : status;
}

/** How many of the worst messages the rolled-up message quotes before "and N more". */
const QUOTED = 3;

/**
 * Folds the verdicts of an application's resources into one: the worst status wins
 * (Failed > Terminating > InProgress = NotFound > Unknown > Current), and NotFound is
 * reported as InProgress. The message counts the worst resources and quotes the first few.
 * No resources at all is Current.
 */
export function rollupHealth(results: readonly ResourceHealth[]): HealthResult {
  if (results.length === 0) return { status: 'Current', message: 'no resources' };
  const worst = Math.max(...results.map((r) => HEALTH_SEVERITY[r.status]));
  const offenders = results.filter((r) => HEALTH_SEVERITY[r.status] === worst);
  const first = offenders[0];
  const status = rolledUpStatus(first.status);
  if (worst === 0) return { status, message: `all ${results.length} resources current` };

  const label = status === 'InProgress' ? 'in progress' : status.toLowerCase();
  const quoted = offenders
    .slice(0, QUOTED)
    .map((r) => (r.resource ? `${r.resource}: ${r.message}` : r.message))
    .join('; ');
  const more = offenders.length > QUOTED ? ` (and ${offenders.length - QUOTED} more)` : '';
  return { status, message: `${offenders.length} of ${results.length} resources ${label}: ${quoted}${more}` };
}
