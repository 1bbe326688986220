import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { RepositoryEntity } from './repository.entity.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Storage of source repositories. */
@Injectable()
export class RepositoriesRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async insert(tx: Tx, r: Omit<RepositoryEntity, 'createdAt' | 'updatedAt'>): Promise<RepositoryEntity> {
    const m = managerOf(this.ds, tx);
    return m.save(m.create(RepositoryEntity, r));
  }

  findByIdOrName(key: string, tx?: Tx, lock = false): Promise<RepositoryEntity | null> {
    const q = managerOf(this.ds, tx)
      .createQueryBuilder(RepositoryEntity, 'r')
      .where(UUID.test(key) ? 'r.id = :key' : 'r.name = :key', { key });
    if (lock && tx) q.setLock('pessimistic_write');
    return q.getOne();
  }

  findByName(name: string, tx?: Tx): Promise<RepositoryEntity | null> {
    return managerOf(this.ds, tx).findOne(RepositoryEntity, { where: { name } });
  }

  list(after: string | null, limit: number): Promise<RepositoryEntity[]> {
    const q = this.ds.manager.createQueryBuilder(RepositoryEntity, 'r');
    if (after !== null) q.where('r.name > :after', { after });
    return q.orderBy('r.name', 'ASC').limit(limit).getMany();
  }

  save(tx: Tx, r: RepositoryEntity): Promise<RepositoryEntity> {
    return managerOf(this.ds, tx).save(RepositoryEntity, r);
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await managerOf(this.ds, tx).delete(RepositoryEntity, { id });
  }
}
