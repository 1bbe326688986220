import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { PreviewClusterEntity } from './preview-cluster.entity.js';
import { PreviewEntity } from './preview.entity.js';

/** A preview job as leased to an agent: its part and what the preview fixed at request time. */
export type LeasedPreview = PreviewClusterEntity & { preview: PreviewEntity };

/** Storage of previews and their clusters' parts. */
@Injectable()
export class PreviewRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** Stores a preview and its parts. */
  async insert(
    tx: Tx,
    preview: Omit<PreviewEntity, 'createdAt'> & { createdAt: Date },
    parts: PreviewClusterEntity[],
  ): Promise<void> {
    const m = managerOf(this.ds, tx);
    await m.save(PreviewEntity, preview);
    if (parts.length) await m.save(PreviewClusterEntity, parts, { chunk: 500 });
  }

  findById(id: string): Promise<PreviewEntity | null> {
    return this.ds.manager.findOne(PreviewEntity, { where: { id } });
  }

  partsOf(previewIds: string[]): Promise<PreviewClusterEntity[]> {
    if (previewIds.length === 0) return Promise.resolve([]);
    return this.ds.manager
      .createQueryBuilder(PreviewClusterEntity, 'p')
      .where('p.preview_id IN (:...ids)', { ids: previewIds })
      .getMany();
  }

  /** An application's previews, newest first. */
  forApplication(applicationId: string, limit: number): Promise<PreviewEntity[]> {
    return this.ds.manager.find(PreviewEntity, {
      where: { applicationId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  /** Previews of the application still open to answers, counted under a lock on the application. */
  async countOpen(tx: Tx, applicationId: string, now: Date): Promise<number> {
    const m = managerOf(this.ds, tx);
    await m.query(`SELECT id FROM applications WHERE id = $1 FOR UPDATE`, [applicationId]);
    const rows: { n: string }[] = await m.query(
      `SELECT count(*) AS n FROM previews WHERE application_id = $1 AND expires_at > $2`,
      [applicationId, now],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Leases the cluster's unanswered preview jobs not leased now (a lapsed lease is offered again),
   * never one whose preview expired; SKIP LOCKED so two polls never take the same.
   */
  /** Whether any cluster has a preview job not yet answered (the poll's gate; see PreviewGate). */
  async anyOpenJob(): Promise<boolean> {
    const rows: { found: boolean }[] = await this.ds.query(
      `SELECT EXISTS (SELECT 1 FROM preview_clusters
                       WHERE job AND answered_at IS NULL AND unknown_reason IS NULL) AS found`,
    );
    return rows[0]?.found === true;
  }

  async claim(clusterId: string, now: Date, leaseUntil: Date, limit: number): Promise<LeasedPreview[]> {
    return this.ds.transaction(async (m) => {
      const ids: { id: string }[] = await m.query(
        `SELECT pc.id FROM preview_clusters pc JOIN previews p ON p.id = pc.preview_id
         WHERE pc.cluster_id = $1 AND pc.job AND pc.answered_at IS NULL AND pc.unknown_reason IS NULL
           AND (pc.lease_expires_at IS NULL OR pc.lease_expires_at <= $2) AND p.expires_at > $2
         ORDER BY p.created_at LIMIT $3 FOR UPDATE OF pc SKIP LOCKED`,
        [clusterId, now, limit],
      );
      if (ids.length === 0) return [];
      await m.query(`UPDATE preview_clusters SET lease_expires_at = $2 WHERE id = ANY($1::uuid[])`, [
        ids.map((r) => r.id),
        leaseUntil,
      ]);
      const parts = await m
        .createQueryBuilder(PreviewClusterEntity, 'pc')
        .innerJoinAndMapOne('pc.preview', PreviewEntity, 'p', 'p.id = pc.preview_id')
        .where('pc.id IN (:...ids)', { ids: ids.map((r) => r.id) })
        .getMany();
      return parts as LeasedPreview[];
    });
  }

  /** A part and its preview, locked for an answer. */
  async lockPart(tx: Tx, id: string): Promise<LeasedPreview | null> {
    const m = managerOf(this.ds, tx);
    const part = await m
      .createQueryBuilder(PreviewClusterEntity, 'pc')
      .innerJoinAndMapOne('pc.preview', PreviewEntity, 'p', 'p.id = pc.preview_id')
      .where('pc.id = :id', { id })
      .setLock('pessimistic_write', undefined, ['pc'])
      .getOne();
    return (part as LeasedPreview | null) ?? null;
  }

  async answer(
    tx: Tx,
    id: string,
    a: Pick<PreviewClusterEntity, 'reportId' | 'answeredAt' | 'outcome' | 'message' | 'objects'>,
  ): Promise<void> {
    await managerOf(this.ds, tx).query(
      `UPDATE preview_clusters SET report_id = $2, answered_at = $3, outcome = $4, message = $5, objects = $6::jsonb
       WHERE id = $1`,
      [id, a.reportId, a.answeredAt, a.outcome, a.message, JSON.stringify(a.objects)],
    );
  }

  /** Parts whose preview expired without an answer from their agent: unknown, saying so. */
  async markUnanswered(now: Date, reason: string): Promise<number> {
    const rows: unknown[] = await this.ds.query(
      `UPDATE preview_clusters pc SET unknown_reason = $2 FROM previews p
       WHERE p.id = pc.preview_id AND p.expires_at <= $1 AND pc.job AND pc.answered_at IS NULL
         AND pc.unknown_reason IS NULL RETURNING pc.id`,
      [now, reason],
    );
    return (rows[0] as unknown[] | undefined)?.length ?? 0;
  }

  /** Deletes previews (and their parts) whose time to be kept is over. */
  async deleteOld(now: Date): Promise<number> {
    const rows: [unknown[], number] = await this.ds.query(
      `DELETE FROM previews WHERE delete_after <= $1 RETURNING id`,
      [now],
    );
    return Array.isArray(rows[0]) ? rows[0].length : 0;
  }
}
