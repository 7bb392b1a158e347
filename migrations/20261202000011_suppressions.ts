// engine.suppressions: addresses the engine must never message again (one-click unsubscribe, complaints,
// bounces, an operator's hand), keyed by the normalized address so every spelling of one mailbox matches.
// Additive: nothing existing changes.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS engine.suppressions (
      address text PRIMARY KEY CHECK (address = lower(btrim(address)) AND address <> ''), -- lower(btrim(email))
      user_id bigint,                                 -- the app.users row the address belonged to, when known
      reason text NOT NULL CHECK (reason IN ('unsubscribe','complaint','bounce','manual')),
      source text NOT NULL,                           -- what recorded it, e.g. list-unsubscribe-one-click
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX IF NOT EXISTS suppressions_user_idx ON engine.suppressions (user_id) WHERE user_id IS NOT NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS engine.suppressions');
}
