import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A person signed in through single sign-on. Only the sha256 of the session secret is stored;
 * the roles are those the person's groups mapped to at login, fixed for the session's life
 * (bounded by the session TTL; an admin can revoke a session to apply a group change at once).
 */
@Check('sso_sessions_role_check', `role IN ('admin', 'operator', 'viewer')`)
@Check('sso_sessions_client_check', `client IN ('browser', 'cli')`)
@Entity({ name: 'sso_sessions' })
export class SsoSessionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('sso_sessions_secret_hash_key', { unique: true })
  @Column({ name: 'secret_hash', type: 'text' })
  secretHash!: string;

  @Column({ type: 'text' })
  issuer!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Column({ type: 'jsonb' })
  groups!: string[];

  /** Global role; null: project roles only. */
  @Column({ type: 'text', nullable: true })
  role!: string | null;

  /** Role per project name. */
  @Column({ type: 'jsonb' })
  projects!: Record<string, string>;

  /** How the session was opened: the dashboard's code flow, or the CLI's device flow. */
  @Column({ type: 'text' })
  client!: 'browser' | 'cli';

  @Index('sso_sessions_expires_at_idx')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** Last authenticated request, recorded at most once a minute. */
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
