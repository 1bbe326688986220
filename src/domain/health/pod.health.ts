/**
 * Pod health, after the kstatus rules, plus the container states that mean a pod will not
 * recover on its own (crash loops, images that cannot be pulled).
 */
import {
  condition,
  current,
  failed,
  field,
  inProgress,
  conditionMessage,
  stringField,
} from './health-fields.js';
import type { HealthResult, LiveObject } from './health.types.js';

/**
 * Waiting reasons that only a change of the manifest (or of the image registry) fixes. The
 * kubelet keeps retrying, so the pod never reaches Failed by itself; waiting on it is pointless.
 */
const FAILING_WAIT_REASONS = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
]);

interface Stuck {
  container: string;
  reason: string;
  message?: string;
}

function stuckContainer(obj: LiveObject): Stuck | null {
  for (const listName of ['initContainerStatuses', 'containerStatuses']) {
    const list = field(obj.status, listName);
    if (!Array.isArray(list)) continue;
    for (const entry of list as unknown[]) {
      const reason = stringField(entry, 'state', 'waiting', 'reason');
      if (reason !== undefined && FAILING_WAIT_REASONS.has(reason))
        return {
          container: stringField(entry, 'name') ?? '?',
          reason,
          message: stringField(entry, 'state', 'waiting', 'message'),
        };
    }
  }
  return null;
}

/** Judges a core `v1` Pod. */
export function assessPod(obj: LiveObject): HealthResult {
  const phase = stringField(obj.status, 'phase');
  if (phase === 'Succeeded') return current('pod completed successfully');
  if (phase === 'Failed') {
    const why = stringField(obj.status, 'message') ?? stringField(obj.status, 'reason');
    return failed(why ? `pod failed: ${why}` : 'pod failed');
  }

  const stuck = stuckContainer(obj);
  if (stuck)
    return failed(
      `container ${stuck.container}: ${stuck.reason}${stuck.message ? `: ${stuck.message}` : ''}`,
    );

  if (phase === 'Running') {
    const ready = condition(obj, 'Ready');
    if (ready?.status === 'True') return current('pod is running and ready');
    return inProgress(`pod is running but not ready${ready?.message ? `: ${ready.message}` : ''}`);
  }
  if (phase === 'Pending') {
    const scheduled = condition(obj, 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable')
      return inProgress(`pod cannot be scheduled yet: ${conditionMessage(scheduled, 'no node fits')}`);
    return inProgress('pod is pending');
  }
  // The kubelet stopped reporting (node lost): nothing about the pod can be said.
  if (phase === 'Unknown')
    return { status: 'Unknown', message: 'pod phase is Unknown: its node is not reporting' };
  return inProgress('waiting for the pod to be scheduled');
}
