import { Inject, Injectable } from '@nestjs/common';
import { DataSource, LessThan, MoreThan } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { SsoSessionEntity } from './sso-session.entity.js';

const SWEEP_LOCK = 7_361_005;

/** Storage of SSO sessions. */
@Injectable()
export class SsoSessionRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  insert(tx: Tx, session: Omit<SsoSessionEntity, 'createdAt' | 'lastUsedAt'>): Promise<SsoSessionEntity> {
    const m = managerOf(this.ds, tx);
    return m.save(m.create(SsoSessionEntity, { ...session, lastUsedAt: null }));
  }

  /** Sessions that have not expired at `at`, newest first (at most `limit`). */
  listLive(at: Date, limit: number): Promise<SsoSessionEntity[]> {
    return this.ds.manager.find(SsoSessionEntity, {
      where: { expiresAt: MoreThan(at) },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
    });
  }

  findById(tx: Tx, id: string): Promise<SsoSessionEntity | null> {
    return managerOf(this.ds, tx).findOne(SsoSessionEntity, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** Records use at most once a minute per session, so authenticated reads stay cheap. */
  async touch(id: string, at: Date): Promise<void> {
    await this.ds.query(
      `UPDATE sso_sessions SET last_used_at = $2::timestamptz WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
      [id, at],
    );
  }

  /**
   * True when this transaction holds the session sweep lease (another replica sweeping: false),
   * so replicas do not all delete the same rows at the same tick.
   */
  async trySweepLease(tx: Tx): Promise<boolean> {
    const rows: { ok: boolean }[] = await managerOf(this.ds, tx).query(
      'SELECT pg_try_advisory_xact_lock($1) AS ok',
      [SWEEP_LOCK],
    );
    return rows[0]?.ok === true;
  }

  findBySecretHash(hash: string): Promise<SsoSessionEntity | null> {
    return this.ds.manager.findOne(SsoSessionEntity, { where: { secretHash: hash } });
  }

  /** Deletes a session; false when it was already gone (a second logout). */
  async delete(tx: Tx, id: string): Promise<boolean> {
    const r = await managerOf(this.ds, tx).delete(SsoSessionEntity, { id });
    return (r.affected ?? 0) > 0;
  }

  /** Drops sessions that expired before `at` (they can never authenticate again); returns how many. */
  async deleteExpired(at: Date, tx?: Tx): Promise<number> {
    const r = await managerOf(this.ds, tx).delete(SsoSessionEntity, { expiresAt: LessThan(at) });
    return r.affected ?? 0;
  }
}
