/**
 * Job health, after the kstatus rules: a Job is Current once it completed, Failed once the
 * controller declared it failed, and InProgress in between.
 */
import {
  condition,
  conditionMessage,
  current,
  failed,
  field,
  inProgress,
  intField,
} from './health-fields.js';
import type { HealthResult, LiveObject } from './health.types.js';

/** Judges a `batch/v1` Job. */
export function assessJob(obj: LiveObject): HealthResult {
  const succeeded = intField(obj.status, ['succeeded'], 0);
  const failures = intField(obj.status, ['failed'], 0);
  const active = intField(obj.status, ['active'], 0);
  const parallelism = intField(obj.spec, ['parallelism'], 1);
  const completions = intField(obj.spec, ['completions'], parallelism);

  const complete = condition(obj, 'Complete');
  if (complete?.status === 'True') return current(`job completed: ${succeeded} of ${completions} succeeded`);
  // FailureTarget is set (Kubernetes >= 1.31) before pods finish terminating: the verdict is already final.
  const failedCondition = condition(obj, 'Failed') ?? condition(obj, 'FailureTarget');
  if (failedCondition?.status === 'True')
    return failed(
      `job failed: ${conditionMessage(failedCondition, failedCondition.reason ?? `${failures} failed`)}`,
    );

  // A suspended Job is paused on purpose; reporting it as progressing would never settle.
  if (field(obj.spec, 'suspend') === true) return current('job is suspended');
  if (field(obj.status, 'startTime') === undefined) return inProgress('job not started');
  return inProgress(
    `job running: ${active} active, ${succeeded} of ${completions} succeeded, ${failures} failed`,
  );
}
