import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
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

  /** The projects with these names, by name. */
  findByNames(names: string[], tx?: Tx): Promise<ProjectEntity[]> {
    return managerOf(this.ds, tx).find(ProjectEntity, { where: { name: In(names) }, order: { name: 'ASC' } });
  }

  async insert(tx: Tx, p: Omit<ProjectEntity, 'createdAt' | 'updatedAt'>): Promise<ProjectEntity> {
    const m = managerOf(this.ds, tx);
    return m.save(m.create(ProjectEntity, p));
  }

  save(tx: Tx, p: ProjectEntity): Promise<ProjectEntity> {
    return managerOf(this.ds, tx).save(ProjectEntity, p);
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await managerOf(this.ds, tx).delete(ProjectEntity, { id });
  }

  /**
   * Takes the project's roles away from every token holding one, so a project created later
   * under the same name does not inherit them. Returns how many tokens lost a role.
   */
  async revokeTokenRoles(tx: Tx, name: string): Promise<number> {
    const rows: { n: number }[] = await managerOf(this.ds, tx).query(
      `WITH changed AS (UPDATE api_tokens SET projects = projects - $1::text WHERE projects ? $1::text RETURNING 1)
       SELECT count(*)::int AS n FROM changed`,
      [name],
    );
    return rows[0].n;
  }

  /** The number of applications of each project (projects without any are absent). */
  async applicationCounts(tx?: Tx): Promise<Map<string, number>> {
    const rows: { project_id: string; n: string }[] = await managerOf(this.ds, tx).query(
      'SELECT project_id, count(*) AS n FROM applications GROUP BY project_id',
    );
    return new Map(rows.map((r) => [r.project_id, Number(r.n)]));
  }

  /**
   * Locks the project row until the transaction ends, so an application cannot join a project
   * while it is being deleted (and the count that allowed the deletion stays true).
   */
  async lock(tx: Tx, id: string): Promise<void> {
    await managerOf(this.ds, tx).query('SELECT 1 FROM projects WHERE id = $1 FOR UPDATE', [id]);
  }
}
