import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { BundleEntity } from './bundle.entity.js';

/** Content-addressed bundle storage: each distinct bundle is stored once. */
@Injectable()
export class BundleRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** Stores a bundle unless one with the same digest exists (then the bytes are identical). */
  async store(tx: Tx, b: { digest: string; content: Buffer; objectCount: number }): Promise<void> {
    await managerOf(this.ds, tx).query(
      `INSERT INTO bundles (digest, content, object_count, size_bytes) VALUES ($1, $2, $3, $4) ON CONFLICT (digest) DO NOTHING`,
      [b.digest, b.content, b.objectCount, b.content.length],
    );
  }

  /** The bundle, only if a job, the desired state or a preview of this cluster refers to it. */
  async getForCluster(digest: string, clusterId: string): Promise<BundleEntity | null> {
    const rows: BundleEntity[] = await this.ds.query(
      `SELECT b.digest, b.content, b.object_count AS "objectCount" FROM bundles b
       WHERE b.digest = $1 AND (
         EXISTS (SELECT 1 FROM reconcile_jobs j WHERE j.bundle_digest = b.digest AND j.cluster_id = $2)
         OR EXISTS (SELECT 1 FROM desired_states d WHERE d.bundle_digest = b.digest AND d.cluster_id = $2)
         OR EXISTS (SELECT 1 FROM preview_clusters p WHERE p.bundle_digest = b.digest AND p.cluster_id = $2))`,
      [digest, clusterId],
    );
    return rows[0] ?? null;
  }

  count(): Promise<number> {
    return this.ds.manager.count(BundleEntity);
  }
}
