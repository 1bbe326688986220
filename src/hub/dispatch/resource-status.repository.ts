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
/** One object of a job result, as {@link ResourceStatusRepository.recordResults} writes it. */
export interface ResultResourceRow {
  applicationId: string;
  clusterId: string;
  resource: string;
  action: string;
  message: string | null;
  revision: string;
  /** Absent: the result says nothing of its health (the stored one stays). */
  health?: string;
  healthMessage?: string | null;
  /** A succeeded sync put it back to the bundle: not drifted any more. */
  converged: boolean;
}

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

  /**
   * Writes what job results said of their objects, all jobs in one statement per shape: `health`
   * only where the result reports one (else the stored health stays), and `converged` rows (a
   * succeeded sync put them back to the bundle) are no longer drifted.
   */
  async recordResults(tx: Tx, rows: readonly ResultResourceRow[]): Promise<void> {
    const shapes = new Map<string, ResultResourceRow[]>();
    for (const r of rows) {
      const key = `${r.health !== undefined}:${r.converged}`;
      const shape = shapes.get(key);
      if (shape) shape.push(r);
      else shapes.set(key, [r]);
    }
    for (const group of shapes.values()) {
      const { health, converged } = { health: group[0].health !== undefined, converged: group[0].converged };
      const set = [
        'action = EXCLUDED.action',
        'message = EXCLUDED.message',
        'revision = EXCLUDED.revision',
        'updated_at = now()',
        ...(health ? ['health = EXCLUDED.health', 'health_message = EXCLUDED.health_message'] : []),
        ...(converged ? ['drifted = false', 'diff = NULL'] : []),
      ];
      await managerOf(this.ds, tx).query(
        `INSERT INTO resource_status (application_id, cluster_id, resource, action, message, revision,
                                      health, health_message, drifted, diff, updated_at)
         SELECT v.a, v.c, v.resource, v.action, v.message, v.revision,
                coalesce(v.health, 'Unknown'), v.health_message, false, NULL, now()
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                AS v(a, c, resource, action, message, revision, health, health_message)
         ON CONFLICT (application_id, cluster_id, resource) DO UPDATE SET ${set.join(', ')}`,
        [
          group.map((r) => r.applicationId),
          group.map((r) => r.clusterId),
          group.map((r) => r.resource),
          group.map((r) => r.action),
          group.map((r) => r.message),
          group.map((r) => r.revision),
          group.map((r) => r.health ?? null),
          group.map((r) => r.healthMessage ?? null),
        ],
      );
    }
  }

  /** Deletes each pair's objects not in its `keep` list (what a succeeded job left in place), in one statement. */
  async deleteExceptMany(
    tx: Tx,
    pairs: readonly { applicationId: string; clusterId: string; keep: string[] }[],
  ): Promise<void> {
    if (pairs.length === 0) return;
    await managerOf(this.ds, tx).query(
      `DELETE FROM resource_status r
        USING jsonb_to_recordset($1::jsonb) AS k(a uuid, c uuid, keep jsonb)
        WHERE r.application_id = k.a AND r.cluster_id = k.c AND NOT jsonb_exists(k.keep, r.resource)`,
      [JSON.stringify(pairs.map((p) => ({ a: p.applicationId, c: p.clusterId, keep: p.keep })))],
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
