import type { MigrationInterface, QueryRunner } from 'typeorm';

const COLUMNS = `seq, occurred_at, actor_type, actor_id, actor_name, actor_groups, action, cluster_id,
  repository_id, application_id, project_id, revision, resource, details, prev_hash, hash`;

/** The keyset indexes of the trail: one per filter, each ending in the page order. */
const FILTER_INDEXES: [string, string, boolean][] = [
  ['cluster', 'cluster_id', true],
  ['repository', 'repository_id', true],
  ['application', 'application_id', true],
  ['resource', 'resource', true],
  ['actor', 'actor_name', false],
  ['action', 'action', false],
  ['revision', 'revision', true],
  ['project', 'project_id', true],
];

/**
 * The audit trail at millions of events (issue 19): `audit_events` becomes a table partitioned by
 * month on `occurred_at` (UTC), so every query of a time range reads only its months and
 * retention detaches whole months instead of deleting rows (which the append-only trigger
 * refuses anyway). The primary key must contain the partition key: (seq, occurred_at).
 *
 * Partitions are made by `audit_events_ensure_partitions`, SECURITY DEFINER so a hub running as
 * the least-privilege role (which may not create tables) can still make the next month's; and
 * detached by `audit_events_detach_partition`, which refuses anything but a past month of this
 * table. Existing rows are copied in seq order: hashes, seq and times are unchanged, so the
 * chain verifies as before.
 */
