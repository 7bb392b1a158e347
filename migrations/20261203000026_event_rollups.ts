// Engine-owned rollups of the append-only app.events (docs/scale.md): the facts the KPIs and the learn phase
// need about each user's first five weeks, folded from a watermark, so a cycle reads them plus the rows newer
// than the watermark instead of every user's history. Per-day event counts let a reconciliation find days that
// received events later than the refresh's lateness horizon. Watched like every engine table (a refresh runs
// with the monitor and the cycle, which write other engine tables anyway).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS engine.event_rollup_state (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      -- Every event with occurred_at < watermark has been folded (up to the lateness horizon); null: never.
      watermark timestamptz,
      refreshed_at timestamptz,
      rebuilt_at timestamptz,
      reconciled_at timestamptz,
      -- What the last refresh or reconciliation folded, for the docs' figures and the dashboard's curious.
      last_run jsonb NOT NULL DEFAULT '{}'::jsonb
    );
    INSERT INTO engine.event_rollup_state (id) VALUES (true) ON CONFLICT DO NOTHING;

    -- Per user, the first occurred_at of each qualifying event (least() merges folds idempotently) and the
    -- distinct event names of the first week (a set union merges them).
    CREATE TABLE IF NOT EXISTS engine.event_user_facts (
      user_id bigint PRIMARY KEY,
      d7_first_at timestamptz,          -- an event in [created_at + 7d, created_at + 8d)
      onboarded_first_at timestamptz,   -- onboarding_completed at most 30d after signup
      retained_first_at timestamptz,    -- an event in [created_at + 28d, created_at + 35d)
      first_week_names text[] NOT NULL DEFAULT '{}'  -- sorted, distinct: names done in [created_at, created_at + 7d)
    );

    CREATE TABLE IF NOT EXISTS engine.event_day_counts (
      day date PRIMARY KEY,             -- UTC day of occurred_at
      events bigint NOT NULL
    );

    DO $$ BEGIN
      IF to_regproc('engine.watch_changes') IS NOT NULL THEN
        PERFORM engine.watch_changes('engine.event_rollup_state');
        PERFORM engine.watch_changes('engine.event_user_facts');
        PERFORM engine.watch_changes('engine.event_day_counts');
      END IF;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS engine.event_day_counts;
    DROP TABLE IF EXISTS engine.event_user_facts;
    DROP TABLE IF EXISTS engine.event_rollup_state;
  `);
}
