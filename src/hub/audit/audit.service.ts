import { Inject, Injectable } from '@nestjs/common';
import {
  CHAIN_KEYED_ACTION,
  GENESIS_HASH,
  keyedChainHash,
  SYSTEM_ACTOR,
  type Actor,
  type AuditEventContent,
  type StoredAuditEvent,
} from '../../domain/audit-chain.js';
import { partitionName } from '../../domain/audit-partitions.js';
import { decodeCursor, encodeCursor } from '../../domain/cursor.js';
import { InvalidInputError } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { type Tx } from '../database/data-source.js';
import { AUDIT_KEYS, type AuditKeys } from '../platform/audit-keys.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { type AuditEventEntity } from './audit-event.entity.js';
import { AUDIT_OBSERVERS, AuditObservers } from './audit-observers.js';
import { AuditPartitionRepository } from './audit-partition.repository.js';
import { AuditRepository, type AuditFilter } from './audit.repository.js';

/** What a caller records; the service adds sequence, time and the chain hashes. */
export interface AuditRecord {
  actor: Actor;
  action: string;
  clusterId?: string | null;
  repositoryId?: string | null;
  applicationId?: string | null;
  /** The project; when absent, that of `applicationId` (looked up as the event is recorded). */
  projectId?: string | null;
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
  projectId: string | null;
  revision: string | null;
  resource: string | null;
  details: Record<string, unknown>;
  hash: string;
  prevHash: string;
}

/** A query of the audit trail as the API receives it. */
export type AuditQuery = Omit<AuditFilter, 'before' | 'actionPrefix' | 'projectId' | 'projectIds'> & {
  cursor?: string;
  /** Project name or id. */
  project?: string;
  /** The projects (names) whose events the caller may see; absent or `'all'`: every event. */
  visible?: 'all' | string[];
};

/** The audit key of this hub is not the one the chain was keyed with. */
export class AuditKeyMismatchError extends Error {}

/** Writes and reads the fleet-wide, hash-chained audit trail. */
@Injectable()
export class AuditService {
  /** Set once the keyed marker is known to be committed: later writes skip looking for it. */
  private keyedConfirmed = false;
  /** Months whose partition is known to exist (made ahead by the partition service). */
  private readonly monthsReady = new Set<string>();

  constructor(
    @Inject(AuditRepository) private readonly events: AuditRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(AUDIT_KEYS) private readonly keys: AuditKeys,
    @Inject(AUDIT_OBSERVERS) private readonly observers: AuditObservers,
    @Inject(AuditPartitionRepository) private readonly partitions: AuditPartitionRepository,
  ) {}

  /** Records that the partition of these months exists, so writes skip making sure of it. */
  partitionsReady(months: readonly string[]): void {
    for (const m of months) this.monthsReady.add(m);
  }

  /**
   * Makes sure the chain is keyed (writes the {@link CHAIN_KEYED_ACTION} marker after any events
   * of the plain rule) and that this hub holds the key it was keyed with. Run at start, before
   * anything else writes, so a replica with a different key fails loudly instead of writing
   * events no one can verify.
   */
  async ensureKeyed(tx: Tx): Promise<void> {
    await this.recordMany(tx, []);
  }

  /** Confirms {@link ensureKeyed}'s transaction committed. */
  confirmKeyed(): void {
    this.keyedConfirmed = true;
  }

  /** The key id of this hub's audit key (public). */
  keyId(): string {
    return this.keys.keyId;
  }

  /** Appends an event inside the caller's transaction: it commits or rolls back with the change. */
  async record(tx: Tx, r: AuditRecord): Promise<void> {
    await this.recordMany(tx, [r]);
  }

  /** Appends events in order, taking the chain lock once (fleet-wide dispatch writes thousands). */
  async recordMany(tx: Tx, given: readonly AuditRecord[]): Promise<void> {
    if (given.length === 0 && this.keyedConfirmed) return;
    let records = given;
    // Before the chain lock: every event of the fleet waits on it, so it covers no lookup.
    const projectOf = await this.events.projectsOfApplications(
      tx,
      given.filter((r) => r.projectId === undefined && r.applicationId).map((r) => r.applicationId!),
    );
    // Normally made ahead by the partition service; a clock past them must not lose the event.
    const month = partitionName(this.clock.now());
    if (!this.monthsReady.has(month)) {
      await this.partitions.ensure(this.clock.now(), this.clock.now(), tx);
      this.monthsReady.add(month);
    }
    const { seqs, prevHash: head, headTime } = await this.events.lockHeadMany(tx, records.length + 1);
    if (!this.keyedConfirmed) {
      const marker = await this.events.keyedMarker(CHAIN_KEYED_ACTION, tx);
      if (marker) this.checkMarker(marker);
      else
        records = [
          {
            actor: SYSTEM_ACTOR,
            action: CHAIN_KEYED_ACTION,
            // Events up to this seq were written under the plain rule (0: none).
            details: { keyId: this.keys.keyId, plainUpToSeq: Number(seqs[0]) - 1 },
          },
          ...records,
        ];
    }
    if (records.length === 0) return;
    // Never before the head: time order is seq order, so each month holds one run of the chain
    // and retention cuts it cleanly (replicas' clocks may differ by a few milliseconds).
    const clockNow = this.clock.now();
    const now = headTime && headTime.getTime() > clockNow.getTime() ? headTime : clockNow;
    if (partitionName(now) !== month && !this.monthsReady.has(partitionName(now))) {
      await this.partitions.ensure(now, now, tx);
      this.monthsReady.add(partitionName(now));
    }
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
        projectId: r.projectId ?? (r.applicationId ? (projectOf.get(r.applicationId) ?? null) : null),
        revision: r.revision ?? null,
        resource: r.resource ?? null,
        details: r.details ?? {},
      };
      const hash = keyedChainHash(this.keys.chainKey, prevHash, content);
      const row = {
        seq: seqs[i],
        occurredAt: content.occurredAt,
        actorType: r.actor.type,
        actorId: r.actor.id,
        actorName: r.actor.name,
        actorGroups: r.actor.groups ?? null,
        action: content.action,
        clusterId: content.clusterId,
        repositoryId: content.repositoryId,
        applicationId: content.applicationId,
        projectId: content.projectId ?? null,
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
    // In this transaction: what observers write (the notification outbox) exists exactly when the events do.
    if (!this.observers.empty) await this.observers.recorded(tx, rows);
  }

