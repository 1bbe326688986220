import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ClusterGuardrail } from '../../domain/object-policy.js';

/** A target Kubernetes cluster, joined by the agent running inside it. */
@Entity({ name: 'clusters' })
export class ClusterEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('clusters_name_key', { unique: true })
  @Column({ type: 'text', collation: 'C' })
  name!: string;

  @Index('clusters_labels_gin', { synchronize: false })
  @Column({ type: 'jsonb' })
  labels!: Record<string, string>;

  /** Pending (never joined), Connected, Disconnected. */
  @Column({ name: 'connection_state', type: 'text', default: 'Pending' })
  connectionState!: string;

  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt!: Date | null;

  @Column({ name: 'agent_version', type: 'text', nullable: true })
  agentVersion!: string | null;

  @Column({ name: 'kubernetes_version', type: 'text', nullable: true })
  kubernetesVersion!: string | null;

  /** Every group/version its API server serves, as its agent last reported (Helm's `.Capabilities.APIVersions`). */
  @Column({ name: 'api_versions', type: 'jsonb', nullable: true })
  apiVersions!: string[] | null;

  @Index('clusters_credential_hash_key', { unique: true })
  @Column({ name: 'credential_hash', type: 'text', nullable: true })
  credentialHash!: string | null;

  @Index('clusters_registration_token_hash_key', { unique: true })
  @Column({ name: 'registration_token_hash', type: 'text', nullable: true })
  registrationTokenHash!: string | null;

  @Column({ name: 'registration_token_expires_at', type: 'timestamptz', nullable: true })
  registrationTokenExpiresAt!: Date | null;

  /** Public age recipient (`age1…`) its agent decrypts sealed secrets with; null until it sends one. */
  @Column({ name: 'age_recipient', type: 'text', nullable: true })
  ageRecipient!: string | null;

  /** When an operator asked the agent for a new age identity; null once it sent one (or never asked). */
  @Column({ name: 'age_key_rotation_requested_at', type: 'timestamptz', nullable: true })
  ageKeyRotationRequestedAt!: Date | null;

  /** The guardrail its agent is installed with (join manifest and Helm command); null: none. */
  @Column({ type: 'jsonb', nullable: true })
  guardrail!: ClusterGuardrail | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
