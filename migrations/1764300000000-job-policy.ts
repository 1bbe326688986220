import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A job carries the whole sync policy fixed when it was queued (prune already did): selfHeal
 * and ignoreDifferences were read from the live application when the job was leased, so a
 * policy change between queueing and leasing reached an agent with an older bundle. Jobs
 * already stored take their application's policy of now (removal jobs of deleted
 * applications: no self-heal, nothing ignored).
 */
export class JobPolicy1764300000000 implements MigrationInterface {
  name = 'JobPolicy1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconcile_jobs ADD COLUMN self_heal boolean, ADD COLUMN ignore_differences jsonb`);
    await q.query(`
      UPDATE reconcile_jobs j
      SET self_heal = COALESCE((a.sync_policy->>'selfHeal')::boolean, false),
          ignore_differences = a.ignore_differences
      FROM applications a WHERE a.id = j.application_id`);
    await q.query(`
      UPDATE reconcile_jobs SET self_heal = COALESCE(self_heal, false),
        ignore_differences = COALESCE(ignore_differences, '[]'::jsonb)
      WHERE self_heal IS NULL OR ignore_differences IS NULL`);
    await q.query(
      `ALTER TABLE reconcile_jobs ALTER COLUMN self_heal SET NOT NULL, ALTER COLUMN ignore_differences SET NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconcile_jobs DROP COLUMN self_heal, DROP COLUMN ignore_differences`);
  }
}
