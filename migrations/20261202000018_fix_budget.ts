// Version 1 of the `fix_budget` policy (engine/safety/fix-budget.ts, docs/safety.md#per-target-fix-budget):
// at most 3 live attempts of one data fix on one target in 7 days, after which the target is quarantined for
// that fix and raised as a finding. The index serves the per-target count of recent live attempts.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex('engine.policies')
    .insert({
      name: 'fix_budget',
      version: 1,
      value: JSON.stringify({ maxFixes: 3, windowDays: 7 }),
      changed_by: 'migration',
    })
    .onConflict(['name', 'version'])
    .ignore();
  await knex.raw(`
    CREATE INDEX IF NOT EXISTS actions_live_target_idx ON engine.actions (type, target_id)
      WHERE dry_run = false;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS engine.actions_live_target_idx');
  await knex('engine.policies').where({ name: 'fix_budget', version: 1, changed_by: 'migration' }).del();
}
