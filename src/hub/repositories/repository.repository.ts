import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, Not } from 'typeorm';
import { isUuid } from '../../domain/ids.js';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { RepositoryEntity } from './repository.entity.js';

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
      .where(isUuid(key) ? 'r.id = :key' : 'r.name = :key', { key });
    if (lock && tx) q.setLock('pessimistic_write');
    return q.getOne();
  }

  findByName(name: string, tx?: Tx): Promise<RepositoryEntity | null> {
    return managerOf(this.ds, tx).findOne(RepositoryEntity, { where: { name } });
  }

  /** A page by name; `names` (when not null) keeps only repositories of those names. */
  list(after: string | null, limit: number, names: string[] | null = null): Promise<RepositoryEntity[]> {
    const q = this.ds.manager.createQueryBuilder(RepositoryEntity, 'r').where('true');
    if (after !== null) q.andWhere('r.name > :after', { after });
    if (names !== null) q.andWhere('r.name = ANY(:names)', { names });
    return q.orderBy('r.name', 'ASC').limit(limit).getMany();
  }

  save(tx: Tx, r: RepositoryEntity): Promise<RepositoryEntity> {
    return managerOf(this.ds, tx).save(RepositoryEntity, r);
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await managerOf(this.ds, tx).delete(RepositoryEntity, { id });
  }

  /**
   * Claims up to `limit` repositories that are due for polling and not leased by another
   * replica, leasing them until `leaseUntil`. SKIP LOCKED lets replicas claim side by side.
   */
  claimDue(now: Date, leaseUntil: Date, limit: number): Promise<RepositoryEntity[]> {
    return this.claim(`next_poll_at <= $1 AND (poll_lease_until IS NULL OR poll_lease_until < $1)`, [
      now,
      leaseUntil,
      limit,
    ]);
  }

  /** Claims one repository now, whether due or not, unless another replica holds its lease. */
  async claimOne(id: string, now: Date, leaseUntil: Date): Promise<RepositoryEntity | null> {
    const rows = await this.claim(`id = $4 AND (poll_lease_until IS NULL OR poll_lease_until < $1)`, [
      now,
      leaseUntil,
      1,
      id,
    ]);
    return rows[0] ?? null;
  }

  private async claim(where: string, params: unknown[]): Promise<RepositoryEntity[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `UPDATE repositories SET poll_lease_until = $2
       WHERE id IN (SELECT id FROM repositories WHERE ${where} ORDER BY next_poll_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      params,
    );
    const ids = (rows[0] && Array.isArray(rows[0]) ? (rows[0] as Record<string, unknown>[]) : rows).map(
      (r) => r.id as string,
    );
    if (ids.length === 0) return [];
    return this.ds.manager
      .createQueryBuilder(RepositoryEntity, 'r')
      .where('r.id IN (:...ids)', { ids })
      .getMany();
  }

  /** Records the outcome of a poll and releases the lease. */
  async finishPoll(
    tx: Tx,
    id: string,
    outcome: {
      lastRevision: string | null;
      lastPolledAt: Date;
      lastError: string | null;
      nextPollAt: Date;
    } & Partial<Pick<RepositoryEntity, 'rewoundFrom' | 'rewoundTo' | 'rewoundAt'>>,
  ): Promise<void> {
    await managerOf(this.ds, tx).update(RepositoryEntity, { id }, { ...outcome, pollLeaseUntil: null });
  }

  /** Makes repositories due at once (webhooks). */
  async markDue(ids: string[], now: Date): Promise<void> {
    if (ids.length) await this.ds.manager.update(RepositoryEntity, { id: In(ids) }, { nextPollAt: now });
  }

  /** Every repository holding a sealed value (for re-sealing at start). */
  findSealed(): Promise<
    Pick<RepositoryEntity, 'id' | 'name' | 'credentialsSealed' | 'webhookSecretSealed'>[]
  > {
    return this.ds.manager.find(RepositoryEntity, {
      select: { id: true, name: true, credentialsSealed: true, webhookSecretSealed: true },
      where: [{ credentialsSealed: Not(IsNull()) }, { webhookSecretSealed: Not(IsNull()) }],
    });
  }

  /** Replaces the sealed values of one repository. */
  async updateSealed(
    tx: Tx,
    id: string,
    values: Pick<RepositoryEntity, 'credentialsSealed' | 'webhookSecretSealed'>,
  ): Promise<void> {
    await managerOf(this.ds, tx).update(RepositoryEntity, { id }, values);
  }

  /** Repositories of a type whose URL is one of `urls`. */
  findByUrls(type: string, urls: string[]): Promise<RepositoryEntity[]> {
    if (urls.length === 0) return Promise.resolve([]);
    return this.ds.manager
      .createQueryBuilder(RepositoryEntity, 'r')
      .where('r.type = :type AND r.url IN (:...urls)', { type, urls })
      .getMany();
  }
}
