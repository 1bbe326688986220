import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Generated applications (issue 20): generators (a template and the directories and/or clusters
 * it is stamped out for), and the mark on each application one made.
 */
export class Generators1764580000000 implements MigrationInterface {
  name = 'Generators1764580000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE generators (
        id uuid PRIMARY KEY,
        name text COLLATE "C" NOT NULL,
        project_id uuid NOT NULL,
        repository_id uuid NOT NULL,
        template jsonb NOT NULL,
        directories_glob text,
        clusters_selector text,
        preserve_on_delete boolean NOT NULL DEFAULT false,
        status jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT generators_project_id_fkey FOREIGN KEY (project_id)
          REFERENCES projects (id) ON DELETE RESTRICT,
        CONSTRAINT generators_repository_id_fkey FOREIGN KEY (repository_id)
          REFERENCES repositories (id) ON DELETE RESTRICT
      )`);
    await q.query(`CREATE UNIQUE INDEX generators_name_key ON generators (name)`);
    await q.query(`CREATE INDEX generators_project_idx ON generators (project_id)`);
    await q.query(`CREATE INDEX generators_repository_idx ON generators (repository_id)`);
    await q.query(`ALTER TABLE applications ADD COLUMN generated_by uuid`);
    await q.query(`
      ALTER TABLE applications ADD CONSTRAINT applications_generated_by_fkey
        FOREIGN KEY (generated_by) REFERENCES generators (id) ON DELETE SET NULL`);
    await q.query(`CREATE INDEX applications_generated_by_idx ON applications (generated_by)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE applications DROP COLUMN generated_by`);
    await q.query(`DROP TABLE generators`);
  }
}
