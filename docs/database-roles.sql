-- Least-privilege database roles for the Flotilla hub.
--
-- flotilla_owner owns the schema and runs the migrations (DATABASE_MIGRATION_URL, or
-- `npm run migration:run` with its URL); the hub runs as flotilla_app (DATABASE_URL), which can
-- append to the audit trail and read it but cannot UPDATE, DELETE or TRUNCATE it, nor switch its
-- append-only triggers off (only a table's owner can ALTER it).
--
-- 1. As a superuser, once (pick your own passwords; rename the roles if you like, everywhere):
--
--      CREATE ROLE flotilla_owner LOGIN PASSWORD '...';
--      CREATE ROLE flotilla_app LOGIN PASSWORD '...';
--      CREATE DATABASE flotilla OWNER flotilla_owner;
--      -- Postgres 14 and older: REVOKE CREATE ON SCHEMA public FROM PUBLIC;
--
-- 2. Run the migrations as flotilla_owner.
-- 3. Run this file as flotilla_owner, connected to the hub's database (it is idempotent):
--
--      psql "postgres://flotilla_owner:...@db/flotilla" -v ON_ERROR_STOP=1 -f docs/database-roles.sql
--
-- Run it again after every upgrade that brings migrations: new tables get their grants here.

GRANT USAGE ON SCHEMA public TO flotilla_app;

-- Everything the hub keeps: read and write.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO flotilla_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO flotilla_app;

-- The audit trail and its checkpoints: append and read, nothing else.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_checkpoints FROM flotilla_app;

-- The monthly partitions of the audit trail: nothing directly; the hub reads and appends through
-- audit_events. (Partitions the hub makes later are the owner's and grant nothing.)
DO $$
DECLARE t regclass;
BEGIN
  FOR t IN SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relname ~ '^audit_events_p[0-9]{6}$' LOOP
    EXECUTE format('REVOKE ALL ON %s FROM flotilla_app', t);
  END LOOP;
END $$;

-- The migration ledger: the hub only checks that nothing is pending (FLOTILLA_MIGRATE=false).
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM flotilla_app;
