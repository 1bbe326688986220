/**
 * Projects for tests, written straight into the hub's tables (the projects API lives on its
 * own): a project with given object rules, and moving an application into it.
 */
import { randomUUID } from 'node:crypto';
import type { ObjectPolicy } from '../../src/domain/object-policy.js';

/** Runs a statement on the hub's database (the test hub's `sql`). */
type Sql = (text: string, params?: unknown[]) => Promise<unknown[]>;

/** Inserts a project allowing every repository and cluster, with these object rules; returns its id. */
export async function insertProject(sql: Sql, name: string, objects: ObjectPolicy): Promise<string> {
  const id = randomUUID();
  await sql(
    `INSERT INTO projects (id, name, description, sources, cluster_selector, objects)
     VALUES ($1, $2, 'test project', '[{"repository":"*"}]', '', $3)`,
    [id, name, JSON.stringify(objects)],
  );
  return id;
}

/** Moves an application (by name) into a project. */
export async function moveToProject(sql: Sql, application: string, projectId: string): Promise<void> {
  const rows = await sql(`UPDATE applications SET project_id = $2 WHERE name = $1 RETURNING id`, [
    application,
    projectId,
  ]);
  if (rows.length !== 1) throw new Error(`application ${application} not found`);
}
