import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { AuditEventEntity } from './audit-event.entity.js';
import { insertRows } from '../database/bulk-insert.js';

/** Filters of the fleet-wide audit query; each maps to one indexed column. */
export interface AuditFilter {
  clusterId?: string;
  repositoryId?: string;
  applicationId?: string;
  /** Project id. */
  projectId?: string;
  /** Only events of these projects (a project-scoped caller's view). */
  projectIds?: string[];
  resource?: string;
  actor?: string;
  /** Exact action. */
  action?: string;
  /** Action prefix such as `cluster.` (from `cluster.*`). */
  actionPrefix?: string;
  revision?: string;
  since?: Date;
  until?: Date;
  /** Keyset position: events strictly older than this (occurredAt, seq). */
  before?: { occurredAt: Date; seq: string };
  /** Keyset position of an ascending read: events strictly newer than this. */
  after?: { occurredAt: Date; seq: string };
  /** Oldest first (an export) instead of newest first. */
  ascending?: boolean;
  limit: number;
}

const CHAIN_LOCK = 7_361_003;

/** Append-only storage of audit events. */
@Injectable()
export class AuditRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /**
   * Takes the chain lock for the rest of the transaction and returns the next `n` sequence
   * numbers (head + 1 …) and the hash of the newest event. Holding the lock until commit keeps
   * seq, time and chain order identical across concurrent writers and hub replicas; taking seq
   * from the head rather than a sequence means a rolled-back transaction leaves no gap.
   */
  async lockHeadMany(
    tx: Tx,
    n: number,
  ): Promise<{ seqs: string[]; prevHash: string | null; headTime: Date | null }> {
    const m = managerOf(this.ds, tx);
    await m.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
    const head: { seq: string; hash: string; occurred_at: Date }[] = await m.query(
      'SELECT e.seq::text AS seq, e.hash, e.occurred_at FROM audit_events e ORDER BY e.seq DESC LIMIT 1',
    );
    const last = BigInt(head[0]?.seq ?? '0');
    return {
      seqs: Array.from({ length: n }, (_, i) => (last + BigInt(i + 1)).toString()),
      prevHash: head[0]?.hash ?? null,
      headTime: head[0]?.occurred_at ?? null,
    };
  }

  /** The oldest event still in the trail (retention may have detached older months). */
  async first(): Promise<{ seq: string; prevHash: string } | null> {
    const rows: { seq: string; prev_hash: string }[] = await this.ds.query(
      'SELECT e.seq::text AS seq, e.prev_hash FROM audit_events e ORDER BY e.seq ASC LIMIT 1',
    );
    return rows[0] ? { seq: rows[0].seq, prevHash: rows[0].prev_hash } : null;
  }

  /** The event that switched the chain to the keyed rule, if any (the oldest such event). */
  keyedMarker(action: string, tx?: Tx): Promise<AuditEventEntity | null> {
    return managerOf(this.ds, tx)
      .createQueryBuilder(AuditEventEntity, 'e')
      .where('e.action = :action', { action })
      .orderBy('e.seq', 'ASC')
      .limit(1)
      .getOne();
  }

  /** The newest event's seq and hash, or null for an empty trail. */
  async head(tx?: Tx): Promise<{ seq: string; hash: string } | null> {
    const rows: { seq: string; hash: string }[] = await managerOf(this.ds, tx).query(
      'SELECT e.seq::text AS seq, e.hash FROM audit_events e ORDER BY e.seq DESC LIMIT 1',
    );
    return rows[0] ?? null;
  }

  /** The project of each of these applications that still exists, by application id. */
  async projectsOfApplications(tx: Tx, applicationIds: string[]): Promise<Map<string, string>> {
    if (applicationIds.length === 0) return new Map();
    const rows: { id: string; project_id: string }[] = await managerOf(this.ds, tx).query(
      'SELECT id, project_id FROM applications WHERE id = ANY($1::uuid[])',
      [[...new Set(applicationIds)]],
    );
    return new Map(rows.map((r) => [r.id, r.project_id]));
  }

  /** The id of the project with this name, or null. */
  async projectIdByName(name: string): Promise<string | null> {
    const rows: { id: string }[] = await this.ds.query('SELECT id FROM projects WHERE name = $1', [name]);
    return rows[0]?.id ?? null;
  }

  /** The ids of the projects with these names. */
  async projectIdsByNames(names: string[]): Promise<string[]> {
    const rows: { id: string }[] = await this.ds.query(
      'SELECT id FROM projects WHERE name = ANY($1::text[])',
      [names],
    );
    return rows.map((r) => r.id);
  }

  async insertMany(tx: Tx, events: AuditEventEntity[]): Promise<void> {
    await insertRows(managerOf(this.ds, tx), AuditEventEntity, events);
  }

  /** Newest first, keyset-paginated; every filter combination is served by an index. */
  query(f: AuditFilter): Promise<AuditEventEntity[]> {
    return this.build(f).getMany();
  }

  /** The plan Postgres picks for a filter (documentation and the index test). */
  async explain(f: AuditFilter): Promise<string> {
    const [sql, params] = this.build(f).getQueryAndParameters();
    const rows: { 'QUERY PLAN': string }[] = await this.ds.query(`EXPLAIN ${sql}`, params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  private build(f: AuditFilter) {
    const q = this.ds.manager.createQueryBuilder(AuditEventEntity, 'e');
    if (f.clusterId) q.andWhere('e.cluster_id = :clusterId', { clusterId: f.clusterId });
    if (f.repositoryId) q.andWhere('e.repository_id = :repositoryId', { repositoryId: f.repositoryId });
    if (f.applicationId) q.andWhere('e.application_id = :applicationId', { applicationId: f.applicationId });
    if (f.projectId) q.andWhere('e.project_id = :projectId', { projectId: f.projectId });
    if (f.projectIds) q.andWhere('e.project_id = ANY(:projectIds)', { projectIds: f.projectIds });
    if (f.resource) q.andWhere('e.resource = :resource', { resource: f.resource });
    if (f.actor) q.andWhere('e.actor_name = :actor', { actor: f.actor });
    if (f.action) q.andWhere('e.action = :action', { action: f.action });
    if (f.actionPrefix) {
      // A range rather than LIKE: the C-collated btree serves it directly.
      const last = f.actionPrefix.charCodeAt(f.actionPrefix.length - 1);
      q.andWhere('e.action >= :lo AND e.action < :hi', {
        lo: f.actionPrefix,
        hi: f.actionPrefix.slice(0, -1) + String.fromCharCode(last + 1),
      });
    }
    if (f.revision) q.andWhere('e.revision = :revision', { revision: f.revision });
    if (f.since) q.andWhere('e.occurred_at >= :since', { since: f.since });
    if (f.until) q.andWhere('e.occurred_at < :until', { until: f.until });
    if (f.before)
      q.andWhere('(e.occurred_at, e.seq) < (:bt, :bs)', { bt: f.before.occurredAt, bs: f.before.seq });
    if (f.after)
      q.andWhere('(e.occurred_at, e.seq) > (:at, :as)', { at: f.after.occurredAt, as: f.after.seq });
    const dir = f.ascending ? 'ASC' : 'DESC';
    return q.orderBy('e.occurred_at', dir).addOrderBy('e.seq', dir).limit(f.limit);
  }

  /** A batch of the chain in ascending order, for verification. */
  chainAfter(seq: string, limit: number): Promise<AuditEventEntity[]> {
    return this.ds.manager
      .createQueryBuilder(AuditEventEntity, 'e')
      .where('e.seq > :seq', { seq })
      .orderBy('e.seq', 'ASC')
      .limit(limit)
      .getMany();
  }
}
