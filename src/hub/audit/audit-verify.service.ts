import { Inject, Injectable } from '@nestjs/common';
import { checkpointSignatureValid, compareCheckpoint } from '../../domain/audit-checkpoint.js';
import {
  CHAIN_KEYED_ACTION,
  CHAIN_START,
  GENESIS_HASH,
  finishChain,
  walkChain,
  type ChainBreak,
  type ChainCursor,
} from '../../domain/audit-chain.js';
import { AUDIT_KEYS, type AuditKeys } from '../platform/audit-keys.js';
import { AuditCheckpointRepository } from './audit-checkpoint.repository.js';
import { type AuditCheckpointEntity } from './audit-checkpoint.entity.js';
import { AuditRepository } from './audit.repository.js';
import { toContent } from './audit.service.js';

/** A checkpoint kept outside the hub, given to {@link AuditVerifyService.verify}. */
export interface ExternalCheckpoint {
  seq: number;
  hash: string;
}

/** What a full verification found. */
export interface AuditVerification {
  ok: boolean;
  /** Events whose links held. */
  checked: number;
  /** seq of the first event (or checkpoint) that does not hold. */
  brokenAt?: number;
  reason?: string;
  /** The newest event, as found. */
  headSeq: number | null;
  headHash: string | null;
  /** seq of the keyed marker: events from here on are HMAC-keyed. */
  keyedFrom: number | null;
  /** Signed checkpoints stored by the hub that were checked against the chain. */
  checkpointsChecked: number;
  /** The outcome for the external checkpoint, when one was given. */
  checkpoint?: { seq: number; hash: string; ok: boolean; reason?: string };
  /**
   * The signed checkpoint the walk started from (its signature checked): the one where the kept
   * chain starts once retention detached older months, or the newest one for an incremental
   * verification. Null: from the first event.
   */
  verifiedFrom: { seq: number; hash: string } | null;
}

/** Where {@link AuditVerifyService.verify} starts. */
export type VerifyFrom = 'start' | 'latest-checkpoint';

/**
 * Walks the audit chain: links, keyed hashes, seq continuity, the signed checkpoints the hub
 * stored, and optionally a checkpoint the caller kept elsewhere (which is what catches a
 * database owner who drops the newest events and the checkpoints after them).
 */
@Injectable()
export class AuditVerifyService {
  constructor(
    @Inject(AuditRepository) private readonly events: AuditRepository,
    @Inject(AuditCheckpointRepository) private readonly checkpoints: AuditCheckpointRepository,
    @Inject(AUDIT_KEYS) private readonly keys: AuditKeys,
  ) {}

  /**
   * Verifies the chain from its first event, or from the signed checkpoint where the kept chain
   * starts when retention removed older months; `from: 'latest-checkpoint'` verifies only the
   * events after the newest signed checkpoint (incremental).
   */
  async verify(
    external?: ExternalCheckpoint,
    batchSize = 5_000,
    from: VerifyFrom = 'start',
  ): Promise<AuditVerification> {
    const out: AuditVerification = {
      ok: true,
      checked: 0,
      headSeq: null,
      headHash: null,
      keyedFrom: null,
      checkpointsChecked: 0,
      verifiedFrom: null,
    };
    const fail = (b: ChainBreak) => Object.assign(out, { ok: false, brokenAt: b.brokenAt, reason: b.reason });
    const begin = await this.startingPoint(from);
    if ('brokenAt' in begin) return fail(begin);
    const start = begin.cursor;
    if (start.lastSeq > 0) out.verifiedFrom = { seq: start.lastSeq, hash: start.lastHash };
    let extResult: { ok: boolean; reason?: string } | null = null;
    if (external && start.lastSeq > 0 && external.seq <= start.lastSeq)
      extResult =
        external.seq === start.lastSeq
          ? compareCheckpoint(external, start.lastHash, start.lastSeq)
          : {
              ok: false,
              reason: `seq ${external.seq} is before the verified part of the chain (from seq ${start.lastSeq})`,
            };
    const walk = await this.walk(start, null, batchSize, async (hashes, afterSeq, uptoSeq) => {
      for (const c of await this.checkpoints.between(afterSeq, uptoSeq)) {
        const broken = this.checkStored(c, hashes, Number(uptoSeq));
        if (broken) return broken;
        out.checkpointsChecked++;
      }
      if (external && external.seq > Number(afterSeq) && external.seq <= Number(uptoSeq))
        extResult = compareCheckpoint(external, hashes.get(external.seq) ?? null, Number(uptoSeq));
      return null;
    });
    out.checked = walk.cursor.checked;
    out.keyedFrom = walk.cursor.keyedFrom;
    out.headSeq = walk.cursor.lastSeq || null;
    out.headHash = walk.cursor.lastSeq ? walk.cursor.lastHash : null;
    if (walk.broken) fail(walk.broken);
    else {
      const unkeyed = finishChain(walk.cursor, walk.firstSeq);
      if (unkeyed) fail(unkeyed);
      // Stored checkpoints beyond the head: the newest events were removed.
      const beyond = walk.cursor.lastSeq;
      for (const c of await this.checkpoints.between(String(beyond), null)) {
        if (!out.ok) break;
        const broken = this.checkStored(c, new Map(), beyond);
        if (broken) fail(broken);
      }
    }
    if (external) {
      const r: { ok: boolean; reason?: string } =
        extResult ??
        (walk.broken
          ? { ok: false, reason: `not reached: the chain breaks earlier, at seq ${walk.broken.brokenAt}` }
          : compareCheckpoint(external, null, walk.cursor.lastSeq));
      out.checkpoint = { ...external, ...r };
      if (!r.ok && out.ok) fail({ brokenAt: external.seq, reason: `checkpoint mismatch: ${r.reason}` });
    }
    return out;
  }

