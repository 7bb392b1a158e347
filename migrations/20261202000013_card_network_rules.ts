// Card-network retry rules (docs/safety.md#card-network-retry-rules): the optional contract columns
// app.payments.card_brand, payment_method_ref and advice_code on the demo schema, the index the caps count
// a card's retries through, and version 1 of the policy `card_network_rules`.
// A platform that maps app.payments to a view of its own keeps it: the columns are added only to a table.
import type { Knex } from 'knex';
import { DEFAULT_CARD_NETWORK_RULES } from '../engine/safety/card-network-rules';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    DO $$
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'app' AND c.relname = 'payments' AND c.relkind IN ('r', 'p')) THEN
        ALTER TABLE app.payments
          ADD COLUMN IF NOT EXISTS card_brand text,
          ADD COLUMN IF NOT EXISTS payment_method_ref text,
          ADD COLUMN IF NOT EXISTS advice_code text;
        CREATE INDEX IF NOT EXISTS payments_method_idx ON app.payments (payment_method_ref, attempted_at)
          WHERE payment_method_ref IS NOT NULL;
      END IF;
    END $$;
  `);
  await knex('engine.policies')
    .insert({
      name: 'card_network_rules',
      version: 1,
      value: JSON.stringify(DEFAULT_CARD_NETWORK_RULES),
      changed_by: 'migration',
    })
    .onConflict(['name', 'version'])
    .ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex('engine.policies').where({ name: 'card_network_rules', version: 1, changed_by: 'migration' }).del();
  await knex.raw(`
    DO $$
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'app' AND c.relname = 'payments' AND c.relkind IN ('r', 'p')) THEN
        DROP INDEX IF EXISTS app.payments_method_idx;
        ALTER TABLE app.payments
          DROP COLUMN IF EXISTS card_brand, DROP COLUMN IF EXISTS payment_method_ref, DROP COLUMN IF EXISTS advice_code;
      END IF;
    END $$;
  `);
}
