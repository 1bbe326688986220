import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How an application's path renders: Helm chart, Kustomize overlay or plain manifests (issue 15).
 * Null detects the kind from the files, which is what every existing application gets.
 */
export class ApplicationSource1764460000000 implements MigrationInterface {
  name = 'ApplicationSource1764460000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE applications ADD COLUMN source jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE applications DROP COLUMN source`);
  }
}
