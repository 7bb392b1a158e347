// engine.change_freezes (docs/safety.md#change-freezes): admin-defined windows in which no effect runs. One-off
// (starts_at..ends_at) or recurring (a cron start read in `timezone`, lasting duration_minutes). Never deleted:
// removing a window sets deleted_at/deleted_by, so the audit trail can always say which freeze blocked what.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS engine.change_freezes (
      id bigserial PRIMARY KEY,
      name text NOT NULL CHECK (btrim(name) <> ''),
      reason text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('one_off', 'recurring')),
      starts_at timestamptz,                          -- one_off only
      ends_at timestamptz,                            -- one_off only, exclusive
      cron text,                                      -- recurring only: five fields, local time in timezone
      duration_minutes integer CHECK (duration_minutes > 0),
      timezone text NOT NULL,                         -- IANA zone
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz,
      deleted_by text,
      CHECK (
        (kind = 'one_off' AND starts_at IS NOT NULL AND ends_at > starts_at AND cron IS NULL AND duration_minutes IS NULL)
        OR (kind = 'recurring' AND cron IS NOT NULL AND duration_minutes IS NOT NULL AND starts_at IS NULL AND ends_at IS NULL)
      ),
      CHECK ((deleted_at IS NULL) = (deleted_by IS NULL))
    );
    -- The executor reads the windows in force before every effect.
    CREATE INDEX IF NOT EXISTS change_freezes_live_idx ON engine.change_freezes (id) WHERE deleted_at IS NULL;
    DO $$ BEGIN
      IF to_regproc('engine.watch_changes') IS NOT NULL THEN PERFORM engine.watch_changes('engine.change_freezes'); END IF;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS engine.change_freezes');
}
