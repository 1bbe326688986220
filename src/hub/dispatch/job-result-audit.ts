import { type Actor } from '../../domain/audit-chain.js';
import type { JobResultV1 } from '../../protocol/v1/agent-protocol.js';
import { type AuditRecord } from '../audit/audit.service.js';
import { type ResultJob } from './reconcile-job.repository.js';

/**
 * The audit events of one job result: `resource.applied` / `resource.pruned` for the objects
 * the job changed (unchanged ones are not news), then `job.succeeded` or `job.failed` with
 * the counts, the failed objects' messages and the hooks run (phase, resource, outcome).
 */
export function resultEvents(
  job: ResultJob,
  dto: JobResultV1,
  actor: Actor,
  willRetry: boolean,
): AuditRecord[] {
  const scope = {
    actor,
    clusterId: job.clusterId,
    applicationId: job.applicationId,
    projectId: job.projectId,
    revision: job.revision || null,
  };
  const changed: AuditRecord[] = dto.resources
    .filter((r) => r.action === 'created' || r.action === 'configured' || r.action === 'deleted')
    .map((r) => ({
      ...scope,
      action: r.action === 'deleted' ? 'resource.pruned' : 'resource.applied',
      resource: r.id,
      details: { jobId: job.id, action: r.action, message: r.message ?? null },
    }));
  return [
    ...changed,
    {
      ...scope,
      action: dto.outcome === 'succeeded' ? 'job.succeeded' : 'job.failed',
      details: {
        jobId: job.id,
        kind: job.kind,
        attempt: job.attempts,
        willRetry,
        message: dto.message ?? null,
        counts: countActions(dto),
        failed: dto.resources
          .filter((r) => r.action === 'failed')
          .map((r) => ({ resource: r.id, message: r.message })),
        // Hooks are part of what the job did: which ran, at which phase, and how they ended.
        ...(dto.hooks?.length ? { hooks: dto.hooks } : {}),
      },
    },
  ];
}

function countActions(dto: JobResultV1): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of dto.resources) out[r.action] = (out[r.action] ?? 0) + 1;
  return out;
}
