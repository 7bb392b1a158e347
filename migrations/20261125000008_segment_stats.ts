// Segment posteriors (engine/learning/segments.ts): an action's segment, stored when it is planned, and
// measured treated outcomes per (action type, segment).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE engine.actions ADD COLUMN IF NOT EXISTS segment text;
    CREATE TABLE IF NOT EXISTS engine.action_segment_stats (
      action_type text NOT NULL,
      segment text NOT NULL,
      successes integer NOT NULL DEFAULT 0,
      failures integer NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (action_type, segment)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    `DROP TABLE IF EXISTS engine.action_segment_stats; ALTER TABLE engine.actions DROP COLUMN IF EXISTS segment;`,
  );
}
