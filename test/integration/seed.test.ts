// The demo-data generator against a real PostgreSQL: every manifest number equals an independent SQL
// count of the data (written here, from the field definitions, not taken from the generator), the
// healthy part of the data holds none of the planted problems, the shapes are realistic, and the
// data is a pure function of (users, seed, now).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db';
import { seedDemoData } from '../../scripts/seed/generate';
import type { SeedManifest } from '../../scripts/seed/manifest';
import { parseSeedArgs } from '../../scripts/seed/args';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const USERS = 5000;
const SEED = 7;
const DAY = 86_400_000;
const EMAIL_OK = '^[a-z0-9._%+-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}$';
const HARD = [
  'stolen_card',
  'lost_card',
  'fraudulent',
  'pickup_card',
  'restricted_card',
  'security_violation',
  'invalid_account',
  'expired_card',
  'incorrect_number',
  'card_not_supported',
  'do_not_try_again',
  'revocation_of_authorization',
  'revocation_of_all_authorizations',
  'stop_payment_order',
];
const TABLES = ['users', 'events', 'plans', 'subscriptions', 'payments', 'suggestions', 'acquisition_spend'] as const;

let t: TestDb;
let manifest: SeedManifest;

async function rows<T = Record<string, unknown>>(sql: string, bindings: unknown[] = []): Promise<T[]> {
  const res = (await t.db.raw(sql, bindings as never)) as { rows: T[] };
  return res.rows;
}

async function num(sql: string, bindings: unknown[] = []): Promise<number> {
  const [row] = await rows(sql, bindings);
  return Number(Object.values(row ?? {})[0]);
}

/** md5 of every row of every app table, in key order: equal checksums mean byte-identical data. */
async function checksums(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const order = table === 'acquisition_spend' ? 'x.channel, x.month' : 'x.id';
    const [r] = await rows<{ h: string }>(
      `SELECT md5(string_agg(x::text, ',' ORDER BY ${order})) AS h FROM app.${table} x`,
    );
    out[table] = r!.h;
  }
  return out;
}

beforeAll(async () => {
  t = await createTestDb('seed');
  manifest = await seedDemoData(t.db, { users: USERS, seed: SEED, now: NOW });
});

afterAll(() => t?.drop());