export class AuditPartitions1764540000000 implements MigrationInterface {
  name = 'AuditPartitions1764540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events RENAME TO audit_events_unpartitioned`);
    await q.query(`ALTER SEQUENCE audit_events_seq OWNED BY NONE`);
    await q.query(
      `ALTER TABLE audit_events_unpartitioned RENAME CONSTRAINT audit_events_pkey TO audit_events_unpartitioned_pkey`,
    );
    for (const name of ['time', ...FILTER_INDEXES.map(([n]) => n)])
      await q.query(`ALTER INDEX audit_events_${name}_idx RENAME TO audit_events_unpartitioned_${name}_idx`);
    await q.query(`
      CREATE TABLE audit_events (
        seq bigint NOT NULL,
        occurred_at timestamptz NOT NULL,
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        actor_name text NOT NULL,
        actor_groups jsonb,
        action text COLLATE "C" NOT NULL,
        cluster_id uuid,
        repository_id uuid,
        application_id uuid,
        project_id uuid,
        revision text,
        resource text,
        details jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        CONSTRAINT audit_events_pkey PRIMARY KEY (seq, occurred_at)
      ) PARTITION BY RANGE (occurred_at)`);
    await q.query(`ALTER SEQUENCE audit_events_seq OWNED BY audit_events.seq`);
    // Declared on the parent: every partition, present and future, gets them.
    await q.query(`CREATE INDEX audit_events_time_idx ON audit_events (occurred_at DESC, seq DESC)`);
    for (const [name, column, partial] of FILTER_INDEXES)
      await q.query(
        `CREATE INDEX audit_events_${name}_idx ON audit_events (${column}, occurred_at DESC, seq DESC)` +
          (partial ? ` WHERE ${column} IS NOT NULL` : ''),
      );
    await q.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
    // A statement trigger of the parent does not fire for a TRUNCATE of one partition: each
    // partition gets its own. The lock serialises replicas making the same month.
    await q.query(`
      CREATE FUNCTION audit_events_ensure_partitions(from_time timestamptz, to_time timestamptz)
      RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
      SET search_path = pg_catalog, public SET TimeZone = 'UTC' AS $$
      DECLARE
        m timestamptz := date_trunc('month', from_time);
        part text;
        made integer := 0;
      BEGIN
        IF to_time < from_time OR to_time - from_time > interval '100 years' THEN
          RAISE EXCEPTION 'audit partitions: bad range % .. %', from_time, to_time
            USING ERRCODE = 'invalid_parameter_value';
        END IF;
        WHILE m <= to_time LOOP
          part := 'audit_events_p' || to_char(m, 'YYYYMM');
          IF to_regclass('public.' || part) IS NULL THEN
            PERFORM pg_advisory_xact_lock(7361005);
            IF to_regclass('public.' || part) IS NULL THEN
              EXECUTE format('CREATE TABLE public.%I PARTITION OF public.audit_events FOR VALUES FROM (%L) TO (%L)',
                             part, m, m + interval '1 month');
              EXECUTE format('CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON public.%I
                              FOR EACH STATEMENT EXECUTE FUNCTION public.audit_events_refuse_change()', part);
              made := made + 1;
            END IF;
          END IF;
          m := m + interval '1 month';
        END LOOP;
        RETURN made;
      END $$`);
    // Detached, not dropped: the month stays in the database, owned by the schema owner, to be
    // archived (pg_dump -t) and dropped by hand. It keeps its append-only triggers.
    await q.query(`
      CREATE FUNCTION audit_events_detach_partition(part text)
      RETURNS void LANGUAGE plpgsql SECURITY DEFINER
      SET search_path = pg_catalog, public SET TimeZone = 'UTC' AS $$
      BEGIN
        IF part IS NULL OR part !~ '^audit_events_p[0-9]{6}$' OR NOT EXISTS (
             SELECT 1 FROM pg_inherits i
              WHERE i.inhrelid = to_regclass('public.' || part) AND i.inhparent = 'public.audit_events'::regclass) THEN
          RAISE EXCEPTION 'not a partition of audit_events: %', part USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF to_timestamp(substr(part, 15) || '01', 'YYYYMMDD') + interval '1 month' > date_trunc('month', now()) THEN
          RAISE EXCEPTION 'refusing to detach %: the current month is never detached', part
            USING ERRCODE = 'invalid_parameter_value';
        END IF;
        EXECUTE format('ALTER TABLE public.audit_events DETACH PARTITION public.%I', part);
        -- Detaching drops the triggers cloned from the parent: the archived month stays append-only.
        EXECUTE format('DROP TRIGGER IF EXISTS audit_events_append_only ON public.%I', part);
        EXECUTE format('CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON public.%I
                        FOR EACH ROW EXECUTE FUNCTION public.audit_events_refuse_change()', part);
      END $$`);
    await q.query(`
      SELECT audit_events_ensure_partitions(coalesce(min(occurred_at), now()),
                                            greatest(coalesce(max(occurred_at), now()), now()) + interval '3 months')
        FROM audit_events_unpartitioned`);
    await q.query(
      `INSERT INTO audit_events (${COLUMNS}) SELECT ${COLUMNS} FROM audit_events_unpartitioned ORDER BY seq`,
    );
    await q.query(`DROP TABLE audit_events_unpartitioned`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events RENAME TO audit_events_partitioned`);
    await q.query(`ALTER SEQUENCE audit_events_seq OWNED BY NONE`);
    await q.query(
      `ALTER TABLE audit_events_partitioned RENAME CONSTRAINT audit_events_pkey TO audit_events_partitioned_pkey`,
    );
    for (const name of ['time', ...FILTER_INDEXES.map(([n]) => n)])
      await q.query(`ALTER INDEX audit_events_${name}_idx RENAME TO audit_events_partitioned_${name}_idx`);
    await q.query(`
      CREATE TABLE audit_events (
        seq bigint PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        actor_name text NOT NULL,
        actor_groups jsonb,
        action text COLLATE "C" NOT NULL,
        cluster_id uuid,
        repository_id uuid,
        application_id uuid,
        project_id uuid,
        revision text,
        resource text,
        details jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      )`);
    await q.query(`ALTER SEQUENCE audit_events_seq OWNED BY audit_events.seq`);
    await q.query(
      `INSERT INTO audit_events (${COLUMNS}) SELECT ${COLUMNS} FROM audit_events_partitioned ORDER BY seq`,
    );
    await q.query(`DROP TABLE audit_events_partitioned`);
    await q.query(`DROP FUNCTION audit_events_detach_partition(text)`);
    await q.query(`DROP FUNCTION audit_events_ensure_partitions(timestamptz, timestamptz)`);
    await q.query(`CREATE INDEX audit_events_time_idx ON audit_events (occurred_at DESC, seq DESC)`);
    for (const [name, column, partial] of FILTER_INDEXES)
      await q.query(
        `CREATE INDEX audit_events_${name}_idx ON audit_events (${column}, occurred_at DESC, seq DESC)` +
          (partial ? ` WHERE ${column} IS NOT NULL` : ''),
      );
    await q.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
  }
}
