import { sign, verify, type KeyObject } from 'node:crypto';

/** A signed statement "the audit chain had this hash at this seq", to be kept outside the hub. */
export interface AuditCheckpoint {
  seq: number;
  /** Hash of the event at `seq`. */
  hash: string;
  createdAt: Date;
  /** Ed25519 signature of {@link checkpointMessage}, base64. */
  signature: string;
}

/**
 * The exact bytes a checkpoint signature covers. Versioned and newline-separated so an
 * external verifier can rebuild it with a one-line script.
 */
export function checkpointMessage(c: Pick<AuditCheckpoint, 'seq' | 'hash' | 'createdAt'>): Buffer {
  return Buffer.from(
    `flotilla-audit-checkpoint/v1\n${c.seq}\n${c.hash}\n${c.createdAt.toISOString()}`,
    'utf8',
  );
}

/** Signs a checkpoint with the Ed25519 private key derived from the audit key. */
export function signCheckpoint(
  privateKey: KeyObject,
  c: Pick<AuditCheckpoint, 'seq' | 'hash' | 'createdAt'>,
): AuditCheckpoint {
  return { ...c, signature: sign(null, checkpointMessage(c), privateKey).toString('base64') };
}

/** True when the checkpoint's signature was made by the key behind `publicKey`. */
export function checkpointSignatureValid(publicKey: KeyObject, c: AuditCheckpoint): boolean {
  try {
    return verify(null, checkpointMessage(c), publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

/** When to take the next checkpoint: after `every` new events or `intervalMs`, whichever first. */
export interface CheckpointPolicy {
  every: number;
  intervalMs: number;
}

/**
 * True when the chain head should be checkpointed now: it moved since the last checkpoint and
 * either enough events arrived or enough time passed (the first checkpoint is due at once).
 */
export function checkpointDue(
  policy: CheckpointPolicy,
  headSeq: number | null,
  last: Pick<AuditCheckpoint, 'seq' | 'createdAt'> | null,
  now: Date,
): boolean {
  if (headSeq === null) return false;
  if (!last) return true;
  if (headSeq <= last.seq) return false;
  return headSeq - last.seq >= policy.every || now.getTime() - last.createdAt.getTime() >= policy.intervalMs;
}

/** Outcome of comparing the chain with one checkpoint. */
export type CheckpointCheck = { ok: true } | { ok: false; reason: string };

/**
 * Compares a checkpoint with the chain: `hashAtSeq` is the stored hash of the event at the
 * checkpoint's seq (null when the chain has no such event), `headSeq` the newest seq.
 */
export function compareCheckpoint(
  c: Pick<AuditCheckpoint, 'seq' | 'hash'>,
  hashAtSeq: string | null,
  headSeq: number,
): CheckpointCheck {
  if (hashAtSeq === null)
    return c.seq > headSeq
      ? {
          ok: false,
          reason: `the chain ends at seq ${headSeq}, before the checkpoint at seq ${c.seq}: events were removed`,
        }
      : { ok: false, reason: `the event at seq ${c.seq} is missing` };
  if (hashAtSeq !== c.hash)
    return {
      ok: false,
      reason: `the event at seq ${c.seq} does not have the checkpoint's hash: history was rewritten`,
    };
  return { ok: true };
}
