import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { HealthCheckEntity } from './health-check.entity.js';

/** Storage of the hub's health checks, and the rules of applications that jobs carry. */
@Injectable()
export class HealthCheckRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  insert(tx: Tx, row: Omit<HealthCheckEntity, 'createdAt' | 'updatedAt'>): Promise<HealthCheckEntity> {
    const m = managerOf(this.ds, tx);
    return m.save(m.create(HealthCheckEntity, row));
  }

  save(tx: Tx, row: HealthCheckEntity): Promise<HealthCheckEntity> {
    return managerOf(this.ds, tx).save(HealthCheckEntity, row);
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await managerOf(this.ds, tx).delete(HealthCheckEntity, { id });
  }

  /** Locked inside a transaction, so two changes of one rule do not interleave. */
  findById(id: string, tx?: Tx): Promise<HealthCheckEntity | null> {
    const q = managerOf(this.ds, tx).createQueryBuilder(HealthCheckEntity, 'h').where('h.id = :id', { id });
    if (tx) q.setLock('pessimistic_write');
    return q.getOne();
  }

  /**
   * How many rules the hub holds, with the table locked against other inserts until `tx` ends,
   * so two creates cannot both pass the limit.
   */
  async countForInsert(tx: Tx): Promise<number> {
    const m = managerOf(this.ds, tx);
    await m.query('LOCK TABLE health_checks IN SHARE ROW EXCLUSIVE MODE');
    return m.count(HealthCheckEntity);
  }

  findByKind(group: string, kind: string, tx?: Tx): Promise<HealthCheckEntity | null> {
    return managerOf(this.ds, tx).findOne(HealthCheckEntity, { where: { group, kind } });
  }

  /** Every rule, by group then kind (a hub holds a few dozen at most). */
  list(): Promise<HealthCheckEntity[]> {
    return this.ds.manager.find(HealthCheckEntity, { order: { group: 'ASC', kind: 'ASC' } });
  }
}
