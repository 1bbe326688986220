import { Inject, Injectable } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { AuditService } from '../audit/audit.service.js';
import { ClusterRepository, type AgentVersions } from '../clusters/cluster.repository.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { FleetStatusRepository } from '../fleet-status/fleet-status.repository.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { FLEET_EVENTS, type FleetEvents } from '../platform/fleet-events.js';
import { type AgentCluster } from './agent.guard.js';

/** The audit actor of a cluster's agent. */
export const agentActor = (c: Pick<AgentCluster, 'id' | 'name'>): Actor => ({
  type: 'agent',
  id: c.id,
  name: `agent:${c.name}`,
});

/** Within this long of the last write, a call from a Connected cluster writes nothing (the repository's touch uses the same window). */
const SEEN_WINDOW_MS = 5_000;

/**
 * Whether a cluster's agent is there: every authenticated agent request counts (the guard calls
 * {@link seen}), not only heartbeats, so a hub that restarts sees its agents again with their
 * first long-poll or download.
 */
@Injectable()
export class AgentPresence {
  constructor(
    @Inject(ClusterRepository) private readonly clusters: ClusterRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(FleetStatusRepository) private readonly fleetStatus: FleetStatusRepository,
    @Inject(FLEET_EVENTS) private readonly events: FleetEvents,
  ) {}

  /**
   * Marks the cluster Connected (auditing the transition) and remembers when it was last heard,
   * with its versions when the agent sends them. Costs no write when nothing changed in the
   * last few seconds (see {@link ClusterRepository.touch}).
   */
  async seen(
    cluster: Pick<AgentCluster, 'id' | 'name'> & { connectionState?: string; lastSeenAt?: Date | null },
    versions: AgentVersions = {},
  ): Promise<void> {
    const now = this.clock.now();
    const sendsVersions =
      versions.agentVersion !== undefined ||
      versions.kubernetesVersion !== undefined ||
      versions.apiVersions !== undefined ||
      versions.ageRecipient !== undefined;
    // The row the guard just read says Connected and seen within the window: nothing to write,
    // not even a statement (this runs on every agent request).
    if (
      !sendsVersions &&
      cluster.connectionState === 'Connected' &&
      cluster.lastSeenAt &&
      now.getTime() - cluster.lastSeenAt.getTime() < SEEN_WINDOW_MS
    )
      return;
    // One autocommit statement; only a flip to Connected also changes the cluster's status rows
    // and is audited, in a transaction of its own. (A hub killed between the two leaves the rows
    // Unknown until the next report or job of each; the audit trail then lacks that connect.)
    const touched = await this.clusters.touch(cluster.id, now, versions);
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
