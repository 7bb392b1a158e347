// Campaigns (docs/campaigns.md): the message actions one phase of one cycle planned for one type are one
// campaign, decided once (one gate decision, one approval) and sent by a rate-controlled rollout workflow
// in waves. The per-recipient actions stay in engine.actions (effects, idempotency keys, caps, outcomes),
// linked by campaign_id with their place in the send order (campaign_seq). Version 1 of the policy
// `campaign_rollout`: the ramp, the concurrency of a wave and the error rate that halts the rollout.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS engine.campaigns (
      id text PRIMARY KEY,
      cycle_id text NOT NULL REFERENCES engine.cycles(id),
      phase text NOT NULL,
      type text NOT NULL,
      status text NOT NULL CHECK (status IN ('dry_run','shadow','blocked','pending_approval','approved',
        'rejected','expired','running','paused','halted','cancelled','completed')),
      status_reason text,
      dry_run boolean NOT NULL,
      cohort jsonb NOT NULL,
      size integer NOT NULL,
      recipients integer NOT NULL,
      held_out integer NOT NULL,
      excluded jsonb NOT NULL DEFAULT '{}'::jsonb,
      expected_impact jsonb NOT NULL DEFAULT '{}'::jsonb,
      preview jsonb NOT NULL DEFAULT '{}'::jsonb,
      ramp jsonb NOT NULL,
      progress jsonb NOT NULL DEFAULT '{}'::jsonb,
      workflow_id text,
      deadline timestamptz,
      decided_by text,
      decision_reason text,
      decided_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (cycle_id, phase, type)
    );
    CREATE INDEX IF NOT EXISTS campaigns_status_idx ON engine.campaigns (status, created_at DESC);
    ALTER TABLE engine.actions ADD COLUMN IF NOT EXISTS campaign_id text REFERENCES engine.campaigns(id);
    ALTER TABLE engine.actions ADD COLUMN IF NOT EXISTS campaign_seq integer;
    CREATE INDEX IF NOT EXISTS actions_campaign_idx ON engine.actions (campaign_id, campaign_seq)
      WHERE campaign_id IS NOT NULL;
    DO $$ BEGIN
      IF to_regproc('engine.watch_changes') IS NOT NULL THEN PERFORM engine.watch_changes('engine.campaigns'); END IF;
    END $$;
  `);
  await knex('engine.policies')
    .insert({
      name: 'campaign_rollout',
      version: 1,
      value: JSON.stringify({
        ramp: [0.01, 0.05, 0.25, 1],
        maxConcurrency: 4,
        maxErrorRate: 0.1,
        waveIntervalSeconds: 0,
        cycleWaitSeconds: 600,
      }),
      changed_by: 'migration',
    })
    .onConflict(['name', 'version'])
    .ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex('engine.policies').where({ name: 'campaign_rollout', version: 1, changed_by: 'migration' }).del();
  await knex.raw(`
    DROP INDEX IF EXISTS engine.actions_campaign_idx;
    ALTER TABLE engine.actions DROP COLUMN IF EXISTS campaign_seq;
    ALTER TABLE engine.actions DROP COLUMN IF EXISTS campaign_id;
    DROP TABLE IF EXISTS engine.campaigns;
  `);
}
