import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUuid } from '../../domain/ids.js';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { ApplicationEntity } from './application.entity.js';

/** Storage of applications. */
@Injectable()
export class ApplicationRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async insert(tx: Tx, a: Omit<ApplicationEntity, 'createdAt' | 'updatedAt'>): Promise<ApplicationEntity> {
    const m = managerOf(this.ds, tx);
    return m.save(m.create(ApplicationEntity, a));
  }

  findByIdOrName(key: string, tx?: Tx, lock = false): Promise<ApplicationEntity | null> {
    const q = managerOf(this.ds, tx)
      .createQueryBuilder(ApplicationEntity, 'a')
      .where(isUuid(key) ? 'a.id = :key' : 'a.name = :key', { key });
    if (lock && tx) q.setLock('pessimistic_write');
    return q.getOne();
  }

  findByName(name: string, tx?: Tx): Promise<ApplicationEntity | null> {
    return managerOf(this.ds, tx).findOne(ApplicationEntity, { where: { name } });
  }

  list(after: string | null, limit: number): Promise<ApplicationEntity[]> {
    const q = this.ds.manager.createQueryBuilder(ApplicationEntity, 'a');
    if (after !== null) q.where('a.name > :after', { after });
    return q.orderBy('a.name', 'ASC').limit(limit).getMany();
  }

  /** Every application, for cluster-driven re-evaluation. */
  all(): Promise<ApplicationEntity[]> {
    return this.ds.manager.find(ApplicationEntity, { order: { name: 'ASC' } });
  }

  forRepository(repositoryId: string): Promise<ApplicationEntity[]> {
    return this.ds.manager.find(ApplicationEntity, { where: { repositoryId } });
  }

  save(tx: Tx, a: ApplicationEntity): Promise<ApplicationEntity> {
    return managerOf(this.ds, tx).save(ApplicationEntity, a);
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await managerOf(this.ds, tx).delete(ApplicationEntity, { id });
  }
}
