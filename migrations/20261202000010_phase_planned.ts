// A phase's plan is stored once: planned_at marks the (cycle, phase) whose actions are written, in the same
// transaction as the actions, so a retried attempt drives what is stored instead of planning again.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE engine.cycle_phases ADD COLUMN IF NOT EXISTS planned_at timestamptz`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE engine.cycle_phases DROP COLUMN IF EXISTS planned_at`);
}
