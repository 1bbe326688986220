import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { DesiredStateEntity } from './desired-state.entity.js';
import { insertRows } from '../database/bulk-insert.js';

/** Desired state per (application, cluster). */
@Injectable()
export class DesiredStateRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  forApplication(applicationId: string, tx?: Tx): Promise<DesiredStateEntity[]> {
    return managerOf(this.ds, tx).find(DesiredStateEntity, { where: { applicationId } });
  }

  /** The desired state of some clusters of an application. */
  forClusters(tx: Tx, applicationId: string, clusterIds: string[]): Promise<DesiredStateEntity[]> {
    return managerOf(this.ds, tx)
      .createQueryBuilder(DesiredStateEntity, 'd')
      .where('d.application_id = :applicationId AND d.cluster_id IN (:...clusterIds)', {
        applicationId,
        clusterIds,
      })
      .getMany();
  }

  forCluster(clusterId: string): Promise<DesiredStateEntity[]> {
    return this.ds.manager.find(DesiredStateEntity, { where: { clusterId } });
  }

  get(tx: Tx, applicationId: string, clusterId: string): Promise<DesiredStateEntity | null> {
    return managerOf(this.ds, tx)
      .createQueryBuilder(DesiredStateEntity, 'd')
      .where('d.application_id = :applicationId AND d.cluster_id = :clusterId', { applicationId, clusterId })
      .setLock('pessimistic_write')
      .getOne();
  }

  async save(tx: Tx, d: Omit<DesiredStateEntity, 'updatedAt'>): Promise<void> {
    await managerOf(this.ds, tx).save(DesiredStateEntity, d);
  }

  /**
   * Records what succeeded syncs applied (revision, digest, object inventory), many pairs in one
   * statement by primary key (a missing row — the cluster no longer targeted — stays missing).
   */
  async markAppliedMany(
    tx: Tx,
    applied: readonly {
      applicationId: string;
      clusterId: string;
      revision: string;
      digest: string | null;
      inventory: string[];
    }[],
  ): Promise<void> {
    if (applied.length === 0) return;
    await managerOf(this.ds, tx).query(
      `UPDATE desired_states d SET applied_revision = v.revision, applied_digest = v.digest,
              inventory = v.inventory, updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS v(application_id uuid, cluster_id uuid, revision text, digest text, inventory jsonb)
        WHERE d.application_id = v.application_id AND d.cluster_id = v.cluster_id`,
      [
        JSON.stringify(
          applied.map((a) => ({
            application_id: a.applicationId,
            cluster_id: a.clusterId,
            revision: a.revision,
            digest: a.digest,
            inventory: a.inventory,
          })),
        ),
      ],
    );
  }

  /** Inserts or replaces many rows in one statement per chunk. */
  async saveMany(tx: Tx, rows: Omit<DesiredStateEntity, 'updatedAt'>[]): Promise<void> {
    await insertRows(managerOf(this.ds, tx), DesiredStateEntity, rows as DesiredStateEntity[], {
      conflict: ['applicationId', 'clusterId'],
    });
  }

  /** Which of `applicationIds` have desired state on the cluster (an agent may report on those only). */
  async applicationsOnCluster(tx: Tx, clusterId: string, applicationIds: string[]): Promise<Set<string>> {
    if (applicationIds.length === 0) return new Set();
    const rows: { id: string }[] = await managerOf(this.ds, tx).query(
      'SELECT application_id AS id FROM desired_states WHERE cluster_id = $1 AND application_id = ANY($2::uuid[])',
      [clusterId, applicationIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Applications with a sync job held for their dependencies on some cluster (see
   * DesiredStateEntity.waitingFor), with those clusters and the reasons shown.
   */
  async held(
    limit: number,
  ): Promise<{ applicationId: string; clusterId: string; clusterName: string; waitingFor: string }[]> {
    return this.ds.query(
      `SELECT d.application_id AS "applicationId", d.cluster_id AS "clusterId", c.name AS "clusterName",
              d.waiting_for AS "waitingFor"
         FROM desired_states d JOIN clusters c ON c.id = d.cluster_id
        WHERE d.waiting_for IS NOT NULL ORDER BY d.application_id LIMIT $1`,
      [limit],
    );
  }

  async delete(tx: Tx, applicationId: string, clusterId: string): Promise<void> {
    await managerOf(this.ds, tx).delete(DesiredStateEntity, { applicationId, clusterId });
  }
}
