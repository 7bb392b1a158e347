// Guardrails of the message types (engine/guardrails, docs/safety.md#guardrails): version 1 of the
// `guardrails` policy; engine.guardrail_results, the latest result per (type, metric) — the always-valid
// p-value is a running minimum over the looks, so the previous look's is kept here, with the definition
// version and start of the stream it belongs to — and the index the guardrail query scans: live treated
// and held-out user actions of a type by executed_at.
import type { Knex } from 'knex';

// Written out rather than imported: a migration's row stays what it was when a later default changes.
const GUARDRAILS_V1 = {
  alpha: 0.01,
  tau: 0.05,
  minPerArm: 100,
  metrics: {
    unsubscribe: { severity: 'minor', margin: 0.02 },
    complaint: { severity: 'major', margin: 0.005 },
    churn: { severity: 'major', margin: 0.02 },
    downgrade: { severity: 'minor', margin: 0.02 },
  },
};

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS engine.guardrail_results (
      action_type text NOT NULL,
      metric text NOT NULL,
      verdict text NOT NULL CHECK (verdict IN ('ok','inconclusive','breach_minor','breach_major')),
      action text CHECK (action IN ('pause','cancel_and_demote')),  -- what the verdict calls for; null = nothing
      severity text NOT NULL CHECK (severity IN ('minor','major')),
      margin double precision NOT NULL,       -- the policy's margin at this look
      treated jsonb NOT NULL,                 -- { actions, users, affected, events, rate }
      holdout jsonb NOT NULL,
      difference double precision,            -- rate_treated - rate_holdout
      p_value double precision NOT NULL CHECK (p_value >= 0 AND p_value <= 1),  -- always valid: min over looks
      interval_low double precision,
      interval_high double precision,
      alpha double precision NOT NULL,
      reason text NOT NULL,
      looks integer NOT NULL DEFAULT 1 CHECK (looks >= 1),
      definition_version integer NOT NULL,    -- the type's definition version the stream runs at
      stream_since timestamptz,               -- actions executed from here count; null = the whole history
      cycle_id text NOT NULL,                 -- the cycle of the latest look
      evaluated_at timestamptz NOT NULL,      -- that cycle's logical now
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (action_type, metric)
    );
    CREATE INDEX IF NOT EXISTS actions_guardrail_idx ON engine.actions (type, executed_at)
      WHERE dry_run = false AND status IN ('executed', 'holdout') AND target_type = 'user';
    DO $$ BEGIN
      IF to_regproc('engine.watch_changes') IS NOT NULL THEN PERFORM engine.watch_changes('engine.guardrail_results'); END IF;
    END $$;
  `);
  await knex('engine.policies')
    .insert({ name: 'guardrails', version: 1, value: JSON.stringify(GUARDRAILS_V1), changed_by: 'migration' })
    .onConflict(['name', 'version'])
    .ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex('engine.policies').where({ name: 'guardrails', version: 1, changed_by: 'migration' }).del();
  await knex.raw(`
    DROP INDEX IF EXISTS engine.actions_guardrail_idx;
    DROP TABLE IF EXISTS engine.guardrail_results;
  `);
}
