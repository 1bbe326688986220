import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a project does with a plain `v1/Secret` in a bundle (issue 17): `deny`, `warn` or
 * `allow`. Projects that exist keep today's behaviour (`allow`: nothing they deploy starts
 * failing on upgrade); projects created from now on default to `warn`. An application keeps the
 * warnings of its last render (the plain Secrets `warn` let through) to show them.
 */
export class PlainSecrets1764510000000 implements MigrationInterface {
  name = 'PlainSecrets1764510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE projects ADD COLUMN plain_secrets text NOT NULL DEFAULT 'allow'`);
    await q.query(`ALTER TABLE projects ALTER COLUMN plain_secrets SET DEFAULT 'warn'`);
    await q.query(`ALTER TABLE applications ADD COLUMN render_warnings jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE applications DROP COLUMN render_warnings`);
    await q.query(`ALTER TABLE projects DROP COLUMN plain_secrets`);
  }
}
