import { Inject, Injectable } from '@nestjs/common';
import { type AgentClusterRow, ClusterRepository } from '../clusters/cluster.repository.js';
import { JobNotifier } from '../dispatch/job-notifier.repository.js';
import { CLOCK, type Clock } from '../platform/clock.js';

/** The longest an entry is used without reading the row again. */
const TTL_MS = 5 * 60_000;

interface Entry {
  row: AgentClusterRow;
  readAt: number;
}

/**
 * This replica's memory of which cluster an agent credential (hash) belongs to, so a parked
 * long-poll or a heartbeat does not cost a Postgres read each. Every change that must reach the
 * agent at once — a revoked or rotated credential, a deleted cluster, a key rotation asked for —
 * sends the cluster's wake-up on the jobs channel, which every replica hears and drops the
 * cluster's entry on; so does the sweeper turning silent clusters Disconnected, and this
 * replica's presence check when it writes the row. A replica that may have missed wake-ups
 * (LISTEN connection down) drops all and reads Postgres until it listens again. Entries also
 * expire after a few minutes, a bound on any change this list of wake-ups would miss.
 */
@Injectable()
export class AgentCredentialCache {
  private readonly byHash = new Map<string, Entry>();
  /** The hash cached per cluster (a wake-up names the cluster). */
  private readonly hashOf = new Map<string, string>();

  constructor(
    @Inject(ClusterRepository) private readonly clusters: ClusterRepository,
    @Inject(JobNotifier) private readonly notifier: JobNotifier,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    notifier.onWake((wake) => {
      // work or previews queued say nothing about the credential
      if (wake && wake.kind !== 'cluster') return;
      if (wake?.kind === 'cluster') return wake.clusterIds.forEach((id) => this.forget(id));
      this.byHash.clear();
      this.hashOf.clear();
    });
  }

  /** The cluster whose agent credential hashes to this (null: unknown or revoked). */
  async find(hash: string): Promise<AgentClusterRow | null> {
    const now = this.clock.now().getTime();
    const hit = this.byHash.get(hash);
    if (hit && now - hit.readAt < TTL_MS) return hit.row;
    if (hit) this.forget(hit.row.id);
    const mark = this.notifier.mark();
    const row = await this.clusters.findAgentByCredentialHash(hash);
    // Kept only while wake-ups arrive and none for the cluster came during the read: otherwise a
    // revocation could go unheard here.
    if (row && this.notifier.quietSince(mark, row.id)) {
      this.forget(row.id);
      this.byHash.set(hash, { row, readAt: now });
      this.hashOf.set(row.id, hash);
    }
    return row;
  }

  /** Drops the cluster's entries: the next call reads the row again. */
  forget(clusterId: string): void {
    const hash = this.hashOf.get(clusterId);
    if (hash === undefined) return;
    this.hashOf.delete(clusterId);
    this.byHash.delete(hash);
  }
}
