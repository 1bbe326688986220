import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { ResourceStatusEntity } from './resource-status.entity.js';

/** Per-object status reported by agents. */
@Injectable()
export class ResourceStatusRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async upsert(tx: Tx, rows: Partial<ResourceStatusEntity>[]): Promise<void> {
    if (rows.length === 0) return;
    await managerOf(this.ds, tx).upsert(ResourceStatusEntity, rows, [
      'applicationId',
      'clusterId',
      'resource',
    ]);
  }

  async deleteExcept(tx: Tx, applicationId: string, clusterId: string, keep: string[]): Promise<void> {
    await managerOf(this.ds, tx).query(
      `DELETE FROM resource_status WHERE application_id = $1 AND cluster_id = $2 AND NOT (resource = ANY($3))`,
      [applicationId, clusterId, keep],
    );
  }

  forApplication(applicationId: string, clusterId?: string): Promise<ResourceStatusEntity[]> {
    return this.ds.manager.find(ResourceStatusEntity, {
      where: clusterId ? { applicationId, clusterId } : { applicationId },
      order: { clusterId: 'ASC', resource: 'ASC' },
    });
  }

  existing(
    tx: Tx,
    applicationId: string,
    clusterId: string,
    resources: string[],
  ): Promise<ResourceStatusEntity[]> {
    if (resources.length === 0) return Promise.resolve([]);
    return managerOf(this.ds, tx)
      .createQueryBuilder(ResourceStatusEntity, 'r')
      .where(
        'r.application_id = :applicationId AND r.cluster_id = :clusterId AND r.resource IN (:...resources)',
        {
          applicationId,
          clusterId,
          resources,
        },
      )
      .getMany();
  }
}
