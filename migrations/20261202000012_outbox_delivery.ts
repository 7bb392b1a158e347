// Durable delivery: each outbox row names the channel that delivers it and carries its delivery state. The relay
// claims due rows of its channel with a lease (next_attempt_at moves past the lease, claim_token marks the claim)
// and records per message: delivered, bounced (a permanent refusal), or failed after the last attempt.
// Rows written before this migration keep channel 'outbox' (the platform's own mailer), so no relay re-sends them.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE engine.outbox
      ADD COLUMN IF NOT EXISTS channel text NOT NULL DEFAULT 'outbox' CHECK (channel IN ('outbox','smtp','webhook')),
      ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','delivered','bounced','failed')),
      ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0,
      ADD COLUMN IF NOT EXISTS next_attempt_at timestamptz NOT NULL DEFAULT now(),
      ADD COLUMN IF NOT EXISTS claim_token text,
      ADD COLUMN IF NOT EXISTS last_attempt_at timestamptz,
      ADD COLUMN IF NOT EXISTS last_error text,
      ADD COLUMN IF NOT EXISTS provider_message_id text,
      ADD COLUMN IF NOT EXISTS completed_at timestamptz;
    -- The relay's claim: due queued rows of one channel, oldest due first.
    CREATE INDEX IF NOT EXISTS outbox_relay_due_idx ON engine.outbox (channel, next_attempt_at, id)
      WHERE status = 'queued' AND channel <> 'outbox';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS engine.outbox_relay_due_idx;
    ALTER TABLE engine.outbox
      DROP COLUMN IF EXISTS channel, DROP COLUMN IF EXISTS status, DROP COLUMN IF EXISTS attempts,
      DROP COLUMN IF EXISTS next_attempt_at, DROP COLUMN IF EXISTS claim_token, DROP COLUMN IF EXISTS last_attempt_at,
      DROP COLUMN IF EXISTS last_error, DROP COLUMN IF EXISTS provider_message_id, DROP COLUMN IF EXISTS completed_at;
  `);
}
