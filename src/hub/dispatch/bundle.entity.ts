import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A rendered bundle, stored once under the sha256 of its canonical bytes. */
@Entity({ name: 'bundles' })
export class BundleEntity {
  @PrimaryColumn({ type: 'text' })
  digest!: string;

  @Column({ type: 'bytea' })
  content!: Buffer;

  @Column({ name: 'object_count', type: 'integer' })
  objectCount!: number;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
