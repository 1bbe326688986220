import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications (issue 18): subscriptions (a filter over audit events and a sealed channel), the
 * outbox the audit write fills in its own transaction, and one delivery row per message sent.
 */
export class Notifications1764530000000 implements MigrationInterface {
  name = 'Notifications1764530000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_subscriptions (
        id uuid PRIMARY KEY,
        name text COLLATE "C" NOT NULL,
        actions text[] NOT NULL DEFAULT '{}',
        application_id uuid,
        project_id uuid,
        cluster_selector text,
        outcome text NOT NULL DEFAULT 'any',
        channel_type text NOT NULL,
        channel jsonb NOT NULL,
        channel_sealed text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notification_subscriptions_outcome_check CHECK (outcome IN ('success', 'failure', 'any')),
        CONSTRAINT notification_subscriptions_channel_type_check
          CHECK (channel_type IN ('webhook', 'slack', 'email')),
        CONSTRAINT notification_subscriptions_application_id_fkey FOREIGN KEY (application_id)
          REFERENCES applications (id) ON DELETE CASCADE,
        CONSTRAINT notification_subscriptions_project_id_fkey FOREIGN KEY (project_id)
          REFERENCES projects (id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE UNIQUE INDEX notification_subscriptions_name_key ON notification_subscriptions (name)`,
    );
    await q.query(
      `CREATE INDEX notification_subscriptions_project_idx ON notification_subscriptions (project_id)`,
    );
    await q.query(`
      CREATE TABLE notification_outbox (
        id bigserial PRIMARY KEY,
        subscription_id uuid NOT NULL,
        audit_seq bigint NOT NULL,
        group_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notification_outbox_subscription_id_fkey FOREIGN KEY (subscription_id)
          REFERENCES notification_subscriptions (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX notification_outbox_due_idx ON notification_outbox (created_at)`);
    await q.query(`
      CREATE TABLE notification_deliveries (
        id uuid PRIMARY KEY,
        subscription_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL,
        event_count integer NOT NULL,
        title text NOT NULL,
        message jsonb NOT NULL,
        CONSTRAINT notification_deliveries_status_check CHECK (status IN ('pending', 'delivered', 'failed')),
        CONSTRAINT notification_deliveries_subscription_id_fkey FOREIGN KEY (subscription_id)
          REFERENCES notification_subscriptions (id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at)
         WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX notification_deliveries_subscription_idx
         ON notification_deliveries (subscription_id, created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notification_deliveries`);
    await q.query(`DROP TABLE notification_outbox`);
    await q.query(`DROP TABLE notification_subscriptions`);
  }
}
