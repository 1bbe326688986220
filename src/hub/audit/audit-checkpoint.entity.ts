import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A signed checkpoint of the audit chain head (append-only, trigger in the migration). Copies
 * kept outside the database catch a rewrite or truncation of the chain by its owner.
 */
@Entity({ name: 'audit_checkpoints' })
export class AuditCheckpointEntity {
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'text' })
  hash!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Ed25519 signature (base64) of the checkpoint message. */
  @Column({ type: 'text' })
  signature!: string;

  /** Fingerprint of the public key that verifies the signature. */
  @Column({ name: 'key_id', type: 'text' })
  keyId!: string;
}
