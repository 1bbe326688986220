/**
 * Wake-ups between hub replicas (the payloads of the jobs channel). Three kinds:
 *
 * - `cluster`: something about the cluster's agent changed (credential revoked or rotated,
 *   cluster deleted or turned Disconnected, key rotation asked for). The payload is the bare
 *   cluster id, as every hub version has sent it for every wake-up: replicas drop what they
 *   remember of the cluster and end or re-check its parked long-polls.
 * - `work`: jobs were queued (or re-queued) for these clusters. Parked long-polls look for them
 *   and "nothing due" memories are dropped; what a replica remembers of the credential stays.
 * - `previews`: preview jobs were queued for these clusters.
 * - `health-checks`: the hub's custom health rules changed (they travel with every lease), no
 *   cluster named.
 *
 * The two batched kinds carry many cluster ids in one payload (`w:id,id,…` / `p:id,id,…`), so a
 * commit reaching 10,000 clusters is about fifty notifications, not 10,000 for every replica.
 * A replica from before these kinds reads such a payload as an unknown cluster and ignores it:
 * its parked polls then find the work at their next poll (within one long-poll wait), which is
 * the only cost of a rolling upgrade. A bare id is still understood by every version, which is
 * why the security-relevant kind keeps that form.
 */
export type WakeKind = 'cluster' | 'work' | 'previews';

export type WakeUp = { kind: WakeKind; clusterIds: string[] } | { kind: 'health-checks' };

/** The payload of a `health-checks` wake-up. */
export const HEALTH_CHECKS_CHANGED = 'h:';

/** PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more. */
export const MAX_WAKE_PAYLOAD_BYTES = 7_900;

const PREFIX: Record<Exclude<WakeKind, 'cluster'>, string> = { work: 'w:', previews: 'p:' };

/**
 * The payloads announcing `kind` for these clusters: one per cluster for `cluster`, else as few
 * as fit under {@link MAX_WAKE_PAYLOAD_BYTES} each. Duplicates are sent once.
 */
export function wakePayloads(kind: WakeKind, clusterIds: readonly string[]): string[] {
  const ids = [...new Set(clusterIds)];
  if (kind === 'cluster') return ids;
  const prefix = PREFIX[kind];
  const payloads: string[] = [];
  let current = '';
  for (const id of ids) {
    if (current && current.length + 1 + id.length > MAX_WAKE_PAYLOAD_BYTES) {
      payloads.push(current);
      current = '';
    }
    current = current ? `${current},${id}` : prefix + id;
  }
  if (current) payloads.push(current);
  return payloads;
}

/** What a payload announces; null for one that names nothing. */
export function readWakePayload(payload: string): WakeUp | null {
  if (!payload) return null;
  if (payload === HEALTH_CHECKS_CHANGED) return { kind: 'health-checks' };
  for (const [kind, prefix] of Object.entries(PREFIX) as [WakeKind, string][])
    if (payload.startsWith(prefix)) {
      const clusterIds = payload.slice(prefix.length).split(',').filter(Boolean);
      return clusterIds.length ? { kind, clusterIds } : null;
    }
  return { kind: 'cluster', clusterIds: [payload] };
}
