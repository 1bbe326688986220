import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { HEALTH_SEVERITY, rolledUpStatus } from '../../domain/health/health.js';
import { type HealthStatus } from '../../domain/health/health.types.js';
import { ResourceStatusEntity } from './resource-status.entity.js';

/**
 * SQL for "the worst health among `column`", ranked by the domain's severity table (the same
 * one `rollupHealth` uses), so the hub's grouped query and the pure rollup always agree.
 * Built from constants only: no input reaches it.
 */
export function worstHealthSql(column: string): string {
  const statuses = Object.keys(HEALTH_SEVERITY) as HealthStatus[];
  const rank = statuses.map((s) => `WHEN '${s}' THEN ${-HEALTH_SEVERITY[s]}`).join(' ');
  const label = statuses
    .filter((s) => rolledUpStatus(s) !== s)
    .map((s) => `WHEN '${s}' THEN '${rolledUpStatus(s)}'`)
    .join(' ');
  const worst = `(array_agg(${column} ORDER BY CASE ${column} ${rank} ELSE 0 END))[1]`;
  return label ? `(CASE ${worst} ${label} ELSE ${worst} END)` : worst;
}

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
              ${worstHealthSql('health')} AS worst
       FROM resource_status WHERE application_id = $1 GROUP BY cluster_id`,
      [applicationId],
    );
    return new Map(
      rows.map((r) => [r.cluster_id, { health: r.worst, drifted: r.drifted, count: Number(r.n) }]),
    );
  }
}
