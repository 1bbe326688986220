import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { ApiTokenEntity } from './api-token.entity.js';

/** Storage of API tokens. */
@Injectable()
export class ApiTokenRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  insert(
    tx: Tx,
    token: Omit<ApiTokenEntity, 'createdAt' | 'updatedAt' | 'lastUsedAt'>,
  ): Promise<ApiTokenEntity> {
    const m = managerOf(this.ds, tx);
    return m.save(m.create(ApiTokenEntity, { ...token, lastUsedAt: null }));
  }

  findBySecretHash(hash: string): Promise<ApiTokenEntity | null> {
    return this.ds.manager.findOne(ApiTokenEntity, { where: { secretHash: hash } });
  }

  findById(id: string, tx?: Tx): Promise<ApiTokenEntity | null> {
    return managerOf(this.ds, tx).findOne(ApiTokenEntity, { where: { id } });
  }

  findByName(name: string, tx?: Tx): Promise<ApiTokenEntity | null> {
    return managerOf(this.ds, tx).findOne(ApiTokenEntity, { where: { name } });
  }

  list(): Promise<ApiTokenEntity[]> {
    return this.ds.manager.find(ApiTokenEntity, { order: { createdAt: 'ASC' } });
  }

  count(tx?: Tx): Promise<number> {
    return managerOf(this.ds, tx).count(ApiTokenEntity);
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await managerOf(this.ds, tx).delete(ApiTokenEntity, { id });
  }

  /** Records use at most once a minute per token, so reads stay cheap. */
  async touch(id: string, at: Date): Promise<void> {
    await this.ds.query(
      `UPDATE api_tokens SET last_used_at = $2::timestamptz WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
      [id, at],
    );
  }

  /** Serialises first-start bootstrap between hub replicas for the rest of the transaction. */
  async lockBootstrap(tx: Tx): Promise<void> {
    await managerOf(this.ds, tx).query('SELECT pg_advisory_xact_lock($1)', [7_361_002]);
  }
}
