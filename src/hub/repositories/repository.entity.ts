import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A Git or SVN repository, or a Helm chart repository, the hub reads manifests from. */
@Check('repositories_type_check', `type IN ('git', 'svn', 'helm')`)
@Entity({ name: 'repositories' })
export class RepositoryEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('repositories_name_key', { unique: true })
  @Column({ type: 'text', collation: 'C' })
  name!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'text', nullable: true })
  branch!: string | null;

  @Column({ type: 'text', nullable: true })
  path!: string | null;

  /** AES-256-GCM sealed JSON of the credentials; never leaves the hub. */
  @Column({ name: 'credentials_sealed', type: 'text', nullable: true })
  credentialsSealed!: string | null;

  @Column({ name: 'poll_interval_seconds', type: 'integer', default: 60 })
  pollIntervalSeconds!: number;

  @Column({ name: 'last_revision', type: 'text', nullable: true })
  lastRevision!: string | null;

  @Column({ name: 'last_polled_at', type: 'timestamptz', nullable: true })
  lastPolledAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** When a hub replica should poll next; a webhook sets it to now. */
  @Index('repositories_next_poll_idx')
  @Column({ name: 'next_poll_at', type: 'timestamptz' })
  nextPollAt!: Date;

  /** Set while one replica polls, so no other replica polls the same repository meanwhile. */
  @Column({ name: 'poll_lease_until', type: 'timestamptz', nullable: true })
  pollLeaseUntil!: Date | null;

  /**
   * Set while the branch head is behind (or off) the revision it had reached: that revision,
   * which automated sync keeps deploying until the head moves forward past it again.
   */
  @Column({ name: 'rewound_from', type: 'text', nullable: true })
  rewoundFrom!: string | null;

  /** The head the branch was moved back to. */
  @Column({ name: 'rewound_to', type: 'text', nullable: true })
  rewoundTo!: string | null;

  @Column({ name: 'rewound_at', type: 'timestamptz', nullable: true })
  rewoundAt!: Date | null;

  /** AES-256-GCM sealed secret that push webhooks are verified with. */
  @Column({ name: 'webhook_secret_sealed', type: 'text', nullable: true })
  webhookSecretSealed!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
