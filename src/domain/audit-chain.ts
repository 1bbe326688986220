import { createHash, createHmac } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** Who did something: an API token, a person signed in through SSO, the agent of a cluster, or the hub itself. */
export interface Actor {
  type: 'token' | 'user' | 'agent' | 'system';
  /** Token id, `<issuer>#<subject>` of an SSO user, cluster id, or a fixed name for the system. */
  id: string;
  /** Token name, an SSO user's email (else subject), `agent:<cluster>`, or `system`. */
  name: string;
  /** An SSO user's groups at the time of the event; absent for every other actor. */
  groups?: string[];
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
  /**
   * The project the event belongs to. Absent or null: not hashed at all, so events written before
   * projects existed keep verifying under the rule they were written with.
   */
  projectId?: string | null;
  revision: string | null;
  resource: string | null;
  details: Record<string, unknown>;
}

/** Hash of the event before the first one. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Action of the event that switches the chain to the keyed rule. It is itself keyed, and the
 * verifier demands it: a chain without it, or with unkeyed events after it, is not accepted,
 * so nobody without the key can downgrade later events to the plain rule.
 */
export const CHAIN_KEYED_ACTION = 'audit.chain.keyed';

/** The hashed actor: `groups` only when present, so events written before it existed still verify. */
function actorBody(a: Actor): Record<string, unknown> {
  const body: Record<string, unknown> = { type: a.type, id: a.id, name: a.name };
  if (a.groups !== undefined) body.groups = a.groups;
  return body;
}

function canonicalBody(content: AuditEventContent): string {
  // Name every field: extra properties on the argument (a stored row's hashes) must not count.
  return canonicalJson({
    seq: content.seq,
    occurredAt: content.occurredAt.toISOString(),
    actor: actorBody(content.actor),
    action: content.action,
    clusterId: content.clusterId,
    repositoryId: content.repositoryId,
    applicationId: content.applicationId,
    ...(content.projectId ? { projectId: content.projectId } : {}),
    revision: content.revision,
    resource: content.resource,
    details: content.details,
  });
}

/**
 * Chains an event to its predecessor: sha256(prevHash + "\n" + canonical(content)), the rule of
 * events written before the chain was keyed. Anyone can recompute it, so it only detects
 * accidents and writers who cannot re-hash; {@link keyedChainHash} is the rule for new events.
 */
export function chainHash(prevHash: string, content: AuditEventContent): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalBody(content)).digest('hex');
}

/**
 * HMAC-SHA256(key, prevHash + "\n" + canonical(content)): the same link as {@link chainHash}, but
 * only a holder of the audit key (never stored in the database) can compute it.
 */
export function keyedChainHash(key: Buffer, prevHash: string, content: AuditEventContent): string {
  return createHmac('sha256', key).update(prevHash).update('\n').update(canonicalBody(content)).digest('hex');
}

/** A stored event: its content and both hashes. */
export type StoredAuditEvent = AuditEventContent & { prevHash: string; hash: string };

/** Where a walk of the chain stands between batches. */
export interface ChainCursor {
  /** Hash of the last event checked ({@link GENESIS_HASH} before the first). */
  lastHash: string;
  /** seq of the last event checked, 0 before the first. */
  lastSeq: number;
  /** seq of the keyed marker once seen, else null (still in the plain prefix). */
  keyedFrom: number | null;
  checked: number;
}

/** The cursor before the first event. */
export const CHAIN_START: ChainCursor = { lastHash: GENESIS_HASH, lastSeq: 0, keyedFrom: null, checked: 0 };

/** A link that does not hold. */
export interface ChainBreak {
  brokenAt: number;
  reason: string;
}

/**
 * Checks a batch of stored events (ascending seq) continuing from `from`, with the audit key.
 * Rules: the first event links to {@link GENESIS_HASH}; every prevHash is the hash of the event
 * before; events up to the {@link CHAIN_KEYED_ACTION} marker hash under the plain rule, the
 * marker and everything after it under the key; from the marker on, seq has no gaps (before it,
 * the old writer burnt sequence numbers in rolled-back transactions, so gaps there are
 * legitimate — and still sealed, since the marker's HMAC covers the hash of the event before it).
 */
export function walkChain(
  key: Buffer,
  from: ChainCursor,
  events: readonly StoredAuditEvent[],
): { cursor: ChainCursor; broken: ChainBreak | null } {
  const cur = { ...from };
  const fail = (e: StoredAuditEvent, reason: string) => ({
    cursor: cur,
    broken: { brokenAt: e.seq, reason },
  });
  for (const e of events) {
    if (e.seq <= cur.lastSeq) return fail(e, `seq ${e.seq} is not after seq ${cur.lastSeq}`);
    if (cur.keyedFrom !== null && e.seq !== cur.lastSeq + 1)
      return fail(e, `events are missing: seq ${e.seq} follows seq ${cur.lastSeq}`);
    if (e.prevHash !== cur.lastHash) return fail(e, 'previous-hash link does not match the event before it');
    const keyed = cur.keyedFrom !== null || e.action === CHAIN_KEYED_ACTION;
    const expected = keyed ? keyedChainHash(key, cur.lastHash, e) : chainHash(cur.lastHash, e);
    if (expected !== e.hash)
      return fail(
        e,
        keyed
          ? 'event content does not match its keyed hash (HMAC)'
          : 'event content does not match its hash',
      );
    if (cur.keyedFrom === null && keyed) cur.keyedFrom = e.seq;
    cur.lastHash = e.hash;
    cur.lastSeq = e.seq;
    cur.checked++;
  }
  return { cursor: cur, broken: null };
}

/**
 * The verdict once every event was walked: a non-empty chain must have reached the keyed
 * marker, else its events could have been re-hashed by anyone who can write the table.
 */
export function finishChain(cursor: ChainCursor, firstSeq: number | null): ChainBreak | null {
  if (cursor.checked > 0 && cursor.keyedFrom === null)
    return {
      brokenAt: firstSeq ?? 1,
      reason: `no ${CHAIN_KEYED_ACTION} event: the chain is not protected by the audit key`,
    };
  return null;
}
