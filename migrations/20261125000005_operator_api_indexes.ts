// Indexes for the operator api's reads: an action's effects (GET /actions/:id), the newest actions
// first (GET /actions), and the newest findings first (GET /findings?status=all).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE INDEX IF NOT EXISTS effects_action_idx ON engine.effects (action_id);
    CREATE INDEX IF NOT EXISTS actions_created_idx ON engine.actions (created_at DESC, id);
    CREATE INDEX IF NOT EXISTS findings_last_seen_idx ON engine.findings (last_seen_at DESC, id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS engine.effects_action_idx;
    DROP INDEX IF EXISTS engine.actions_created_idx;
    DROP INDEX IF EXISTS engine.findings_last_seen_idx;
  `);
}
