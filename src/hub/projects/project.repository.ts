import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { ProjectEntity } from './project.entity.js';

/** Storage of projects; the only TypeORM importer for them. */
@Injectable()
export class ProjectRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  findById(id: string, tx?: Tx): Promise<ProjectEntity | null> {
    return managerOf(this.ds, tx).findOne(ProjectEntity, { where: { id } });
  }

  findByName(name: string, tx?: Tx): Promise<ProjectEntity | null> {
    return managerOf(this.ds, tx).findOne(ProjectEntity, { where: { name } });
  }

  /** Every project, by name. */
  list(tx?: Tx): Promise<ProjectEntity[]> {
    return managerOf(this.ds, tx).find(ProjectEntity, { order: { name: 'ASC' } });
  }
}
