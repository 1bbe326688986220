import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tokens, clusters, repositories and the append-only, hash-chained audit trail.
 * Audit indexes follow the questions people ask (by cluster, repository, application,
 * resource, actor, action, revision — newest first) so each filter is an index range scan.
 */
export class InitialSchema1764170000000 implements MigrationInterface {
  name = 'InitialSchema1764170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL CONSTRAINT api_tokens_role_check CHECK (role IN ('admin', 'operator', 'viewer')),
        secret_hash text NOT NULL,
        secret_prefix text NOT NULL,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX api_tokens_name_key ON api_tokens (name)`);
    await q.query(`CREATE UNIQUE INDEX api_tokens_secret_hash_key ON api_tokens (secret_hash)`);

    await q.query(`
      CREATE TABLE clusters (
        id uuid PRIMARY KEY,
        name text COLLATE "C" NOT NULL,
        labels jsonb NOT NULL,
        connection_state text NOT NULL DEFAULT 'Pending',
        last_seen_at timestamptz,
        agent_version text,
        kubernetes_version text,
        credential_hash text,
        registration_token_hash text,
        registration_token_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX clusters_name_key ON clusters (name)`);
    await q.query(`CREATE UNIQUE INDEX clusters_registration_token_hash_key ON clusters (registration_token_hash)`);
    await q.query(`CREATE INDEX clusters_labels_gin ON clusters USING gin (labels jsonb_path_ops)`);

    await q.query(`
      CREATE TABLE repositories (
        id uuid PRIMARY KEY,
        name text COLLATE "C" NOT NULL,
        type text NOT NULL CONSTRAINT repositories_type_check CHECK (type IN ('git', 'svn')),
        url text NOT NULL,
        branch text,
        path text,
        credentials_sealed text,
        poll_interval_seconds integer NOT NULL DEFAULT 60,
        last_revision text,
        last_polled_at timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX repositories_name_key ON repositories (name)`);

    await q.query(`
      CREATE TABLE audit_events (
        seq bigint PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        actor_name text NOT NULL,
        action text COLLATE "C" NOT NULL,
        cluster_id uuid,
        repository_id uuid,
        application_id uuid,
        revision text,
        resource text,
        details jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      )`);
    await q.query(`CREATE SEQUENCE audit_events_seq AS bigint OWNED BY audit_events.seq`);
    await q.query(`CREATE INDEX audit_events_time_idx ON audit_events (occurred_at DESC, seq DESC)`);
    for (const [name, column] of [
      ['cluster', 'cluster_id'],
      ['repository', 'repository_id'],
      ['application', 'application_id'],
      ['resource', 'resource'],
      ['actor', 'actor_name'],
      ['action', 'action'],
      ['revision', 'revision'],
    ]) {
      const partial = column === 'action' || column === 'actor_name' ? '' : ` WHERE ${column} IS NOT NULL`;
      await q.query(
        `CREATE INDEX audit_events_${name}_idx ON audit_events (${column}, occurred_at DESC, seq DESC)${partial}`,
      );
    }
    // History is append-only: not even the table owner may rewrite it through DML.
    await q.query(`
      CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_events_refuse_change()`);
    await q.query(`DROP TABLE repositories`);
    await q.query(`DROP TABLE clusters`);
    await q.query(`DROP TABLE api_tokens`);
  }
}
