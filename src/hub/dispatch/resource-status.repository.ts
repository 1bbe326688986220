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

  /**
   * Per cluster: the worst health of the application's objects and whether any drifted — one
   * grouped query, so an application page over thousands of clusters does not load every row.
   */
  async summaryByCluster(
    applicationId: string,
  ): Promise<Map<string, { health: string; drifted: boolean; count: number }>> {
    const rows: { cluster_id: string; worst: string; drifted: boolean; n: string }[] = await this.ds.query(
      `SELECT cluster_id, bool_or(drifted) AS drifted, count(*) AS n,
              (array_agg(health ORDER BY CASE health WHEN 'Failed' THEN 0 WHEN 'Terminating' THEN 1
                 WHEN 'InProgress' THEN 2 WHEN 'NotFound' THEN 3 WHEN 'Unknown' THEN 4 ELSE 5 END))[1] AS worst
       FROM resource_status WHERE application_id = $1 GROUP BY cluster_id`,
      [applicationId],
    );
    return new Map(
      rows.map((r) => [r.cluster_id, { health: r.worst, drifted: r.drifted, count: Number(r.n) }]),
    );
  }
}
