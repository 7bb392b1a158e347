// engine.alert_deliveries: one row per alert delivery to one channel (engine/alerts/routing.ts decides them);
// the unique dedupe_key makes a retried or repeated decision deliver once. Additive: nothing existing changes.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS engine.alert_deliveries (
      id bigserial PRIMARY KEY,
      finding_id bigint NOT NULL REFERENCES engine.findings(id),
      alert_id bigint REFERENCES engine.alerts(id),   -- the monitor's alert row, when one raised it
      cycle_id text REFERENCES engine.cycles(id),     -- the cycle whose decision it was
      channel text NOT NULL,                          -- the routing policy's channel name
      kind text NOT NULL CHECK (kind IN ('trigger','resolve','remind')),
      dedupe_key text NOT NULL UNIQUE,                -- <fingerprint>:<channel>:<kind>:<episode>[:<reminder>]
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','failed','skipped')), -- skipped: a dry run
      dry_run boolean NOT NULL DEFAULT true,
      attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      last_error text,
      response jsonb,                                 -- the provider's answer to the delivered attempt
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz
    );
    -- Routing reads a finding's deliveries per channel; the sender picks up pending ones.
    CREATE INDEX IF NOT EXISTS alert_deliveries_finding_idx ON engine.alert_deliveries (finding_id, channel, created_at);
    CREATE INDEX IF NOT EXISTS alert_deliveries_pending_idx ON engine.alert_deliveries (created_at) WHERE status = 'pending';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS engine.alert_deliveries');
}
