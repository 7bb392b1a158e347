// Holdout groups and demotion (engine/learning/holdout.ts): the control group's measured outcomes per
// action type, whether a type is demoted to approval-only, the due-outcome index for held-out actions,
// and version 1 of the policy `holdout` (10% of eligible targets of each measured type).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE engine.action_stats
      ADD COLUMN IF NOT EXISTS holdout_successes integer NOT NULL DEFAULT 0,
      ADD COLUMN IF NOT EXISTS holdout_failures integer NOT NULL DEFAULT 0,
      ADD COLUMN IF NOT EXISTS demoted boolean NOT NULL DEFAULT false,
      ADD COLUMN IF NOT EXISTS demoted_reason text,
      ADD COLUMN IF NOT EXISTS demoted_at timestamptz;
    CREATE INDEX IF NOT EXISTS actions_holdout_due_idx ON engine.actions (outcome_due_at) WHERE outcome IS NULL AND status = 'holdout';
  `);
  await knex('engine.policies')
    .insert({ name: 'holdout', version: 1, value: JSON.stringify({ default: 0.1 }), changed_by: 'migration' })
    .onConflict(['name', 'version'])
    .ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex('engine.policies').where({ name: 'holdout', version: 1, changed_by: 'migration' }).del();
  await knex.raw(`
    DROP INDEX IF EXISTS engine.actions_holdout_due_idx;
    ALTER TABLE engine.action_stats
      DROP COLUMN IF EXISTS holdout_successes, DROP COLUMN IF EXISTS holdout_failures,
      DROP COLUMN IF EXISTS demoted, DROP COLUMN IF EXISTS demoted_reason, DROP COLUMN IF EXISTS demoted_at;
  `);
}
