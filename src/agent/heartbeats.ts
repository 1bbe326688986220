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
  signal: AbortSignal;
}

/**
 * Sends a heartbeat every interval until `signal` aborts: the agent's and Kubernetes' versions,
 * and the group/versions the API server serves — those only when they changed since the hub last
 * accepted them (a CRD installed or removed), so the hub re-renders charts only then.
 */
export async function runHeartbeats(d: HeartbeatDeps): Promise<void> {
  let sentApiVersions: string | undefined;
  while (!d.signal.aborted) {
    const apiVersions = await d.client.apiVersions().catch((e: Error) => {
      d.logger.warn({ err: e.message }, 'API discovery failed');
      return undefined;
    });
    const changed = apiVersions && apiVersions.join(',') !== sentApiVersions ? apiVersions : undefined;
    const ageRecipient = d.ageRecipient?.();
    let answer: HeartbeatAnswerV1 | void = undefined;
    try {
      answer = await d.hub.heartbeat({
        agentVersion: d.agentVersion,
        kubernetesVersion: d.kubernetesVersion(),
        ...(changed ? { apiVersions: changed } : {}),
        ...(ageRecipient ? { ageRecipient } : {}),
      });
      if (changed) sentApiVersions = changed.join(',');
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
