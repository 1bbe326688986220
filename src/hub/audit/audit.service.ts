import { Inject, Injectable } from '@nestjs/common';
import {
  chainHash,
  GENESIS_HASH,
  verifyChainBatch,
  type Actor,
  type AuditEventContent,
  type ChainVerdict,
} from '../../domain/audit-chain.js';
import { decodeCursor, encodeCursor } from '../../domain/cursor.js';
import { InvalidInputError } from '../../domain/errors.js';
import { type Tx } from '../database/data-source.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { type AuditEventEntity } from './audit-event.entity.js';
import { AuditRepository, type AuditFilter } from './audit.repository.js';

/** What a caller records; the service adds sequence, time and the chain hashes. */
export interface AuditRecord {
  actor: Actor;
  action: string;
  clusterId?: string | null;
  repositoryId?: string | null;
  applicationId?: string | null;
  revision?: string | null;
  resource?: string | null;
  details?: Record<string, unknown>;
}

/** An audit event as the API shows it. */
export interface AuditEventView {
  seq: string;
  occurredAt: string;
  actor: Actor;
  action: string;
  clusterId: string | null;
  repositoryId: string | null;
  applicationId: string | null;
  revision: string | null;
  resource: string | null;
  details: Record<string, unknown>;
  hash: string;
  prevHash: string;
}

/** A query of the audit trail as the API receives it. */
export type AuditQuery = Omit<AuditFilter, 'before' | 'actionPrefix'> & { cursor?: string };

/** Writes and reads the fleet-wide, hash-chained audit trail. */
@Injectable()
export class AuditService {
  constructor(
    @Inject(AuditRepository) private readonly events: AuditRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Appends an event inside the caller's transaction: it commits or rolls back with the change. */
  async record(tx: Tx, r: AuditRecord): Promise<void> {
    await this.recordMany(tx, [r]);
  }

  /** Appends events in order, taking the chain lock once (fleet-wide dispatch writes thousands). */
  async recordMany(tx: Tx, records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const { seqs, prevHash: head } = await this.events.lockHeadMany(tx, records.length);
    const now = this.clock.now();
    let prevHash = head ?? GENESIS_HASH;
    const rows = records.map((r, i) => {
      const content: AuditEventContent = {
        seq: Number(seqs[i]),
        occurredAt: now,
        actor: r.actor,
        action: r.action,
        clusterId: r.clusterId ?? null,
        repositoryId: r.repositoryId ?? null,
        applicationId: r.applicationId ?? null,
        revision: r.revision ?? null,
        resource: r.resource ?? null,
        details: r.details ?? {},
      };
      const hash = chainHash(prevHash, content);
      const row = {
        seq: seqs[i],
        occurredAt: content.occurredAt,
        actorType: r.actor.type,
        actorId: r.actor.id,
        actorName: r.actor.name,
        action: content.action,
        clusterId: content.clusterId,
        repositoryId: content.repositoryId,
        applicationId: content.applicationId,
        revision: content.revision,
        resource: content.resource,
        details: content.details,
        prevHash,
        hash,
      };
      prevHash = hash;
      return row;
    });
    await this.events.insertMany(tx, rows);
  }

  /** Newest first; `cursor` continues from the previous page. */
  async list(q: AuditQuery): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
    const filter: AuditFilter = { ...q, limit: q.limit + 1 };
    delete (filter as { cursor?: string }).cursor;
    if (q.action?.endsWith('.*')) {
      filter.action = undefined;
      filter.actionPrefix = q.action.slice(0, -1);
    }
    if (q.cursor) {
      const [t, seq] = decodeCursor(q.cursor, ['string', 'string'] as const);
      const occurredAt = new Date(t);
      if (Number.isNaN(occurredAt.getTime()) || !/^\d+$/.test(seq))
        throw new InvalidInputError('cursor: not a cursor returned by this API');
      filter.before = { occurredAt, seq };
    }
    const rows = await this.events.query(filter);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toView),
      nextCursor:
        rows.length > q.limit && last ? encodeCursor([last.occurredAt.toISOString(), last.seq]) : null,
    };
  }

  /** Walks the whole chain in order and reports the first broken link. */
  async verify(batchSize = 5_000): Promise<ChainVerdict> {
    let prev = GENESIS_HASH;
    let after = '0';
    let checked = 0;
    for (;;) {
      const batch = await this.events.chainAfter(after, batchSize);
      if (batch.length === 0) return { ok: true, checked };
      const { verdict, lastHash } = verifyChainBatch(prev, batch.map(toContent));
      if (!verdict.ok) return { ...verdict, checked: checked + verdict.checked };
      checked += verdict.checked;
      prev = lastHash;
      after = batch[batch.length - 1].seq;
    }
  }

  /** The plan of a query, for the documentation test. */
  explain(q: AuditFilter): Promise<string> {
    return this.events.explain(q);
  }
}

function toContent(e: AuditEventEntity): AuditEventContent & { prevHash: string; hash: string } {
  return {
    seq: Number(e.seq),
    occurredAt: e.occurredAt,
    actor: { type: e.actorType as Actor['type'], id: e.actorId, name: e.actorName },
    action: e.action,
    clusterId: e.clusterId,
    repositoryId: e.repositoryId,
    applicationId: e.applicationId,
    revision: e.revision,
    resource: e.resource,
    details: e.details,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

function toView(e: AuditEventEntity): AuditEventView {
  const c = toContent(e);
  return { ...c, seq: e.seq, occurredAt: e.occurredAt.toISOString() };
}
