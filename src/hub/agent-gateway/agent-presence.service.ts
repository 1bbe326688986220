import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { AuditService } from '../audit/audit.service.js';
import { ClusterRepository, type AgentVersions } from '../clusters/cluster.repository.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { FleetStatusRepository } from '../fleet-status/fleet-status.repository.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { FLEET_EVENTS, type FleetEvents } from '../platform/fleet-events.js';
import { AgentCredentialCache } from './agent-credential-cache.service.js';
import { type AgentCluster } from './agent.guard.js';

/** The audit actor of a cluster's agent. */
export const agentActor = (c: Pick<AgentCluster, 'id' | 'name'>): Actor => ({
  type: 'agent',
  id: c.id,
  name: `agent:${c.name}`,
});

/** Within this long of the last write, a call from a Connected cluster writes nothing (the repository's touch uses the same window). */
const SEEN_WINDOW_MS = 5_000;
/** How often the `last_seen_at` of Connected clusters heard from is written, in one statement. */
export const SEEN_FLUSH_MS = 1_000;

/** What a call tells about its cluster as stored when it arrived (the guard's read of the row). */
export type SeenCluster = Pick<AgentCluster, 'id' | 'name'> & {
  connectionState?: string;
  lastSeenAt?: Date | null;
  agentVersion?: string | null;
  kubernetesVersion?: string | null;
  apiVersions?: string[] | null;
  ageRecipient?: string | null;
};

/** Whether the versions an agent sends are the ones stored (nothing to write but the time). */
function sameVersions(c: SeenCluster, v: AgentVersions): boolean {
  return (
    (v.agentVersion === undefined || v.agentVersion === c.agentVersion) &&
    (v.kubernetesVersion === undefined || v.kubernetesVersion === c.kubernetesVersion) &&
    (v.ageRecipient === undefined || v.ageRecipient === c.ageRecipient) &&
    (v.apiVersions === undefined ||
      (Array.isArray(c.apiVersions) && v.apiVersions.join(',') === c.apiVersions.join(',')))
  );
}

/**
 * Whether a cluster's agent is there: every authenticated agent request counts (the guard calls
 * {@link seen}), not only heartbeats, so a hub that restarts sees its agents again with their
 * first long-poll or download.
 */
@Injectable()
export class AgentPresence implements OnApplicationShutdown {
  /** Connected clusters heard from since the last flush, and when (written by {@link flush}). */
  private pending = new Map<string, Date>();
  private flushing: Promise<void> | null = null;
  private readonly timer = setInterval(() => void this.flush().catch(() => undefined), SEEN_FLUSH_MS);

  constructor(
    @Inject(ClusterRepository) private readonly clusters: ClusterRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(FleetStatusRepository) private readonly fleetStatus: FleetStatusRepository,
    @Inject(FLEET_EVENTS) private readonly events: FleetEvents,
    @Inject(AgentCredentialCache) private readonly credentials: AgentCredentialCache,
  ) {
    // the process may end between flushes: shutdown flushes what is left
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }

  /**
   * Writes the times gathered since the last flush, one statement for all clusters: with
   * thousands of agents each heartbeat and long-poll would otherwise be an UPDATE of its own.
   */
  async flush(): Promise<void> {
    await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.clusters.flushSeen([...batch.keys()], [...batch.values()]);
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  /**
   * Marks the cluster Connected (auditing the transition) and remembers when it was last heard,
   * with its versions when the agent sends them. Costs no write when nothing changed in the
   * last few seconds; a Connected cluster whose versions are as stored only has its time
   * batched for the next {@link flush}. Anything else (a flip to Connected, new versions) is
   * written at once (see {@link ClusterRepository.touch}).
   */
  async seen(cluster: SeenCluster, versions: AgentVersions = {}): Promise<void> {
    const now = this.clock.now();
    // The row the guard just read says Connected and the versions sent are the stored ones:
    // at most the time to write, in the next batch (this runs on every agent request).
    if (cluster.connectionState === 'Connected' && sameVersions(cluster, versions)) {
      if (!cluster.lastSeenAt || now.getTime() - cluster.lastSeenAt.getTime() >= SEEN_WINDOW_MS)
        this.pending.set(cluster.id, now);
      return;
    }
    // One autocommit statement; only a flip to Connected also changes the cluster's status rows
    // and is audited, in a transaction of its own. (A hub killed between the two leaves the rows
    // Unknown until the next report or job of each; the audit trail then lacks that connect.)
    const touched = await this.clusters.touch(cluster.id, now, versions);
    // the row this replica remembers no longer says what is stored (state or versions)
    this.credentials.forget(cluster.id);
    // a CRD installed or removed: charts that test `.Capabilities` may render differently now
    if (touched.apiVersionsChanged)
      this.events.emit({ type: 'cluster-capabilities-changed', clusterId: cluster.id });
    if (!touched.connected) return;
    await this.uow.run(async (tx) => {
      await this.fleetStatus.refreshClusters(tx, [cluster.id]);
      await this.audit.record(tx, {
        actor: agentActor(cluster),
        action: 'cluster.connected',
        clusterId: cluster.id,
        details: { name: cluster.name },
      });
    });
  }
}