describe('seedDemoData', () => {
  it('returns a manifest with its options and the exact row count of each table', async () => {
    expect(manifest.seed).toBe(SEED);
    expect(manifest.users).toBe(USERS);
    expect(manifest.now).toBe('2026-11-20T12:00:00.000Z');
    const counts = {
      users: await num('SELECT count(*) FROM app.users'),
      events: await num('SELECT count(*) FROM app.events'),
      plans: await num('SELECT count(*) FROM app.plans'),
      subscriptions: await num('SELECT count(*) FROM app.subscriptions'),
      payments: await num('SELECT count(*) FROM app.payments'),
      suggestions: await num('SELECT count(*) FROM app.suggestions'),
      acquisitionSpendRows: await num('SELECT count(*) FROM app.acquisition_spend'),
    };
    expect(manifest.counts).toEqual(counts);
    expect(counts.users).toBe(USERS);
    expect(counts.plans).toBe(7);
    expect(counts.acquisitionSpendRows).toBe(20);
    // About 20 events per user, as at 1M users / 20M events.
    expect(counts.events / USERS).toBeGreaterThan(12);
    expect(counts.events / USERS).toBeLessThan(30);
  });

  it('plants problem counts that scale with the user count (about 0.5% each)', () => {
    expect(manifest.planted).toEqual({
      orphanedActiveSubscriptions: 15,
      nullEmails: 20,
      malformedEmails: 25,
      unnormalizedEmails: 25,
      duplicateEmailGroups: 10,
      duplicateEmailUsers: 24,
      futureEvents: 25,
      subscriptionsMissingPlan: 10,
      negativeAmounts: 10,
      retryableFailedPayments: 25,
      softDeclinesNotDue: 15,
      softDeclinesExhausted: 10,
      hardDeclines: 15,
      stuckPayments: 5,
    });
  });

  it('holds exactly the planted count of every problem (independent SQL counts)', async () => {
    const p = manifest.planted;
    expect(
      await num(`SELECT count(*) FROM app.subscriptions s
                  WHERE s.status = 'active'
                    AND NOT EXISTS (SELECT 1 FROM app.users u WHERE u.id = s.user_id AND u.deleted_at IS NULL)`),
    ).toBe(p.orphanedActiveSubscriptions);
    // Both kinds of orphan are present.
    expect(
      await num(
        `SELECT count(*) FROM app.subscriptions s WHERE s.status = 'active' AND NOT EXISTS (SELECT 1 FROM app.users u WHERE u.id = s.user_id)`,
      ),
    ).toBeGreaterThan(0);
    expect(
      await num(
        `SELECT count(*) FROM app.subscriptions s JOIN app.users u ON u.id = s.user_id WHERE s.status = 'active' AND u.deleted_at IS NOT NULL`,
      ),
    ).toBeGreaterThan(0);

    expect(await num('SELECT count(*) FROM app.users WHERE email IS NULL')).toBe(p.nullEmails);
    expect(
      await num(`SELECT count(*) FROM app.users WHERE email IS NOT NULL AND lower(btrim(email)) !~ ?`, [EMAIL_OK]),
    ).toBe(p.malformedEmails);
    expect(
      await num(
        `SELECT count(*) FROM app.users u
          WHERE u.email <> lower(btrim(u.email)) AND lower(btrim(u.email)) ~ ?
            AND (SELECT count(*) FROM app.users o WHERE lower(btrim(o.email)) = lower(btrim(u.email))) = 1`,
        [EMAIL_OK],
      ),
    ).toBe(p.unnormalizedEmails);

    const [dup] = await rows<{ groups: number; users: number }>(
      `SELECT count(*) AS groups, sum(n) AS users FROM (
         SELECT lower(btrim(email)), count(*) AS n FROM app.users
          WHERE deleted_at IS NULL AND email IS NOT NULL GROUP BY 1 HAVING count(*) >= 2) g`,
    );
    expect(Number(dup!.groups)).toBe(p.duplicateEmailGroups);
    expect(Number(dup!.users)).toBe(p.duplicateEmailUsers);

    expect(await num('SELECT count(*) FROM app.events WHERE occurred_at > ?', [NOW])).toBe(p.futureEvents);
    expect(
      await num(
        'SELECT count(*) FROM app.subscriptions s LEFT JOIN app.plans p ON p.id = s.plan_id WHERE p.id IS NULL',
      ),
    ).toBe(p.subscriptionsMissingPlan);
    expect(await num('SELECT count(*) FROM app.payments WHERE amount_cents < 0')).toBe(p.negativeAmounts);

    const failed = `FROM app.payments WHERE status = 'failed'`;
    const soft = `NOT (lower(btrim(coalesce(failure_code, ''))) = ANY (?::text[]))`;
    expect(
      await num(`SELECT count(*) ${failed} AND ${soft} AND attempt_count < 4 AND next_retry_at <= ?`, [HARD, NOW]),
    ).toBe(p.retryableFailedPayments);
    expect(
      await num(`SELECT count(*) ${failed} AND ${soft} AND attempt_count < 4 AND next_retry_at > ?`, [HARD, NOW]),
    ).toBe(p.softDeclinesNotDue);
    expect(await num(`SELECT count(*) ${failed} AND ${soft} AND attempt_count >= 4`, [HARD])).toBe(
      p.softDeclinesExhausted,
    );
    expect(await num(`SELECT count(*) ${failed} AND lower(btrim(failure_code)) = ANY (?::text[])`, [HARD])).toBe(
      p.hardDeclines,
    );
    expect(
      await num(`SELECT count(*) FROM app.payments WHERE status = 'pending' AND attempted_at < ?`, [
        new Date(NOW.getTime() - DAY),
      ]),
    ).toBe(p.stuckPayments);
  });

  it('keeps the healthy data free of every planted kind of problem', async () => {
    const p = manifest.planted;
    // Every failed payment is in exactly one planted category (none unscheduled, none uncoded).
    expect(await num(`SELECT count(*) FROM app.payments WHERE status = 'failed'`)).toBe(
      p.retryableFailedPayments + p.softDeclinesNotDue + p.softDeclinesExhausted + p.hardDeclines,
    );
    expect(
      await num(
        `SELECT count(*) FROM app.payments WHERE status = 'failed' AND (failure_code IS NULL OR btrim(failure_code) = '')`,
      ),
    ).toBe(0);
    expect(
      await num(
        `SELECT count(*) FROM app.payments WHERE status = 'failed' AND attempt_count < 4 AND next_retry_at IS NULL
                        AND NOT lower(btrim(failure_code)) = ANY (?::text[])`,
        [HARD],
      ),
    ).toBe(0);
    expect(
      await num(
        'SELECT count(*) FROM app.payments p WHERE NOT EXISTS (SELECT 1 FROM app.subscriptions s WHERE s.id = p.subscription_id)',
      ),
    ).toBe(0);
    // Emails outside the planted ones are the canonical user{id}@domain, unique and normalized.
    expect(
      await num(
        `SELECT count(*) FROM app.users
          WHERE email IS NOT NULL AND email = lower(btrim(email)) AND email ~ ? AND email !~ ('^user' || id || '@') AND email !~ '^shared[0-9]+@'`,
        [EMAIL_OK],
      ),
    ).toBe(0);
    // Normal failure rate does not spike in the last 24h (the planted failures are older).
    expect(
      await num(`SELECT count(*) FROM app.payments WHERE status = 'failed' AND attempted_at > ?`, [
        new Date(NOW.getTime() - DAY),
      ]),
    ).toBe(0);
    // Fresh events exist in the last 6h, none dated after now except the planted ones.
    expect(
      await num('SELECT count(*) FROM app.events WHERE occurred_at > ? AND occurred_at <= ?', [
        new Date(NOW.getTime() - DAY / 4),
        NOW,
      ]),
    ).toBeGreaterThan(100);
  });

  it('has realistic user shapes: 90 days of signups, ~30% activated, D7 retention near 0.25', async () => {
    const [u] = await rows<{
      first: Date;
      last: Date;
      channels: string[];
      activated: number;
      within7: number;
      late: number;
    }>(
      `SELECT min(created_at) AS first, max(created_at) AS last, array_agg(DISTINCT acquisition_channel ORDER BY acquisition_channel) AS channels,
              avg((activated_at IS NOT NULL)::int) AS activated,
              avg((activated_at <= created_at + interval '7 days')::int) FILTER (WHERE activated_at IS NOT NULL) AS within7,
              count(*) FILTER (WHERE activated_at > created_at + interval '7 days') AS late
         FROM app.users`,
    );
    expect(new Date(u!.first).getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 91 * DAY);
    expect(new Date(u!.last).getTime()).toBeLessThanOrEqual(NOW.getTime());
    expect(u!.channels).toEqual(['organic', 'paid_search', 'partner', 'referral', 'social']);
    expect(Number(u!.activated)).toBeGreaterThan(0.2);
    expect(Number(u!.activated)).toBeLessThan(0.4);
    expect(Number(u!.within7)).toBeGreaterThan(0.75);
    expect(Number(u!.late)).toBeGreaterThan(0);
    // Growth: the last 30 days hold more signups than the 30 days before 60 days ago.
    const recent = await num(`SELECT count(*) FROM app.users WHERE created_at >= ?::timestamptz - interval '30 days'`, [
      NOW,
    ]);
    const early = await num(`SELECT count(*) FROM app.users WHERE created_at < ?::timestamptz - interval '60 days'`, [
      NOW,
    ]);
    expect(recent).toBeGreaterThan(early * 1.2);

    // The KPI cohort C: signups in [now − 37d, now − 7d), live.
    const cohort = `FROM app.users u WHERE u.deleted_at IS NULL AND u.created_at >= ?::timestamptz - interval '37 days' AND u.created_at < ?::timestamptz - interval '7 days'`;
    const [k] = await rows<{ n: number; act: number; d7: number }>(
      `SELECT count(*) AS n,
              avg(coalesce(u.activated_at - u.created_at <= interval '7 days', false)::int) AS act,
              avg((EXISTS (SELECT 1 FROM app.events e WHERE e.user_id = u.id
                             AND e.occurred_at >= u.created_at + interval '7 days' AND e.occurred_at < u.created_at + interval '8 days'))::int) AS d7
         ${cohort}`,
      [NOW, NOW],
    );
    expect(Number(k!.n)).toBeGreaterThan(1000);
    expect(Number(k!.act)).toBeGreaterThan(0.2);
    expect(Number(k!.act)).toBeLessThan(0.4);
    expect(Number(k!.d7)).toBeGreaterThan(0.15);
    expect(Number(k!.d7)).toBeLessThan(0.3);
  });

  it('has realistic event shapes: consistent last_seen_at, decaying activity, activated users more active', async () => {
    // last_seen_at is each user's newest event at or before now.
    expect(
      await num(
        `SELECT count(*) FROM app.users u
          WHERE u.last_seen_at IS DISTINCT FROM (SELECT max(e.occurred_at) FROM app.events e WHERE e.user_id = u.id AND e.occurred_at <= ?)`,
        [NOW],
      ),
    ).toBe(0);
    const names = (await rows<{ name: string }>('SELECT DISTINCT name FROM app.events ORDER BY name')).map(
      (r) => r.name,
    );
    expect(names).toEqual([
      'feature_used',
      'invite_sent',
      'login',
      'onboarding_completed',
      'onboarding_started',
      'project_created',
      'signup',
    ]);
    // Every user has exactly one signup event, at created_at.
    expect(
      await num(
        `SELECT count(*) FROM app.users u WHERE (SELECT count(*) FROM app.events e WHERE e.user_id = u.id AND e.name = 'signup' AND e.occurred_at = u.created_at) <> 1`,
      ),
    ).toBe(0);

    // Among users at least 21 days old: more events in their first week than in their third.
    const [w] = await rows<{ week1: number; week3: number }>(
      `SELECT count(*) FILTER (WHERE e.occurred_at < u.created_at + interval '7 days') AS week1,
              count(*) FILTER (WHERE e.occurred_at >= u.created_at + interval '14 days' AND e.occurred_at < u.created_at + interval '21 days') AS week3
         FROM app.users u JOIN app.events e ON e.user_id = u.id
        WHERE u.created_at < ?::timestamptz - interval '21 days'`,
      [NOW],
    );
    expect(Number(w!.week1)).toBeGreaterThan(Number(w!.week3) * 1.3);

    const [a] = await rows<{ activated: number; other: number; onb_act: number; onb_other: number }>(
      `SELECT avg(n) FILTER (WHERE activated) AS activated, avg(n) FILTER (WHERE NOT activated) AS other,
              avg(onb::int) FILTER (WHERE activated) AS onb_act, avg(onb::int) FILTER (WHERE NOT activated) AS onb_other
         FROM (SELECT u.activated_at IS NOT NULL AS activated,
                      (SELECT count(*) FROM app.events e WHERE e.user_id = u.id) AS n,
                      EXISTS (SELECT 1 FROM app.events e WHERE e.user_id = u.id AND e.name = 'onboarding_completed') AS onb
                 FROM app.users u WHERE u.created_at < ?::timestamptz - interval '30 days') x`,
      [NOW],
    );
    expect(Number(a!.activated)).toBeGreaterThan(Number(a!.other) * 3);
    expect(Number(a!.onb_act)).toBeGreaterThan(0.7);
    expect(Number(a!.onb_other)).toBeLessThan(0.35);
  });

  it('has consistent billing: plan prices, MRR, monthly payments, churn, trials', async () => {
    const plans = await rows<{ name: string; price_cents: number; interval: string }>(
      'SELECT name, price_cents, interval FROM app.plans ORDER BY id',
    );
    expect(plans.filter((p) => p.interval === 'month').map((p) => [p.name, p.price_cents])).toEqual([
      ['free', 0],
      ['starter', 1900],
      ['pro', 4900],
      ['business', 19900],
    ]);
    expect(plans.filter((p) => p.interval === 'year')).toHaveLength(3);
    // MRR matches the plan: the price for monthly plans, a twelfth (rounded) for yearly ones.
    expect(
      await num(`SELECT count(*) FROM app.subscriptions s JOIN app.plans p ON p.id = s.plan_id
                  WHERE s.mrr_cents <> CASE p.interval WHEN 'year' THEN round(p.price_cents / 12.0) ELSE p.price_cents END`),
    ).toBe(0);
    const statuses = (await rows<{ status: string }>('SELECT DISTINCT status FROM app.subscriptions ORDER BY 1')).map(
      (r) => r.status,
    );
    expect(statuses).toEqual(['active', 'canceled', 'past_due', 'trialing']);
    // Subscribers are mostly activated users.
    const activatedShare = await num(
      `SELECT avg((u.activated_at IS NOT NULL)::int) FROM app.subscriptions s JOIN app.users u ON u.id = s.user_id`,
    );
    expect(activatedShare).toBeGreaterThan(0.7);
    // Cancellations over the last months, so monthly churn is measurable.
    const canceled30 = await num(
      `SELECT count(*) FROM app.subscriptions WHERE canceled_at >= ?::timestamptz - interval '30 days' AND canceled_at < ?`,
      [NOW, NOW],
    );
    const canceledBefore = await num(
      `SELECT count(*) FROM app.subscriptions WHERE canceled_at < ?::timestamptz - interval '30 days'`,
      [NOW],
    );
    expect(canceled30).toBeGreaterThan(5);
    expect(canceledBefore).toBeGreaterThan(0);
    expect(await num(`SELECT count(*) FROM app.subscriptions WHERE status = 'canceled' AND canceled_at IS NULL`)).toBe(
      0,
    );
    // Normal payments: the plan price, mostly succeeded, at 30-day intervals from the paid start.
    const [pay] = await rows<{ succeeded: number; wrong_amount: number; multi: number }>(
      `SELECT avg((p.status = 'succeeded')::int) AS succeeded,
              count(*) FILTER (WHERE p.amount_cents > 0 AND p.amount_cents <> pl.price_cents) AS wrong_amount,
              (SELECT count(*) FROM (SELECT subscription_id FROM app.payments GROUP BY 1 HAVING count(*) >= 3) m) AS multi
         FROM app.payments p JOIN app.subscriptions s ON s.id = p.subscription_id JOIN app.plans pl ON pl.id = s.plan_id`,
    );
    expect(Number(pay!.succeeded)).toBeGreaterThan(0.85);
    expect(Number(pay!.wrong_amount)).toBe(0);
    expect(Number(pay!.multi)).toBeGreaterThan(50);
    // No payment is attempted after now.
    expect(await num('SELECT count(*) FROM app.payments WHERE attempted_at > ?', [NOW])).toBe(0);
  });

  it('gives every paid subscription one card of a realistic brand, and the network advice of some planted declines', async () => {
    const brands = await rows<{ card_brand: string; share: number }>(
      `SELECT card_brand, count(DISTINCT payment_method_ref)::float / (SELECT count(DISTINCT payment_method_ref) FROM app.payments) AS share
         FROM app.payments GROUP BY card_brand ORDER BY share DESC`,
    );
    expect(brands.map((b) => b.card_brand)).toEqual(['visa', 'mastercard', 'amex', 'discover']);
    expect(brands[0]!.share).toBeGreaterThan(0.4);
    expect(await num('SELECT count(*) FROM app.payments WHERE payment_method_ref IS NULL OR card_brand IS NULL')).toBe(
      0,
    );
    // One card per subscription, shared by its payments; cards of older subscriptions paid several times.
    expect(
      await num(
        'SELECT count(*) FROM (SELECT subscription_id FROM app.payments GROUP BY 1 HAVING count(DISTINCT payment_method_ref) > 1) x',
      ),
    ).toBe(0);
    const shared = await num(
      `SELECT avg((n >= 3)::int) FROM (SELECT payment_method_ref, count(*) AS n FROM app.payments GROUP BY 1) x`,
    );
    expect(shared).toBeGreaterThan(0.1);
    const advice = await rows<{ card_brand: string; advice_code: string; due: boolean }>(
      `SELECT card_brand, advice_code, next_retry_at > ? AS due FROM app.payments WHERE advice_code IS NOT NULL`,
      [NOW],
    );
    const codes = (brand: string) => new Set(advice.filter((a) => a.card_brand === brand).map((a) => a.advice_code));
    expect([...codes('mastercard')]).toEqual(expect.arrayContaining(['03', '21']));
    expect([...codes('visa')].every((c) => ['R1', '14', '41', '43'].includes(c))).toBe(true);
    expect(codes('visa').size).toBeGreaterThan(0);
    // Do-not-retry advice sits only on payments the engine would not retry today (not yet due, or hard).
    const retryable = await num(
      `SELECT count(*) FROM app.payments WHERE status = 'failed' AND advice_code IN ('03', '21', 'R1', '14', '41', '43')
          AND attempt_count < 4 AND next_retry_at <= ?`,
      [NOW],
    );
    expect(retryable).toBe(0);
  });

  it('has suggestions whose adoption rises with confidence, and 4 months of spend per channel', async () => {
    expect(await num('SELECT count(*) FROM app.suggestions WHERE confidence < 0 OR confidence > 1')).toBe(0);
    expect(
      await num(
        `SELECT count(*) FROM app.suggestions WHERE (status = 'shown') <> (resolved_at IS NULL) OR resolved_at > ? OR shown_at > ?`,
        [NOW, NOW],
      ),
    ).toBe(0);
    const [s] = await rows<{ low: number; high: number; versions: string[] }>(
      `SELECT avg((status = 'applied')::int) FILTER (WHERE status <> 'shown' AND confidence < 0.4) AS low,
              avg((status = 'applied')::int) FILTER (WHERE status <> 'shown' AND confidence >= 0.6) AS high,
              array_agg(DISTINCT model_version ORDER BY model_version) AS versions
         FROM app.suggestions`,
    );
    expect(Number(s!.high)).toBeGreaterThan(Number(s!.low) + 0.2);
    expect(s!.versions.length).toBeGreaterThanOrEqual(1);

    const spend = await rows<{ channel: string; months: string[]; min_spend: number }>(
      `SELECT channel, array_agg(to_char(month, 'YYYY-MM-DD') ORDER BY month) AS months, min(spend_cents) AS min_spend
         FROM app.acquisition_spend GROUP BY channel ORDER BY channel`,
    );
    expect(spend.map((r) => r.channel)).toEqual(['organic', 'paid_search', 'partner', 'referral', 'social']);
    for (const r of spend) {
      expect(r.months).toEqual(['2026-08-01', '2026-09-01', '2026-10-01', '2026-11-01']);
      expect(Number(r.min_spend)).toBeGreaterThan(0);
    }
  });

  it('is deterministic: the same (users, seed, now) gives byte-identical data, another seed different data', async () => {
    const first = await checksums();
    const again = await seedDemoData(t.db, { users: USERS, seed: SEED, now: NOW });
    expect(again).toEqual(manifest);
    expect(await checksums()).toEqual(first);

    const other = await seedDemoData(t.db, { users: USERS, seed: SEED + 1, now: NOW });
    expect(other.planted).toEqual(manifest.planted);
    const changed = await checksums();
    for (const table of TABLES) {
      if (table === 'plans') expect(changed[table]).toBe(first[table]);
      else expect(changed[table], table).not.toBe(first[table]);
    }
  }, 120_000);
});

