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

  /** A page by name; `projectIds` (when not null) keeps only applications of those projects. */
  list(
    after: string | null,
    limit: number,
    projectIds: string[] | null = null,
  ): Promise<ApplicationEntity[]> {
    const q = this.ds.manager.createQueryBuilder(ApplicationEntity, 'a').where('true');
    if (after !== null) q.andWhere('a.name > :after', { after });
    if (projectIds !== null) q.andWhere('a.project_id = ANY(:projectIds)', { projectIds });
    return q.orderBy('a.name', 'ASC').limit(limit).getMany();
  }

  /** Every application, for cluster-driven re-evaluation. */
  all(): Promise<ApplicationEntity[]> {
    return this.ds.manager.find(ApplicationEntity, { order: { name: 'ASC' } });
  }

  /** The applications of a project (name and dependencies are what callers look at). */
  inProject(projectId: string, tx?: Tx): Promise<ApplicationEntity[]> {
    return managerOf(this.ds, tx).find(ApplicationEntity, { where: { projectId }, order: { name: 'ASC' } });
  }

  /**
   * Serialises changes to dependencies until the transaction ends, so two concurrent changes
   * cannot each pass the cycle check and together close a cycle.
   */
  async lockDependencies(tx: Tx): Promise<void> {
    await managerOf(this.ds, tx).query('SELECT pg_advisory_xact_lock($1)', [7_361_020]);
  }

  /** Applications whose `dependsOn` names `name` (any project: names are unique fleet-wide). */
  dependentsOf(name: string, tx?: Tx): Promise<ApplicationEntity[]> {
    return managerOf(this.ds, tx)
      .createQueryBuilder(ApplicationEntity, 'a')
      .where('a.depends_on @> CAST(:names AS jsonb)', { names: JSON.stringify([name]) })
      .orderBy('a.name', 'ASC')
      .getMany();
  }

  forRepository(repositoryId: string): Promise<ApplicationEntity[]> {
    return this.ds.manager.find(ApplicationEntity, { where: { repositoryId } });
  }

  /** Name of the generator that made an application (for a refusal that names it). */
  async generatorName(generatorId: string, tx?: Tx): Promise<string> {
    const rows: { name: string }[] = await managerOf(this.ds, tx).query(
      `SELECT name FROM generators WHERE id = $1`,
      [generatorId],
    );
    return rows[0]?.name ?? generatorId;
  }

  save(tx: Tx, a: ApplicationEntity): Promise<ApplicationEntity> {
    return managerOf(this.ds, tx).save(ApplicationEntity, a);
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await managerOf(this.ds, tx).delete(ApplicationEntity, { id });
  }

  /**
   * Claims up to `limit` applications the reconcile sweep must look at (the SQL form of
   * `reconcileDue` in domain/reconcile-schedule.ts: automated, unpinned, not deleting, and behind
   * the revision their repository follows or due for a retry), leasing them until `leaseUntil`.
   * SKIP LOCKED lets replicas sweep side by side without taking the same application.
   */
  claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ApplicationEntity[]> {
    return this.claim(
      `a.revision IS NULL AND NOT a.suspended AND NOT a.deleting
       AND (a.sync_policy->>'automated')::boolean
       AND COALESCE(r.rewound_from, r.last_revision) IS NOT NULL
       AND (a.reconciled_revision IS DISTINCT FROM COALESCE(r.rewound_from, r.last_revision)
            OR a.reconcile_retry_at <= $1)`,
      [now, leaseUntil, limit],
    );
  }

  /** Claims one application now, unless another replica holds its reconcile lease. */
  async claimOne(id: string, now: Date, leaseUntil: Date): Promise<ApplicationEntity | null> {
    return (await this.claim(`a.id = $4`, [now, leaseUntil, 1, id]))[0] ?? null;
  }

  private async claim(where: string, params: unknown[]): Promise<ApplicationEntity[]> {
    const rows: unknown = await this.ds.query(
      `UPDATE applications SET reconcile_lease_until = $2
       WHERE id IN (
         SELECT a.id FROM applications a JOIN repositories r ON r.id = a.repository_id
         WHERE ${where} AND (a.reconcile_lease_until IS NULL OR a.reconcile_lease_until < $1)
         ORDER BY a.name LIMIT $3 FOR UPDATE OF a SKIP LOCKED)
       RETURNING id`,
      params,
    );
    const list = (Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] : rows) as { id: string }[];
    if (list.length === 0) return [];
    return this.ds.manager
      .createQueryBuilder(ApplicationEntity, 'a')
      .where('a.id IN (:...ids)', { ids: list.map((r) => r.id) })
      .orderBy('a.name', 'ASC')
      .getMany();
  }

  /** Records what a reconcile did; `release` also gives up the reconcile lease. */
  async finishReconcile(
    id: string,
    outcome: Pick<ApplicationEntity, 'reconciledRevision' | 'reconcileFailures' | 'reconcileRetryAt'>,
    release: boolean,
  ): Promise<void> {
    await this.ds.manager.update(
      ApplicationEntity,
      { id },
      release ? { ...outcome, reconcileLeaseUntil: null } : outcome,
    );
  }

  /** Replaces the warnings of the application's last render (see ApplicationEntity.renderWarnings). */
  async setRenderWarnings(tx: Tx, id: string, warnings: string[]): Promise<void> {
    await managerOf(this.ds, tx).update(ApplicationEntity, { id }, { renderWarnings: warnings });
  }

  /** Gives up the reconcile lease without recording anything. */
  async release(id: string): Promise<void> {
    await this.ds.manager.update(ApplicationEntity, { id }, { reconcileLeaseUntil: null });
  }

  /** Applications being deleted that have no unfinished job left (their deletion can finish). */
  async deletingWithoutWork(limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.ds.query(
      `SELECT a.id FROM applications a
        WHERE a.deleting AND NOT EXISTS (
          SELECT 1 FROM reconcile_jobs j WHERE j.application_id = a.id AND j.state IN ('queued', 'leased'))
        LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }
}