  /**
   * Verifies the events after a trusted checkpoint up to `uptoSeq`, for the next checkpoint:
   * the hub never signs a head it has not checked.
   */
  async verifySince(from: { seq: string; hash: string } | null, uptoSeq: string): Promise<ChainBreak | null> {
    const start = from ? await this.cursorAt(from) : CHAIN_START;
    const walk = await this.walk(start, uptoSeq, 5_000, () => Promise.resolve(null));
    return walk.broken ?? finishChain(walk.cursor, walk.firstSeq);
  }

  /**
   * The cursor a walk starts from: the first event when the trail still begins at the genesis
   * link, else the signed checkpoint just before its oldest kept event (retention writes one
   * there before it detaches a month); with `latest-checkpoint`, the newest signed checkpoint.
   */
  private async startingPoint(from: VerifyFrom): Promise<{ cursor: ChainCursor } | ChainBreak> {
    if (from === 'latest-checkpoint') {
      const c = await this.checkpoints.latest();
      if (!c) return { cursor: CHAIN_START };
      return this.signedStart(c);
    }
    const first = await this.events.first();
    if (!first || first.prevHash === GENESIS_HASH) return { cursor: CHAIN_START };
    const before = String(BigInt(first.seq) - 1n);
    const c = await this.checkpoints.atOrBefore(before);
    if (!c || c.seq !== before)
      return {
        brokenAt: Number(first.seq),
        reason:
          `the trail starts at seq ${first.seq}, not at the first event, and no signed checkpoint ` +
          `at seq ${before} marks where the kept chain starts: events were removed`,
      };
    return this.signedStart(c);
  }

  private async signedStart(c: AuditCheckpointEntity): Promise<{ cursor: ChainCursor } | ChainBreak> {
    const seq = Number(c.seq);
    if (!checkpointSignatureValid(this.keys.publicKey, { ...c, seq }))
      return { brokenAt: seq, reason: `the stored checkpoint at seq ${seq} has an invalid signature` };
    return { cursor: await this.cursorAt(c) };
  }

  /**
   * A cursor just after a trusted checkpoint. The keyed marker before it may be gone (retention):
   * a checkpoint is only signed over a keyed chain, so everything after it must be keyed too.
   */
  private async cursorAt(from: { seq: string; hash: string }): Promise<ChainCursor> {
    const marker = await this.events.keyedMarker(CHAIN_KEYED_ACTION);
    const keyedFrom =
      marker === null ? Number(from.seq) : Number(marker.seq) <= Number(from.seq) ? Number(marker.seq) : null;
    return { lastHash: from.hash, lastSeq: Number(from.seq), keyedFrom, checked: 0 };
  }

  /** Walks batches from `start`, calling `onBatch` with the batch's hashes by seq. */
  private async walk(
    start: ChainCursor,
    uptoSeq: string | null,
    batchSize: number,
    onBatch: (hashes: Map<number, string>, afterSeq: string, uptoSeq: string) => Promise<ChainBreak | null>,
  ): Promise<{ cursor: ChainCursor; broken: ChainBreak | null; firstSeq: number | null }> {
    let cursor = start;
    let firstSeq: number | null = null;
    for (;;) {
      const after = String(cursor.lastSeq);
      const batch = (await this.events.chainAfter(after, batchSize)).filter(
        (e) => uptoSeq === null || BigInt(e.seq) <= BigInt(uptoSeq),
      );
      if (batch.length === 0) return { cursor, broken: null, firstSeq };
      firstSeq ??= Number(batch[0].seq);
      const step = walkChain(this.keys.chainKey, cursor, batch.map(toContent));
      if (step.broken) return { cursor: step.cursor, broken: step.broken, firstSeq };
      cursor = step.cursor;
      const hashes = new Map(batch.map((e) => [Number(e.seq), e.hash]));
      const broken = await onBatch(hashes, after, String(cursor.lastSeq));
      if (broken) return { cursor, broken, firstSeq };
    }
  }

  private checkStored(
    c: AuditCheckpointEntity,
    hashes: Map<number, string>,
    headSeq: number,
  ): ChainBreak | null {
    const seq = Number(c.seq);
    if (!checkpointSignatureValid(this.keys.publicKey, { ...c, seq }))
      return { brokenAt: seq, reason: `the stored checkpoint at seq ${seq} has an invalid signature` };
    const r = compareCheckpoint({ seq, hash: c.hash }, hashes.get(seq) ?? null, headSeq);
    return r.ok ? null : { brokenAt: seq, reason: `stored checkpoint: ${r.reason}` };
  }
}
