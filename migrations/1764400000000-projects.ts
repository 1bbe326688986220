import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projects: every application belongs to one. Existing applications move into the `default`
 * project, whose rules allow everything, so an upgrade changes no behaviour.
 */
export class Projects1764400000000 implements MigrationInterface {
  name = 'Projects1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projects (
        id uuid PRIMARY KEY,
        name text COLLATE "C" NOT NULL,
        description text NOT NULL DEFAULT '',
        sources jsonb NOT NULL,
        cluster_selector text NOT NULL DEFAULT '',
        objects jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX projects_name_key ON projects (name)`);
    await q.query(
      `INSERT INTO projects (id, name, description, sources, cluster_selector, objects)
       VALUES ('00000000-0000-4000-8000-000000000001', 'default',
               'Applications created before projects existed; allows everything.',
               '[{"repository":"*"}]', '',
               '{"namespaces":["*"],"allowedKinds":[{"group":"*","kind":"*"}],"deniedKinds":[],"allowSecrets":true}')`,
    );
    await q.query(`ALTER TABLE applications ADD COLUMN project_id uuid`);
    await q.query(`UPDATE applications SET project_id = '00000000-0000-4000-8000-000000000001'`);
    await q.query(`ALTER TABLE applications ALTER COLUMN project_id SET NOT NULL`);
    await q.query(`
      ALTER TABLE applications ADD CONSTRAINT applications_project_id_fkey
        FOREIGN KEY (project_id) REFERENCES projects(id) ON DELETE RESTRICT`);
    await q.query(`CREATE INDEX applications_project_idx ON applications (project_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE applications DROP COLUMN project_id`);
    await q.query(`DROP TABLE projects`);
  }
}
