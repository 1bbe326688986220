import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** Who did something: an API token, the agent of a cluster, or the hub itself. */
export interface Actor {
  type: 'token' | 'agent' | 'system';
  /** Token id, cluster id, or a fixed name for the system. */
  id: string;
  /** Token name, `agent:<cluster>`, or `system`. */
  name: string;
}

/** The system actor: work the hub does on its own (polling, first start). */
export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'system', name: 'system' };

/** The hashed content of an audit event: everything but the hash fields themselves. */
export interface AuditEventContent {
  seq: number;
  occurredAt: Date;
  actor: Actor;
  action: string;
  clusterId: string | null;
  repositoryId: string | null;
  applicationId: string | null;
  revision: string | null;
  resource: string | null;
  details: Record<string, unknown>;
}

/** Hash of the event before the first one. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Chains an event to its predecessor: sha256(prevHash + "\n" + canonical(content)).
 * Changing, removing or reordering any stored event breaks every later link.
 */
export function chainHash(prevHash: string, content: AuditEventContent): string {
  // Name every field: extra properties on the argument (a stored row's hashes) must not count.
  const body = canonicalJson({
    seq: content.seq,
    occurredAt: content.occurredAt.toISOString(),
    actor: { type: content.actor.type, id: content.actor.id, name: content.actor.name },
    action: content.action,
    clusterId: content.clusterId,
    repositoryId: content.repositoryId,
    applicationId: content.applicationId,
    revision: content.revision,
    resource: content.resource,
    details: content.details,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/** Result of walking the chain. */
export type ChainVerdict =
  { ok: true; checked: number } | { ok: false; checked: number; brokenAt: number; reason: string };

/**
 * Checks a batch of stored events (ascending seq) against the hash before them.
 * Returns the verdict for the batch and the hash to carry into the next batch.
 */
export function verifyChainBatch(
  prevHash: string,
  events: readonly (AuditEventContent & { prevHash: string; hash: string })[],
): { verdict: ChainVerdict; lastHash: string } {
  let prev = prevHash;
  let checked = 0;
  for (const e of events) {
    if (e.prevHash !== prev)
      return {
        verdict: {
          ok: false,
          checked,
          brokenAt: e.seq,
          reason: 'previous-hash link does not match the event before it',
        },
        lastHash: prev,
      };
    const expected = chainHash(prev, e);
    if (expected !== e.hash)
      return {
        verdict: { ok: false, checked, brokenAt: e.seq, reason: 'event content does not match its hash' },
        lastHash: prev,
      };
    prev = e.hash;
    checked++;
  }
  return { verdict: { ok: true, checked }, lastHash: prev };
}
