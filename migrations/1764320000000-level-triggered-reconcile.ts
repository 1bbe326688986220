import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Level-triggered reconciliation: each application records the repository revision it was last
 * reconciled against (and a retry schedule after a failed render), so a periodic sweep can
 * redo whatever an event handler lost. Repositories record a branch that moved backwards, which
 * is not deployed automatically. Existing applications count as reconciled at their
 * repository's current revision, so the upgrade deploys nothing by itself.
 */
export class LevelTriggeredReconcile1764320000000 implements MigrationInterface {
  name = 'LevelTriggeredReconcile1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE applications
        ADD COLUMN reconciled_revision text,
        ADD COLUMN reconcile_failures integer NOT NULL DEFAULT 0,
        ADD COLUMN reconcile_retry_at timestamptz,
        ADD COLUMN reconcile_lease_until timestamptz`);
    await q.query(`
      UPDATE applications a SET reconciled_revision = r.last_revision
      FROM repositories r WHERE r.id = a.repository_id`);
    await q.query(`
      ALTER TABLE repositories
        ADD COLUMN rewound_from text,
        ADD COLUMN rewound_to text,
        ADD COLUMN rewound_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE repositories DROP COLUMN rewound_from, DROP COLUMN rewound_to, DROP COLUMN rewound_at`);
    await q.query(`
      ALTER TABLE applications
        DROP COLUMN reconciled_revision, DROP COLUMN reconcile_failures,
        DROP COLUMN reconcile_retry_at, DROP COLUMN reconcile_lease_until`);
  }
}
