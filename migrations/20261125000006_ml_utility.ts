// Version 1 of the threshold-utility weights (engine/learning/suggestions.ts): a shown suggestion that
// is applied is worth 1, one that is dismissed costs 0.5. Admins change them like any threshold.
import type { Knex } from 'knex';

const thresholds: Record<string, number> = { 'ml.applied_gain': 1, 'ml.dismiss_cost': 0.5 };

export async function up(knex: Knex): Promise<void> {
  await knex('engine.thresholds')
    .insert(Object.entries(thresholds).map(([name, value]) => ({ name, version: 1, value, changed_by: 'migration' })))
    .onConflict(['name', 'version'])
    .ignore();
  // The ML routes read the suggestion-feedback trend across cycles.
  await knex.raw('CREATE INDEX IF NOT EXISTS learnings_kind_time_idx ON engine.learnings (kind, created_at DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS engine.learnings_kind_time_idx');
  await knex('engine.thresholds')
    .whereIn('name', Object.keys(thresholds))
    .where({ version: 1, changed_by: 'migration' })
    .del();
}
