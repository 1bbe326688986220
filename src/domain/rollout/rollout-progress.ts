import { type ClusterProgress } from './rollout-step.js';

/** What a rollout reads about one of its clusters, from its own row and the status read model. */
export interface RolloutClusterFacts {
  /** When the rollout gave this cluster the new revision; null while it waits for its batch. */
  startedAt: Date | null;
  /** The bundle the rollout gives the cluster, and the one the cluster last reported applying. */
  targetDigest: string;
  appliedDigest: string | null;
  /** The cluster's connection state as the read model holds it (null: no status row yet). */
  connectionState: string | null;
  sync: string | null;
  health: string | null;
  message: string | null;
  /** When the status row last changed: the moment it became Synced and Healthy, when it is. */
  statusSince: Date | null;
}

/**
 * One cluster's progress in a rollout. A cluster that is not Connected is unavailable whatever
 * its last status said (a stale Synced never counts); Synced and Current at the target bundle is
 * healthy since its status row last changed; a failed sync or failed health is a failure; anything
 * else (job queued or running, objects still progressing) is syncing.
 */
export function clusterProgress(f: RolloutClusterFacts): ClusterProgress {
  if (!f.startedAt) return { state: 'pending' };
  if (f.connectionState !== 'Connected') return { state: 'unavailable' };
  if (f.sync === 'Failed') return { state: 'failed', reason: f.message ?? 'the sync failed' };
  if (f.appliedDigest === f.targetDigest && f.health === 'Failed')
    return { state: 'failed', reason: f.message ?? 'an object is Failed' };
  if (f.appliedDigest === f.targetDigest && f.sync === 'Synced' && f.health === 'Current')
    return {
      state: 'healthy',
      since: f.statusSince && f.statusSince > f.startedAt ? f.statusSince : f.startedAt,
    };
  return { state: 'syncing' };
}