describe('seed CLI arguments', () => {
  const base = {
    defaultManifestPath: '/repo/.data/seed-manifest.json',
    clock: new Date('2026-11-20T12:34:56.789Z'),
    cwd: '/work',
  };

  it('defaults to 10,000 users, seed 42, the current hour and .data/seed-manifest.json', () => {
    expect(parseSeedArgs([], base)).toEqual({
      ok: true,
      args: {
        users: 10_000,
        seed: 42,
        now: new Date('2026-11-20T12:00:00.000Z'),
        manifestPath: '/repo/.data/seed-manifest.json',
      },
    });
  });

  it('accepts --flag value and --flag=value', () => {
    expect(
      parseSeedArgs(
        ['--users', '2500', '--seed=9', '--now', '2026-01-02T03:04:05+01:00', '--manifest=out/m.json'],
        base,
      ),
    ).toEqual({
      ok: true,
      args: { users: 2500, seed: 9, now: new Date('2026-01-02T02:04:05.000Z'), manifestPath: '/work/out/m.json' },
    });
  });

  it('explains a bad value in one line', () => {
    expect(parseSeedArgs(['--users', 'lots'], base)).toEqual({
      ok: false,
      error: '--users must be a whole number between 100 and 10000000 (got "lots")',
    });
    expect(parseSeedArgs(['--users', '10'], base)).toEqual({
      ok: false,
      error: '--users must be at least 100 (got "10")',
    });
    expect(parseSeedArgs(['--seed', '-1'], base)).toMatchObject({
      ok: false,
      error: expect.stringContaining('--seed must be a whole number'),
    });
    expect(parseSeedArgs(['--now', '2026-11-20T12:00'], base)).toMatchObject({
      ok: false,
      error: expect.stringContaining('with a zone'),
    });
    expect(parseSeedArgs(['--seed'], base)).toEqual({ ok: false, error: '--seed needs a value' });
    expect(parseSeedArgs(['--size', '3'], base)).toEqual({ ok: false, error: 'unknown argument "--size"' });
  });
});
