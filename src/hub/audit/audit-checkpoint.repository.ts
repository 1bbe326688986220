import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { AuditCheckpointEntity } from './audit-checkpoint.entity.js';

const CHECKPOINT_LOCK = 7_361_004;

/** Append-only storage of signed audit checkpoints. */
@Injectable()
export class AuditCheckpointRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** True when this transaction holds the checkpoint lease; another replica holding it: false. */
  async tryLease(tx: Tx): Promise<boolean> {
    const rows: { ok: boolean }[] = await managerOf(this.ds, tx).query(
      'SELECT pg_try_advisory_xact_lock($1) AS ok',
      [CHECKPOINT_LOCK],
    );
    return rows[0]?.ok === true;
  }

  /** The newest checkpoint, or null. */
  latest(tx?: Tx): Promise<AuditCheckpointEntity | null> {
    return managerOf(this.ds, tx)
      .createQueryBuilder(AuditCheckpointEntity, 'c')
      .orderBy('c.seq', 'DESC')
      .limit(1)
      .getOne();
  }

  /** The newest checkpoint at or before `seq`, or null. */
  atOrBefore(seq: string, tx?: Tx): Promise<AuditCheckpointEntity | null> {
    return managerOf(this.ds, tx)
      .createQueryBuilder(AuditCheckpointEntity, 'c')
      .where('c.seq <= :seq', { seq })
      .orderBy('c.seq', 'DESC')
      .limit(1)
      .getOne();
  }

  /** Inserts a checkpoint; one for the same seq already there is kept. */
  async insert(tx: Tx, c: AuditCheckpointEntity): Promise<void> {
    await managerOf(this.ds, tx)
      .createQueryBuilder()
      .insert()
      .into(AuditCheckpointEntity)
      .values(c)
      .orIgnore()
      .execute();
  }

  /** Newest first, keyset-paginated by seq. */
  page(limit: number, beforeSeq?: string): Promise<AuditCheckpointEntity[]> {
    const q = this.ds.manager.createQueryBuilder(AuditCheckpointEntity, 'c');
    if (beforeSeq) q.where('c.seq < :beforeSeq', { beforeSeq });
    return q.orderBy('c.seq', 'DESC').limit(limit).getMany();
  }

  /** Checkpoints with afterSeq < seq <= uptoSeq (uptoSeq null: no upper bound), oldest first. */
  between(afterSeq: string, uptoSeq: string | null): Promise<AuditCheckpointEntity[]> {
    const q = this.ds.manager
      .createQueryBuilder(AuditCheckpointEntity, 'c')
      .where('c.seq > :afterSeq', { afterSeq });
    if (uptoSeq !== null) q.andWhere('c.seq <= :uptoSeq', { uptoSeq });
    return q.orderBy('c.seq', 'ASC').getMany();
  }
}
