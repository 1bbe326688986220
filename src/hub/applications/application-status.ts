import { type ClusterEntity } from '../clusters/cluster.entity.js';
import { type DesiredStateEntity } from '../dispatch/desired-state.entity.js';
import { type ReconcileJobEntity } from '../dispatch/reconcile-job.entity.js';
import { type ClusterStatusDto } from './application.dto.js';

/**
 * The sync state of one (application, cluster). A cluster whose agent is not connected is
 * Unknown — never reported healthy on stale information.
 */
export function clusterStatus(
  cluster: Pick<ClusterEntity, 'id' | 'name' | 'connectionState'>,
  desired: DesiredStateEntity | undefined,
  lastJob: ReconcileJobEntity | undefined,
  resources: { health: string; drifted: boolean } | undefined,
): ClusterStatusDto {
  const drifted = resources?.drifted ?? false;
  let sync: ClusterStatusDto['sync'];
  let message: string | null = null;
  if (desired?.renderError) {
    sync = 'Failed';
    message = desired.renderError;
  } else if (cluster.connectionState !== 'Connected') {
    sync = 'Unknown';
    message =
      cluster.connectionState === 'Pending' ? 'the agent has not joined yet' : 'the agent is disconnected';
  } else if (lastJob && (lastJob.state === 'queued' || lastJob.state === 'leased')) {
    sync = 'Progressing';
  } else if (lastJob?.state === 'failed') {
    sync = 'Failed';
    message = lastJob.error;
  } else if (desired && desired.bundleDigest && desired.appliedDigest === desired.bundleDigest) {
    sync = drifted ? 'OutOfSync' : 'Synced';
    if (drifted) message = 'live objects differ from the desired state';
  } else {
    sync = desired ? 'OutOfSync' : 'Unknown';
  }
  // Unknown when disconnected (stale) or when nothing was reported yet.
  const health = cluster.connectionState === 'Connected' ? (resources?.health ?? 'Unknown') : 'Unknown';
  return {
    clusterId: cluster.id,
    clusterName: cluster.name,
    connectionState: cluster.connectionState,
    revisionWanted: desired?.revisionDisplay ?? null,
    revisionApplied: desired?.appliedRevision
      ? desired.appliedRevision === desired.revision
        ? desired.revisionDisplay
        : desired.appliedRevision
      : null,
    sync,
    health,
    message,
    lastJob: lastJob
      ? {
          id: lastJob.id,
          kind: lastJob.kind,
          state: lastJob.state,
          revision: lastJob.revisionDisplay,
          attempts: lastJob.attempts,
          error: lastJob.error,
          updatedAt: lastJob.updatedAt.toISOString(),
        }
      : null,
  };
}
