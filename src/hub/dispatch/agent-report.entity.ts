import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Report ids already recorded, so a retried agent report is applied once. */
@Entity({ name: 'agent_reports' })
export class AgentReportEntity {
  @PrimaryColumn({ name: 'report_id', type: 'uuid' })
  reportId!: string;

  @Column({ name: 'cluster_id', type: 'uuid' })
  clusterId!: string;

  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;
}
