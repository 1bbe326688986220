import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';

const RETENTION_LOCK = 7_361_006;

/** The monthly partitions of `audit_events` (made and detached by the migration's functions). */
@Injectable()
export class AuditPartitionRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /**
   * Makes sure a partition exists for every month from `from`'s to `to`'s; returns how many were
   * made. Idempotent and safe across replicas (the function takes a lock and re-checks).
   */
  async ensure(from: Date, to: Date, tx?: Tx): Promise<number> {
    const rows: { made: number }[] = await managerOf(this.ds, tx).query(
      'SELECT audit_events_ensure_partitions($1, $2) AS made',
      [from, to],
    );
    return Number(rows[0]?.made ?? 0);
  }

  /** Names of the partitions attached to `audit_events`. */
  async attached(): Promise<string[]> {
    const rows: { name: string }[] = await this.ds.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'audit_events'::regclass ORDER BY c.relname`,
    );
    return rows.map((r) => r.name);
  }

  /** True when this transaction holds the retention lease; another replica holding it: false. */
  async tryLease(tx: Tx): Promise<boolean> {
    const rows: { ok: boolean }[] = await managerOf(this.ds, tx).query(
      'SELECT pg_try_advisory_xact_lock($1) AS ok',
      [RETENTION_LOCK],
    );
    return rows[0]?.ok === true;
  }

  /** Count, first and last event (by seq) of a time range; read through the parent, pruned to it. */
  async rangeStats(
    tx: Tx,
    from: Date,
    to: Date,
  ): Promise<{
    events: number;
    first: { seq: string; hash: string } | null;
    last: { seq: string; hash: string } | null;
  }> {
    const m = managerOf(this.ds, tx);
    const range = 'FROM audit_events e WHERE e.occurred_at >= $1 AND e.occurred_at < $2';
    const [count]: { n: string }[] = await m.query(`SELECT count(*)::text AS n ${range}`, [from, to]);
    const first: { seq: string; hash: string }[] = await m.query(
      `SELECT e.seq::text AS seq, e.hash ${range} ORDER BY e.seq ASC LIMIT 1`,
      [from, to],
    );
    const last: { seq: string; hash: string }[] = await m.query(
      `SELECT e.seq::text AS seq, e.hash ${range} ORDER BY e.seq DESC LIMIT 1`,
      [from, to],
    );
    return { events: Number(count?.n ?? 0), first: first[0] ?? null, last: last[0] ?? null };
  }

  /**
   * Detaches a past month's partition (kept as a table of its own, for the schema owner to
   * archive and drop). Waits at most 10 s for the table lock, so a long query only delays it.
   */
  async detach(tx: Tx, name: string): Promise<void> {
    const m = managerOf(this.ds, tx);
    await m.query(`SET LOCAL lock_timeout = '10s'`);
    await m.query('SELECT audit_events_detach_partition($1)', [name]);
  }
}
