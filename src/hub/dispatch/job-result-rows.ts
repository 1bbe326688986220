import type { JobEvent } from '../../domain/job-lifecycle.js';
import type { JobResultV1 } from '../../protocol/v1/agent-protocol.js';
import type { ReconcileJobEntity } from './reconcile-job.entity.js';
import type { ResultResourceRow } from './resource-status.repository.js';

/** The job event an agent's result is. */
export function resultEvent(dto: JobResultV1): JobEvent {
  return dto.outcome === 'succeeded'
    ? { type: 'result', outcome: 'succeeded' }
    : { type: 'result', outcome: 'failed', retryable: dto.retryable === true, message: dto.message };
}

/** What the job row keeps of its result. */
export function resultSummary(dto: JobResultV1): Record<string, unknown> {
  return { outcome: dto.outcome, message: dto.message ?? null, resources: dto.resources.length };
}

/**
 * The objects a result reports, as their status rows (deleted ones are gone). A succeeded sync
 * put every object back to the bundle: none is drifted any more, and the health it reports is
 * the latest (the agent sends no separate status report for it).
 */
export function resultResourceRows(
  job: Pick<ReconcileJobEntity, 'applicationId' | 'clusterId' | 'revision' | 'kind'>,
  dto: JobResultV1,
): ResultResourceRow[] {
  const converged = dto.outcome === 'succeeded' && job.kind === 'sync';
  return dto.resources
    .filter((r) => r.action !== 'deleted')
    .map((r) => ({
      applicationId: job.applicationId,
      clusterId: job.clusterId,
      resource: r.id,
      action: r.action,
      message: r.message ?? null,
      revision: job.revision,
      ...(r.health ? { health: r.health, healthMessage: r.healthMessage ?? null } : {}),
      converged,
    }));
}
