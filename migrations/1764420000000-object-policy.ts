import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Object policies at both layers. A job carries its application's project object rules fixed
 * when it was queued, and the agent checks them before applying (defence in depth behind the
 * hub's check at render); jobs already stored carry none (null): they were queued before
 * projects had rules, when every application was in the `default` project, which allows
 * everything. A cluster may be registered with the guardrail its agent is installed with,
 * which its join manifest and Helm command carry (null: none, cluster-wide as before).
 */
export class ObjectPolicy1764420000000 implements MigrationInterface {
  name = 'ObjectPolicy1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconcile_jobs ADD COLUMN object_policy jsonb`);
    await q.query(`ALTER TABLE clusters ADD COLUMN guardrail jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters DROP COLUMN guardrail`);
    await q.query(`ALTER TABLE reconcile_jobs DROP COLUMN object_policy`);
  }
}
