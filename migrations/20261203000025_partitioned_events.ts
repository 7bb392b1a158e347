// The demo app.events becomes a table partitioned by RANGE (occurred_at), one partition per UTC month plus a
// DEFAULT partition: at 20M events every cycle reads time windows, and the planner then skips whole months.
// Only a plain table (relkind 'r', the one migration 1 created) is converted: when schema app holds the
// platform's own views or foreign tables (APP_SCHEMA_READ_ONLY, docs/connect-your-platform.md) nothing is touched.
// The primary key becomes (id, occurred_at): PostgreSQL requires the partition key in every unique constraint.
// Nothing references app.events by key (schema app has no foreign keys on purpose), and the seed assigns ids.
import type { Knex } from 'knex';

/** The indexes the engine's event queries use (see migration 1); created on the parent, so every partition has them. */
const EVENT_INDEXES = `
  CREATE INDEX events_user_time_idx ON app.events (user_id, occurred_at);
  CREATE INDEX events_name_user_idx ON app.events (name, user_id, occurred_at);
  CREATE INDEX events_time_idx ON app.events (occurred_at);`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Creates the monthly partitions (UTC months) from the month of from_at through months_ahead months past
    -- the month of to_at; returns how many it created. Idempotent; concurrent callers queue on a transaction
    -- advisory lock. Rows already in the DEFAULT partition for a month that gets its partition are moved into
    -- it (PostgreSQL refuses the new partition otherwise). Does nothing (returns 0) unless app.events is a
    -- partitioned table the current role owns: never on a platform's own views, foreign or read-only tables.
    CREATE OR REPLACE FUNCTION engine.ensure_event_partitions(
      months_ahead int DEFAULT 3,
      from_at timestamptz DEFAULT now(),
      to_at timestamptz DEFAULT now()
    ) RETURNS int LANGUAGE plpgsql
    -- A new partition locks app.events briefly; behind a long read it would queue every other reader, so it
    -- gives up after a few seconds instead (the months ahead leave time for the next hourly try).
    SET lock_timeout = '5s'
    AS $fn$
    DECLARE
      parent regclass := to_regclass('app.events');
      default_part regclass;
      -- Month arithmetic on UTC timestamps: on timestamptz it would follow the session's time zone (and DST).
      m timestamp;
      last_m timestamp;
      lo timestamptz;
      hi timestamptz;
      part text;
      created int := 0;
      has_rows boolean;
    BEGIN
      IF parent IS NULL
         OR NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = parent AND c.relkind = 'p' AND pg_has_role(c.relowner, 'USAGE')) THEN
        RETURN 0;
      END IF;
      IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
        RAISE EXCEPTION 'months_ahead must be in [0, 120], got %', months_ahead;
      END IF;
      PERFORM pg_advisory_xact_lock(20261203025);
      SELECT i.inhrelid::regclass INTO default_part
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = parent AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT';
      m := date_trunc('month', least(from_at, to_at) AT TIME ZONE 'UTC');
      last_m := date_trunc('month', greatest(from_at, to_at) AT TIME ZONE 'UTC') + make_interval(months => months_ahead);
      WHILE m <= last_m LOOP
        part := 'events_' || to_char(m, 'YYYY_MM');
        lo := m AT TIME ZONE 'UTC';
        hi := (m + interval '1 month') AT TIME ZONE 'UTC';
        IF to_regclass(format('app.%I', part)) IS NULL THEN
          has_rows := false;
          IF default_part IS NOT NULL THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE occurred_at >= $1 AND occurred_at < $2)', default_part)
              INTO has_rows USING lo, hi;
          END IF;
          IF has_rows THEN
            -- Move the month out of the default first: a standalone table, filled, then attached.
            EXECUTE format('CREATE TABLE app.%I (LIKE app.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
            EXECUTE format('WITH moved AS (DELETE FROM %s WHERE occurred_at >= $1 AND occurred_at < $2 RETURNING *) '
                           'INSERT INTO app.%I SELECT * FROM moved', default_part, part) USING lo, hi;
            EXECUTE format('ALTER TABLE app.events ATTACH PARTITION app.%I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
          ELSE
            EXECUTE format('CREATE TABLE app.%I PARTITION OF app.events FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
          END IF;
          created := created + 1;
        END IF;
        m := m + interval '1 month';
      END LOOP;
      RETURN created;
    END
    $fn$;

    DO $$
    DECLARE
      first_at timestamptz;
      last_at timestamptz;
    BEGIN
      IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('app.events')) IS DISTINCT FROM 'r' THEN
        RETURN;
      END IF;
      ALTER TABLE app.events RENAME TO events_unpartitioned;
      CREATE TABLE app.events (LIKE app.events_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (occurred_at);
      CREATE TABLE app.events_default PARTITION OF app.events DEFAULT;
      SELECT min(occurred_at), max(occurred_at) INTO first_at, last_at FROM app.events_unpartitioned;
      PERFORM engine.ensure_event_partitions(3, coalesce(least(first_at, now()), now()), greatest(last_at, now()));
      -- Set-based copy; the indexes come after, built once per partition instead of maintained row by row.
      INSERT INTO app.events SELECT * FROM app.events_unpartitioned;
      DROP TABLE app.events_unpartitioned;
      ALTER TABLE app.events ADD PRIMARY KEY (id, occurred_at);
      ${EVENT_INDEXES}
      ANALYZE app.events;
    END
    $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DO $$
    BEGIN
      IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('app.events')) IS DISTINCT FROM 'p' THEN
        RETURN;
      END IF;
      CREATE TABLE app.events_plain (LIKE app.events INCLUDING DEFAULTS);
      INSERT INTO app.events_plain SELECT * FROM app.events;
      DROP TABLE app.events;
      ALTER TABLE app.events_plain RENAME TO events;
      ALTER TABLE app.events ADD PRIMARY KEY (id);
      ${EVENT_INDEXES}
      ANALYZE app.events;
    END
    $$;
    DROP FUNCTION IF EXISTS engine.ensure_event_partitions(int, timestamptz, timestamptz);
  `);
}
