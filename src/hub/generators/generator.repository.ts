import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUuid } from '../../domain/ids.js';
import { ApplicationEntity } from '../applications/application.entity.js';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { GeneratorEntity } from './generator.entity.js';

/** Storage of generators, and the lookups of the applications they made. */
@Injectable()
export class GeneratorRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async insert(tx: Tx, g: Omit<GeneratorEntity, 'createdAt' | 'updatedAt'>): Promise<GeneratorEntity> {
    const m = managerOf(this.ds, tx);
    return m.save(m.create(GeneratorEntity, g));
  }

  save(tx: Tx, g: GeneratorEntity): Promise<GeneratorEntity> {
    return managerOf(this.ds, tx).save(GeneratorEntity, g);
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await managerOf(this.ds, tx).delete(GeneratorEntity, { id });
  }

  /** By id or name; locked (one recompute or change of a generator at a time) inside a transaction. */
  findByIdOrName(key: string, tx?: Tx, lock = false): Promise<GeneratorEntity | null> {
    const q = managerOf(this.ds, tx)
      .createQueryBuilder(GeneratorEntity, 'g')
      .where(isUuid(key) ? 'g.id = :key' : 'g.name = :key', { key });
    if (lock && tx) q.setLock('pessimistic_write');
    return q.getOne();
  }

  /** A page by name; `projectIds` (when not null) keeps only generators of those projects. */
  list(after: string | null, limit: number, projectIds: string[] | null): Promise<GeneratorEntity[]> {
    const q = this.ds.manager.createQueryBuilder(GeneratorEntity, 'g').where('true');
    if (after !== null) q.andWhere('g.name > :after', { after });
    if (projectIds !== null) q.andWhere('g.project_id = ANY(:projectIds)', { projectIds });
    return q.orderBy('g.name', 'ASC').limit(limit).getMany();
  }

  /** Ids of the generators a new revision of the repository concerns. */
  async idsForRepository(repositoryId: string): Promise<string[]> {
    const rows = await this.ds.manager.find(GeneratorEntity, {
      select: { id: true },
      where: { repositoryId },
    });
    return rows.map((r) => r.id);
  }

  /** Ids of every generator (a cluster change may concern any with a clusters generator). */
  async allIds(clustersOnly: boolean): Promise<string[]> {
    const q = this.ds.manager.createQueryBuilder(GeneratorEntity, 'g').select('g.id', 'id').orderBy('g.name');
    if (clustersOnly) q.where('g.clusters_selector IS NOT NULL');
    return (await q.getRawMany<{ id: string }>()).map((r) => r.id);
  }

  /** The applications a generator made, by name. */
  generatedApps(generatorId: string, tx?: Tx): Promise<ApplicationEntity[]> {
    return managerOf(this.ds, tx).find(ApplicationEntity, {
      where: { generatedBy: generatorId },
      order: { name: 'ASC' },
    });
  }

  /** Name of the generator that made an application, if any (for refusals that name it). */
  async nameOf(generatorId: string, tx?: Tx): Promise<string | null> {
    const g = await managerOf(this.ds, tx).findOne(GeneratorEntity, {
      select: { name: true },
      where: { id: generatorId },
    });
    return g?.name ?? null;
  }
}
