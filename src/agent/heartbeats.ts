import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterClient } from './cluster/cluster-client.js';
import type { HeartbeatAnswerV1 } from '../protocol/v1/agent-protocol.js';
import type { HubClient } from './hub-client.js';

/** What the heartbeat loop needs of the agent. */
export interface HeartbeatDeps {
  client: Pick<ClusterClient, 'apiVersions'>;
  hub: Pick<HubClient, 'heartbeat'>;
  logger: Logger;
  agentVersion: string;
  kubernetesVersion: () => string;
  intervalSeconds: number;
  /** Told after each heartbeat whether the hub answered. */
  connected: (ok: boolean) => void;
  /** The public age recipient the hub should know (sent every time; it is a few dozen bytes). */
  ageRecipient?: () => string | undefined;
  /** What the hub asked in its answer (a key rotation). */
  answered?: (answer: HeartbeatAnswerV1) => Promise<void>;
  /**
   * When the hub last answered one of the agent's calls (a long-poll, in ms since the epoch).
   * While that is more recent than `quietSeconds`, a heartbeat with nothing new to say is
   * skipped: the hub counts every call as a sign of life. Absent: a heartbeat every interval.
   */
  lastContactMs?: () => number;
  /** How long a contact counts as recent (the long-poll's wait plus an interval). */
  quietSeconds?: number;
  signal: AbortSignal;
}

/**
 * A heartbeat goes at least every this many intervals even while polls flow: the hub answers a
 * pending key rotation on a heartbeat, so that is how long it may wait to be asked.
 */
export const MAX_QUIET_INTERVALS = 4;

/** Whether this interval's heartbeat is worth sending (see {@link runHeartbeats}). */
export function heartbeatDue(s: {
  now: number;
  news: boolean;
  lastSentMs: number;
  lastContactMs: number | undefined;
  intervalSeconds: number;
  quietSeconds: number | undefined;
}): boolean {
  if (s.news || s.lastContactMs === undefined || s.quietSeconds === undefined) return true;
  if (s.now - s.lastSentMs >= MAX_QUIET_INTERVALS * s.intervalSeconds * 1000) return true;
  return s.now - s.lastContactMs > s.quietSeconds * 1000;
}

/**
 * Looks every interval until `signal` aborts, and sends a heartbeat when it has news — the
 * group/versions the API server serves changed since the hub last accepted them (a CRD installed
 * or removed, so the hub re-renders charts only then), another Kubernetes version or age
 * recipient — or when the hub has not answered any call of the agent lately, and in any case
 * every {@link MAX_QUIET_INTERVALS} intervals. While long-polls flow that cuts an idle agent's
 * calls from two polls and four heartbeats a minute to two polls and one.
 */
export async function runHeartbeats(d: HeartbeatDeps): Promise<void> {
  let sentApiVersions: string | undefined;
  let sentState: string | undefined;
  let lastSentMs = 0;
  while (!d.signal.aborted) {
    const apiVersions = await d.client.apiVersions().catch((e: Error) => {
      d.logger.warn({ err: e.message }, 'API discovery failed');
      return undefined;
    });
    const changed = apiVersions && apiVersions.join(',') !== sentApiVersions ? apiVersions : undefined;
    const ageRecipient = d.ageRecipient?.();
    const kubernetesVersion = d.kubernetesVersion();
    const state = `${d.agentVersion}\n${kubernetesVersion}\n${ageRecipient ?? ''}`;
    const due = heartbeatDue({
      now: Date.now(),
      news: changed !== undefined || state !== sentState,
      lastSentMs,
      lastContactMs: d.lastContactMs?.(),
      intervalSeconds: d.intervalSeconds,
      quietSeconds: d.quietSeconds,
    });
    let answer: HeartbeatAnswerV1 | void = undefined;
    if (due)
      try {
        answer = await d.hub.heartbeat({
          agentVersion: d.agentVersion,
          kubernetesVersion,
          ...(changed ? { apiVersions: changed } : {}),
          ...(ageRecipient ? { ageRecipient } : {}),
        });
        if (changed) sentApiVersions = changed.join(',');
        sentState = state;
        lastSentMs = Date.now();
        d.connected(true);
      } catch {
        d.connected(false);
      }
    // (the new recipient of a rotation goes with the next heartbeat)
    if (answer && d.answered)
      await d
        .answered(answer)
        .catch((e: Error) => d.logger.warn({ err: e.message }, 'heartbeat answer failed'));
    await sleep(d.intervalSeconds * 1000, undefined, { signal: d.signal }).catch(() => undefined);
  }
}