  /** Newest first; `cursor` continues from the previous page. */
  async list(q: AuditQuery): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
    const filter = await this.filterOf(q);
    if (!filter) return { items: [], nextCursor: null };
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

  /**
   * Every event a query matches, oldest first, as JSON Lines: read in keyset batches of
   * `batchSize` (one indexed query each), so a range of millions never sits in memory; the
   * consumer's backpressure paces the reads. Resolve it before answering: a bad query throws
   * here, not halfway through the stream.
   */
  async export(q: Omit<AuditQuery, 'limit' | 'cursor'>, batchSize = 1_000): Promise<AsyncIterable<string>> {
    const filter = await this.filterOf({ ...q, limit: batchSize });
    const events = this.events;
    // The first batch before answering: a query the database refuses is an error answer, not a cut stream.
    let rows = filter ? await events.query({ ...filter, ascending: true, limit: batchSize }) : [];
    return (async function* () {
      while (rows.length > 0) {
        yield rows.map((r) => JSON.stringify(toView(r)) + '\n').join('');
        if (rows.length < batchSize) return;
        const last = rows[rows.length - 1];
        filter!.after = { occurredAt: last.occurredAt, seq: last.seq };
        rows = await events.query({ ...filter!, ascending: true, limit: batchSize });
      }
    })();
  }

  /** The storage filter of a query; null when it cannot match anything. */
  private async filterOf(q: Omit<AuditQuery, 'cursor'>): Promise<AuditFilter | null> {
    const { project, visible, ...rest } = q;
    const filter: AuditFilter = { ...rest, limit: q.limit + 1 };
    delete (filter as { cursor?: string }).cursor;
    // A caller with project roles only sees events of those projects (none of the fleet's own).
    if (visible !== undefined && visible !== 'all') {
      filter.projectIds = await this.events.projectIdsByNames(visible);
      if (filter.projectIds.length === 0) return null;
    }
    if (project !== undefined) {
      // A project deleted since is still found by id; an unknown name has no events.
      const id = isUuid(project) ? project : await this.events.projectIdByName(project);
      if (id === null) return null;
      filter.projectId = id;
    }
    if (q.action?.endsWith('.*')) {
      filter.action = undefined;
      filter.actionPrefix = q.action.slice(0, -1);
    }
    return filter;
  }

  /** The plan of a query, for the documentation test. */
  explain(q: AuditFilter): Promise<string> {
    return this.events.explain(q);
  }

  private checkMarker(marker: AuditEventEntity): void {
    const stored = toContent(marker);
    if (keyedChainHash(this.keys.chainKey, stored.prevHash, stored) !== stored.hash)
      throw new AuditKeyMismatchError(
        `the audit chain was keyed (event ${marker.seq}) with another audit key ` +
          `(key id ${String(marker.details.keyId)}, this hub has ${this.keys.keyId}): ` +
          'give every replica the same FLOTILLA_AUDIT_KEY, or the marker was tampered with',
      );
  }
}

/** A stored row as the chain rules see it. */
export function toContent(e: AuditEventEntity): StoredAuditEvent {
  return {
    seq: Number(e.seq),
    occurredAt: e.occurredAt,
    actor: {
      type: e.actorType as Actor['type'],
      id: e.actorId,
      name: e.actorName,
      ...(e.actorGroups ? { groups: e.actorGroups } : {}),
    },
    action: e.action,
    clusterId: e.clusterId,
    repositoryId: e.repositoryId,
    applicationId: e.applicationId,
    projectId: e.projectId,
    revision: e.revision,
    resource: e.resource,
    details: e.details,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

function toView(e: AuditEventEntity): AuditEventView {
  const c = toContent(e);
  return { ...c, projectId: e.projectId, seq: e.seq, occurredAt: e.occurredAt.toISOString() };
}
