// The Stripe views of docs/connect-your-platform.md, run as written on real PostgreSQL over a `stripe` schema
// shaped like a Stripe→Postgres sync: they create, meet the data contract, and map statuses, MRR and
// decline codes as the page says.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CONTRACT } from '../../db/contract';
import { contractGaps } from '../../db/contract-gaps';
import { listAppColumns } from '../../db/queries/app-columns';
import { repoRoot } from '../../platform/paths';
import { createTestDb, type TestDb } from '../helpers/db';

const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'connect-your-platform.md'), 'utf8');
const sqlBlocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
const block = (marker: string) => {
  const found = sqlBlocks.find((b) => b.includes(marker));
  if (!found) throw new Error(`no sql block with ${marker} in docs/connect-your-platform.md`);
  return found;
};

let t: TestDb;

/** Runs SQL as written (knex would read the jsonb `?` operator as a binding). */
async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
const T = (iso: string) => Math.floor(Date.parse(iso) / 1000);

beforeAll(async () => {
  t = await createTestDb('stripe_views');
  await t.db.raw(`
    CREATE SCHEMA stripe;
    CREATE TABLE stripe.customers (id text PRIMARY KEY, email text, metadata jsonb NOT NULL DEFAULT '{}', created integer);
    CREATE TABLE stripe.products (id text PRIMARY KEY, name text);
    CREATE TABLE stripe.prices (id text PRIMARY KEY, product text, nickname text, type text, unit_amount bigint, recurring jsonb);
    CREATE TABLE stripe.subscriptions (id text PRIMARY KEY, customer text, status text, start_date integer,
      canceled_at integer, ended_at integer, current_period_end integer);
    CREATE TABLE stripe.subscription_items (id text PRIMARY KEY, subscription text, price text, quantity integer);
    CREATE TABLE stripe.invoices (id text PRIMARY KEY, subscription text, attempt_count integer, next_payment_attempt integer);
    CREATE TABLE stripe.charges (id text PRIMARY KEY, invoice text, amount bigint, status text, refunded boolean,
      failure_code text, outcome jsonb, created integer, payment_method text, payment_method_details jsonb);
  `);
  await sql(
    `INSERT INTO stripe.customers VALUES ('cus_A', 'a@x.io', '{"account_id":"101"}', 0), ('cus_B', 'b@x.io', '{}', 0);
     INSERT INTO stripe.products VALUES ('prod_1', 'Pro');
     INSERT INTO stripe.prices VALUES ('price_m', 'prod_1', null, 'recurring', 2000, '{"interval":"month","interval_count":1}'),
                                      ('price_y', 'prod_1', 'Pro yearly', 'recurring', 24000, '{"interval":"year","interval_count":1}'),
                                      ('price_once', 'prod_1', null, 'one_time', 500, null);
     INSERT INTO stripe.subscriptions VALUES ('sub_1', 'cus_A', 'unpaid', ${T('2026-01-01T00:00:00Z')}, null, null, ${T('2026-12-01T00:00:00Z')}),
                                             ('sub_2', 'cus_A', 'active', ${T('2026-02-01T00:00:00Z')}, null, null, ${T('2027-02-01T00:00:00Z')}),
                                             ('sub_orphan', 'cus_B', 'active', ${T('2026-03-01T00:00:00Z')}, null, null, null);
     INSERT INTO stripe.subscription_items VALUES ('si_1', 'sub_1', 'price_m', 2), ('si_2', 'sub_2', 'price_y', 1);
     INSERT INTO stripe.invoices VALUES ('in_1', 'sub_1', 3, ${T('2026-11-22T00:00:00Z')}), ('in_2', null, 1, null);
     INSERT INTO stripe.charges VALUES
       ('ch_1', 'in_1', 4000, 'failed', false, 'card_declined', '{"reason":"insufficient_funds","network_advice_code":"02"}',
        ${T('2026-11-19T00:00:00Z')}, 'pm_card_1', '{"type":"card","card":{"brand":"mastercard"}}'),
       ('ch_2', 'in_1', 4000, 'failed', false, 'expired_card', '{"reason":"expired_card","network_decline_code":"54"}',
        ${T('2026-11-20T00:00:00Z')}, 'pm_card_2', '{"type":"card","card":{"brand":"visa"}}'),
       ('ch_3', 'in_2', 500, 'succeeded', false, null, null, ${T('2026-11-20T00:00:00Z')}, null, null);`,
  );
  // The page's step 1 drops the whole schema; here only the three tables the Stripe views replace.
  await sql('DROP TABLE app.plans, app.subscriptions, app.payments');
  for (const marker of [
    'FUNCTION floyo_map.bigint_id',
    'VIEW app.plans',
    'VIEW app.subscriptions',
    'VIEW app.payments',
  ]) {
    await sql(block(marker));
  }
});
afterAll(() => t?.drop());

describe('Stripe views of docs/connect-your-platform.md', () => {
  it('meet the data contract', async () => {
    expect(contractGaps(APP_CONTRACT, await listAppColumns(t.db))).toEqual([]);
  });

  it('map plans, statuses and MRR, and leave out customers without an account', async () => {
    const plans = await t.db('app.plans').orderBy('price_cents');
    expect(plans.map((p) => [p.name, p.price_cents, p.interval])).toEqual([
      ['Pro', 2000, 'month'],
      ['Pro yearly', 24000, 'year'],
    ]);
    const subs = await t.db('app.subscriptions').orderBy('started_at');
    expect(subs.map((s) => [Number(s.user_id), s.status, s.mrr_cents])).toEqual([
      [101, 'past_due', 4000],
      [101, 'active', 2000],
    ]);
    expect(subs[0].started_at.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('payments: only subscription invoices, with the decline code from outcome.reason', async () => {
    const payments = await t.db('app.payments').orderBy('attempted_at');
    expect(payments.map((p) => [p.provider_ref, p.status, p.failure_code, p.attempt_count])).toEqual([
      ['ch_1', 'failed', 'insufficient_funds', 3],
      ['ch_2', 'failed', 'expired_card', 3],
    ]);
    const [sub] = await t.db('app.subscriptions').where({ status: 'past_due' });
    expect(payments.every((p) => p.subscription_id === sub.id)).toBe(true);
    expect(payments[0].next_retry_at.toISOString()).toBe('2026-11-22T00:00:00.000Z');
    // The optional card columns: Mastercard's merchant advice code, Visa's response code.
    expect(payments.map((p) => [p.card_brand, p.payment_method_ref, p.advice_code])).toEqual([
      ['mastercard', 'pm_card_1', '02'],
      ['visa', 'pm_card_2', '54'],
    ]);
  });
});
