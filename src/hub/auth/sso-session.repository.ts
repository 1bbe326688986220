import { Inject, Injectable } from '@nestjs/common';
import { DataSource, LessThan } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { SsoSessionEntity } from './sso-session.entity.js';

/** Storage of SSO sessions. */
@Injectable()
export class SsoSessionRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  insert(tx: Tx, session: Omit<SsoSessionEntity, 'createdAt'>): Promise<SsoSessionEntity> {
    const m = managerOf(this.ds, tx);
    return m.save(m.create(SsoSessionEntity, session));
  }

  findBySecretHash(hash: string): Promise<SsoSessionEntity | null> {
    return this.ds.manager.findOne(SsoSessionEntity, { where: { secretHash: hash } });
  }

  /** Deletes a session; false when it was already gone (a second logout). */
  async delete(tx: Tx, id: string): Promise<boolean> {
    const r = await managerOf(this.ds, tx).delete(SsoSessionEntity, { id });
    return (r.affected ?? 0) > 0;
  }

  /** Drops sessions that expired before `at`: they can never authenticate again. */
  async deleteExpired(at: Date): Promise<void> {
    await this.ds.manager.delete(SsoSessionEntity, { expiresAt: LessThan(at) });
  }
}
