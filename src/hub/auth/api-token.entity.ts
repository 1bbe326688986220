import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** An API bearer token. Only the sha256 of the secret is stored. */
@Check('api_tokens_role_check', `role IN ('admin', 'operator', 'viewer')`)
@Entity({ name: 'api_tokens' })
export class ApiTokenEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('api_tokens_name_key', { unique: true })
  @Column({ type: 'text' })
  name!: string;

  /** Global role; null: the token holds roles within projects only. */
  @Column({ type: 'text', nullable: true })
  role!: string | null;

  /** Role within each project, by project name. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  projects!: Record<string, string>;

  @Index('api_tokens_secret_hash_key', { unique: true })
  @Column({ name: 'secret_hash', type: 'text' })
  secretHash!: string;

  /** First characters of the secret, so people can tell their tokens apart. */
  @Column({ name: 'secret_prefix', type: 'text' })
  secretPrefix!: string;

  /** When the token stops working; null: never (the bootstrap token, or an explicit choice). */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
