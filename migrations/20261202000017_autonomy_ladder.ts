// The autonomy ladder (docs/safety.md#autonomy-ladder) and the sample-ratio-mismatch check
// (docs/learning.md#sample-ratio-mismatch): one row per action type with its level (shadow | approval | auto),
// the definition version it was placed at, an admin's pin and the evidence of its last evaluation; actions
// may be recorded in mode 'shadow' (status 'shadowed': would have done, no effect); versions 1 of the
// policies `srm` and `autonomy_ladder`.
// Every type that existed before the ladder starts at 'auto': at that level the gates decide exactly as
// before (confidence, caps, demotion), so nothing already running changes. A type added later has no row
// and starts in shadow.
import type { Knex } from 'knex';
import { ACTION_DEFINITION_VERSIONS } from '../engine/autonomy/levels';

const EXISTING_TYPES = [
  'retry_payment',
  'cancel_orphaned_subscription',
  'normalize_email',
  'data_fix_review',
  'retention_campaign',
  'onboarding_nudge',
  'upgrade_offer',
  'funnel_recommendation',
  'proactive_retention',
  'investigate_system_health',
] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS engine.autonomy_levels (
      action_type text PRIMARY KEY,
      level text NOT NULL CHECK (level IN ('shadow','approval','auto')),
      definition_version integer NOT NULL CHECK (definition_version >= 1),
      level_since timestamptz NOT NULL DEFAULT now(),
      reason text NOT NULL,
      pinned boolean NOT NULL DEFAULT false,
      pinned_by text,
      pinned_reason text,
      pinned_at timestamptz,
      evidence jsonb NOT NULL DEFAULT '{}'::jsonb,
      next_step text,
      evaluated_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    ALTER TABLE engine.actions DROP CONSTRAINT IF EXISTS actions_mode_check;
    ALTER TABLE engine.actions ADD CONSTRAINT actions_mode_check
      CHECK (mode IN ('auto','needs_approval','recommendation','shadow'));
    CREATE INDEX IF NOT EXISTS actions_shadowed_idx ON engine.actions (type, created_at) WHERE status = 'shadowed';
    -- The api's read cache hears of changes to the new table too (when the change notification exists already).
    DO $$ BEGIN
      IF to_regproc('engine.watch_changes') IS NOT NULL THEN PERFORM engine.watch_changes('engine.autonomy_levels'); END IF;
    END $$;
  `);
  await knex('engine.autonomy_levels')
    .insert(
      EXISTING_TYPES.map((t) => ({
        action_type: t,
        level: 'auto',
        definition_version: ACTION_DEFINITION_VERSIONS[t],
        reason: 'existed before the autonomy ladder: the gates decide as before',
      })),
    )
    .onConflict('action_type')
    .ignore();
  await knex('engine.policies')
    .insert([
      { name: 'srm', version: 1, value: JSON.stringify({ pValue: 0.001, windowDays: 30 }), changed_by: 'migration' },
      {
        name: 'autonomy_ladder',
        version: 1,
        value: JSON.stringify({ minShadowDecisions: 50, minOutcomes: 100 }),
        changed_by: 'migration',
      },
    ])
    .onConflict(['name', 'version'])
    .ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex('engine.policies')
    .whereIn('name', ['srm', 'autonomy_ladder'])
    .andWhere({ version: 1, changed_by: 'migration' })
    .del();
  await knex.raw(`
    DROP INDEX IF EXISTS engine.actions_shadowed_idx;
    UPDATE engine.actions SET mode = 'recommendation' WHERE mode = 'shadow';
    ALTER TABLE engine.actions DROP CONSTRAINT IF EXISTS actions_mode_check;
    ALTER TABLE engine.actions ADD CONSTRAINT actions_mode_check CHECK (mode IN ('auto','needs_approval','recommendation'));
    DROP TABLE IF EXISTS engine.autonomy_levels;
  `);
}
