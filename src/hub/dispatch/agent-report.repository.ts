import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';

/** The ledger of agent report ids that makes reports idempotent. */
@Injectable()
export class AgentReportRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** True when this report id is new (and now recorded); false for a retry. */
  async claim(tx: Tx, reportId: string, clusterId: string): Promise<boolean> {
    const rows: unknown[] = await managerOf(this.ds, tx).query(
      `INSERT INTO agent_reports (report_id, cluster_id) VALUES ($1, $2) ON CONFLICT (report_id) DO NOTHING RETURNING report_id`,
      [reportId, clusterId],
    );
    return rows.length === 1;
  }

  /** {@link claim} for many reports in one statement; returns the report ids claimed now. */
  async claimMany(tx: Tx, reports: readonly { reportId: string; clusterId: string }[]): Promise<Set<string>> {
    if (reports.length === 0) return new Set();
    const rows: { report_id: string }[] = await managerOf(this.ds, tx).query(
      `INSERT INTO agent_reports (report_id, cluster_id)
       SELECT * FROM unnest($1::uuid[], $2::uuid[])
       ON CONFLICT (report_id) DO NOTHING RETURNING report_id`,
      [reports.map((r) => r.reportId), reports.map((r) => r.clusterId)],
    );
    return new Set(rows.map((r) => r.report_id));
  }
}
