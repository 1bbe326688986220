import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { DeploymentEntity } from './deployment.entity.js';

/** The deployment history of applications. */
@Injectable()
export class DeploymentRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async insert(tx: Tx, d: Omit<DeploymentEntity, 'createdAt'>): Promise<void> {
    await managerOf(this.ds, tx).insert(DeploymentEntity, d as never);
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  list(
    applicationId: string,
    before: { createdAt: Date; id: string } | null,
    limit: number,
  ): Promise<DeploymentEntity[]> {
    const q = this.ds.manager
      .createQueryBuilder(DeploymentEntity, 'd')
      .where('d.application_id = :applicationId', { applicationId });
    if (before) q.andWhere('(d.created_at, d.id) < (:t, :id)', { t: before.createdAt, id: before.id });
    return q.orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'DESC').limit(limit).getMany();
  }
}
