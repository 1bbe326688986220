import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Helm chart repositories become a third repository type next to Git and SVN (issue 15). */
export class HelmRepositories1764470000000 implements MigrationInterface {
  name = 'HelmRepositories1764470000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repositories DROP CONSTRAINT repositories_type_check`);
    await q.query(
      `ALTER TABLE repositories ADD CONSTRAINT repositories_type_check CHECK (type IN ('git', 'svn', 'helm'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM repositories WHERE type = 'helm'`);
    await q.query(`ALTER TABLE repositories DROP CONSTRAINT repositories_type_check`);
    await q.query(`ALTER TABLE repositories ADD CONSTRAINT repositories_type_check CHECK (type IN ('git', 'svn'))`);
  }
}
