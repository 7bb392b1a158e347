// Plans, subscriptions and payments of the demo data, normal and planted, written with set-based SQL.
//
// Normal billing is healthy by construction: every normal subscription belongs to a live user and an
// existing plan; normal payments are succeeded, refunded (positive amount) or pending for less than 6h;
// none is failed or negative. All failed, negative and stuck payments are the planted ones, each in
// exactly one category, so the billing detectors find exactly the manifest's counts.
import { HARD_DECLINE_CODES, classifyDecline } from '../../engine/detectors/decline-codes';
import { DAY_S, HOUR_S, exec, scalar, type SeedContext } from './context';
import { orphanSplit, type PlantedCounts } from './planted';

export interface PlanRow {
  id: number;
  name: string;
  price_cents: number;
  interval: 'month' | 'year';
}

/** Yearly plans cost ten months. MRR of a yearly plan is round(price / 12). */
export const PLANS: readonly PlanRow[] = [
  { id: 1, name: 'free', price_cents: 0, interval: 'month' },
  { id: 2, name: 'starter', price_cents: 1900, interval: 'month' },
  { id: 3, name: 'starter_yearly', price_cents: 19000, interval: 'year' },
  { id: 4, name: 'pro', price_cents: 4900, interval: 'month' },
  { id: 5, name: 'pro_yearly', price_cents: 49000, interval: 'year' },
  { id: 6, name: 'business', price_cents: 19900, interval: 'month' },
  { id: 7, name: 'business_yearly', price_cents: 199000, interval: 'year' },
];

export function mrrCents(plan: PlanRow): number {
  return plan.interval === 'year' ? Math.round(plan.price_cents / 12) : plan.price_cents;
}

/** Soft declines (retryable): the codes planted failed payments that may be retried carry. */
export const SOFT_DECLINE_CODES = [
  'insufficient_funds',
  'processing_error',
  'try_again_later',
  'generic_decline',
  'do_not_honor',
  'issuer_not_available',
] as const;

for (const code of SOFT_DECLINE_CODES) {
  // The detector decides soft/hard from engine/detectors/decline-codes.ts: the two lists must agree.
  if (classifyDecline(code) !== 'soft') throw new Error(`seed: ${code} is not a soft decline code`);
}

/** Billing periods are fixed lengths (not calendar months), so no date depends on the session's TimeZone. */
const PERIOD_S = { month: 30 * DAY_S, year: 365 * DAY_S } as const;
/** Users whose first subscription id is this or more do not exist: the planted orphans point here. */
export const MISSING_USER_ID_BASE = 1_000_000_000_000;
/** Plan ids from here on do not exist (plus NULL plan ids). */
export const MISSING_PLAN_ID_BASE = 900;

const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;
const sqlArray = (xs: readonly string[]) => `ARRAY[${xs.map(sqlText).join(', ')}]`;

function plansValues(): string {
  return PLANS.map((p) => `(${p.id}, ${p.price_cents}, ${mrrCents(p)}, ${PERIOD_S[p.interval]})`).join(', ');
}

export async function insertPlans(ctx: SeedContext): Promise<number> {
  const rows = PLANS.map((p) => `(${p.id}, ${sqlText(p.name)}, ${p.price_cents}, ${sqlText(p.interval)})`).join(', ');
  return exec(ctx, `INSERT INTO app.plans (id, name, price_cents, interval) VALUES ${rows}`);
}

/**
 * seed_subs: at most one subscription per live user: 60% of activated users (a few days after
 * activation), 4% of the others. Plan mix free 15%, starter 35%, pro 35%, business 15%, a fifth of the
 * paid ones yearly; 40% of paid subscriptions start with a 14-day trial (all trials convert).
 * Cancellation after an exponential lifetime (mean 14 months paid, 5 months free), so roughly 7% of the
 * paying customers churn per month. Times are kept as "seconds before now" (…_ago).
 */
async function buildSubscriptionFrame(ctx: SeedContext): Promise<void> {
  const { rnd, T } = ctx;
  await exec(
    ctx,
    `CREATE TEMP TABLE seed_subs ON COMMIT DROP AS
     WITH cand AS (
       SELECT u.id AS user_id, p.plan_id, pl.price, pl.mrr, pl.period_s, st.start_ago,
              st.start_ago - CASE WHEN pl.price > 0 AND ${rnd('u.id', 64)} < 0.4 THEN ${14 * DAY_S} ELSE 0 END AS paid_ago,
              floor(-ln(1 - ${rnd('u.id', 65)}) * CASE WHEN pl.price > 0 THEN ${420 * DAY_S} ELSE ${150 * DAY_S} END)::bigint AS life_s
         FROM seed_users u
        CROSS JOIN LATERAL (
              SELECT CASE WHEN u.activated_at IS NOT NULL
                          THEN extract(epoch FROM ${T} - u.activated_at)::bigint - floor(${rnd('u.id', 61)} * ${5 * DAY_S})::bigint
                          ELSE u.age_s - floor(${DAY_S} + ${rnd('u.id', 61)} * ${20 * DAY_S})::bigint END AS start_ago) st
        CROSS JOIN LATERAL (
              SELECT CASE WHEN r < 0.15 THEN 1
                          ELSE CASE WHEN r < 0.50 THEN 2 WHEN r < 0.85 THEN 4 ELSE 6 END
                               + CASE WHEN ${rnd('u.id', 63)} < 0.2 THEN 1 ELSE 0 END END AS plan_id
                FROM (SELECT ${rnd('u.id', 62)} AS r) x) p
         JOIN (VALUES ${plansValues()}) AS pl(id, price, mrr, period_s) ON pl.id = p.plan_id
        WHERE NOT u.deleted
          AND ${rnd('u.id', 60)} < CASE WHEN u.activated_at IS NOT NULL THEN 0.6 ELSE 0.04 END
          AND st.start_ago >= 0
     )
     SELECT row_number() OVER (ORDER BY c.start_ago DESC, c.user_id) AS id,
            c.user_id, c.plan_id, c.price, c.mrr, c.period_s, c.start_ago, c.paid_ago, k.cancel_ago,
            CASE WHEN c.paid_ago < 0 THEN 0
                 ELSE (c.paid_ago - coalesce(k.cancel_ago, 0)) / c.period_s + 1 END AS n_periods,
            CASE WHEN c.paid_ago < 0 THEN 'trialing' WHEN k.cancel_ago IS NOT NULL THEN 'canceled' ELSE 'active' END AS status
       FROM cand c
      CROSS JOIN LATERAL (SELECT CASE WHEN c.paid_ago >= 0 AND c.life_s <= c.paid_ago THEN c.paid_ago - c.life_s END AS cancel_ago) k`,
  );
  await exec(ctx, 'ALTER TABLE seed_subs ADD PRIMARY KEY (id)');
}

const at = (T: string, ago: string) => `(${T} - make_interval(secs => (${ago})::float8))`;

export async function insertSubscriptions(ctx: SeedContext): Promise<number> {
  const { T } = ctx;
  await buildSubscriptionFrame(ctx);
  return exec(
    ctx,
    `INSERT INTO app.subscriptions (id, user_id, plan_id, status, mrr_cents, started_at, canceled_at, current_period_end)
     SELECT s.id, s.user_id, s.plan_id, s.status, s.mrr, ${at(T, 's.start_ago')},
            CASE WHEN s.cancel_ago IS NOT NULL THEN ${at(T, 's.cancel_ago')} END,
            CASE WHEN s.status = 'trialing' THEN ${at(T, 's.paid_ago')} ELSE ${at(T, 's.paid_ago - s.n_periods * s.period_s')} END
       FROM seed_subs s ORDER BY s.id`,
  );
}

/** One payment per billing period of each paid subscription, from its paid start to now or its cancellation. */
export async function insertPayments(ctx: SeedContext): Promise<number> {
  const { rnd, T, seed } = ctx;
  const key = '(s.id * 64 + k.k)';
  return exec(
    ctx,
    `INSERT INTO app.payments (id, subscription_id, amount_cents, status, failure_code, attempted_at, attempt_count, next_retry_at, provider_ref)
     SELECT row_number() OVER (ORDER BY p.ago DESC, p.subscription_id), p.subscription_id, p.amount, p.status, NULL,
            ${at(T, 'p.ago')}, 1, NULL, p.ref
       FROM (
         SELECT s.id AS subscription_id, s.price AS amount, s.paid_ago - k.k * s.period_s AS ago,
                CASE WHEN s.paid_ago - k.k * s.period_s < ${6 * HOUR_S} AND ${rnd(key, 70)} < 0.5 THEN 'pending'
                     WHEN ${rnd(key, 71)} < 0.012 THEN 'refunded'
                     ELSE 'succeeded' END AS status,
                'ch_' || substr(md5('${seed}:' || s.id || ':' || k.k), 1, 24) AS ref
           FROM seed_subs s
          CROSS JOIN LATERAL generate_series(0, s.n_periods - 1) AS k(k)
          WHERE s.price > 0
       ) p`,
  );
}

/**
 * Planted failed payments were attempted at least 26h before now. The system-health detector compares
 * the failure rate of the last 24h with the 7 days before; keeping the planted failures out of the last
 * 24h means the demo data never shows a payment-failure spike by accident (a spike is a scenario to
 * plant on purpose, not a side effect of the billing plantings).
 */
const FAILED_MIN_AGO_S = 26 * HOUR_S;

type PaymentCategory = 'retryable' | 'not_due' | 'exhausted' | 'hard' | 'stuck' | 'negative';

/**
 * The planted payment problems, appended to normal active paid subscriptions picked by a seeded shuffle
 * (those paying for at least 10 days, so every planted time falls inside the subscription's life):
 *   retryable  failed, soft code, attempt 1..3, next_retry_at in [attempted_at + 1h, now)
 *   not_due    failed, soft code, attempt 1..3, attempted 26h to 9 days ago, next_retry_at in (now + 1h, now + 3d)
 *   exhausted  failed, soft code, attempt 4..5, no next retry
 *   hard       failed, hard code, attempt 1, no next retry
 *   stuck      pending since 25h to 9 days
 *   negative   refunded with amount −price (a refund booked with the wrong sign)
 * Subscriptions with a failed payment become past_due.
 */
export async function insertPlantedPayments(ctx: SeedContext, planted: PlantedCounts): Promise<number> {
  const { rnd, T, seed } = ctx;
  const categories: Array<[PaymentCategory, number]> = [
    ['retryable', planted.retryableFailedPayments],
    ['not_due', planted.softDeclinesNotDue],
    ['exhausted', planted.softDeclinesExhausted],
    ['hard', planted.hardDeclines],
    ['stuck', planted.stuckPayments],
    ['negative', planted.negativeAmounts],
  ];
  let total = 0;
  const blocks = categories.map(([cat, n]) => {
    const b = `('${cat}', ${total}, ${total + n})`;
    total += n;
    return b;
  });
  const targets = await scalar(
    ctx,
    `SELECT count(*) FROM seed_subs WHERE status = 'active' AND price > 0 AND paid_ago >= ${10 * DAY_S}`,
  );
  if (targets === 0) throw new Error('no active paid subscription to attach the planted payments to: seed more users');

  const soft = sqlArray(SOFT_DECLINE_CODES);
  const hard = sqlArray(HARD_DECLINE_CODES);
  const r1 = rnd('g.slot', 81);
  const r2 = rnd('g.slot', 82);
  const inserted = await exec(
    ctx,
    `WITH t AS (
       SELECT id, price, paid_ago, row_number() OVER (ORDER BY ${rnd('id', 80)}, id) - 1 AS rk
         FROM seed_subs WHERE status = 'active' AND price > 0 AND paid_ago >= ${10 * DAY_S}
     ),
     g AS (
       SELECT s.slot, b.cat, (s.slot - b.lo)::int AS j
         FROM generate_series(0, ${total - 1}) AS s(slot)
         JOIN (VALUES ${blocks.join(', ')}) AS b(cat, lo, hi) ON s.slot >= b.lo AND s.slot < b.hi
     )
     INSERT INTO app.payments (id, subscription_id, amount_cents, status, failure_code, attempted_at, attempt_count, next_retry_at, provider_ref)
     SELECT (SELECT coalesce(max(id), 0) FROM app.payments) + g.slot + 1,
            t.id,
            CASE WHEN g.cat = 'negative' THEN -t.price ELSE t.price END,
            CASE g.cat WHEN 'stuck' THEN 'pending' WHEN 'negative' THEN 'refunded' ELSE 'failed' END,
            CASE g.cat WHEN 'retryable' THEN (${soft})[1 + g.j % ${SOFT_DECLINE_CODES.length}]
                       WHEN 'not_due' THEN (${soft})[1 + (g.j + 1) % ${SOFT_DECLINE_CODES.length}]
                       WHEN 'exhausted' THEN (${soft})[1 + (g.j + 2) % ${SOFT_DECLINE_CODES.length}]
                       WHEN 'hard' THEN (${hard})[1 + g.j % ${HARD_DECLINE_CODES.length}] END,
            ${at(T, 'a.ago')},
            CASE g.cat WHEN 'retryable' THEN 1 + g.j % 3 WHEN 'not_due' THEN 1 + g.j % 3 WHEN 'exhausted' THEN 4 + g.j % 2 ELSE 1 END,
            CASE g.cat WHEN 'retryable' THEN ${at(T, `floor(${r2} * (a.ago - ${HOUR_S}))`)}
                       WHEN 'not_due' THEN ${T} + make_interval(secs => ${HOUR_S} + floor(${r2} * ${71 * HOUR_S})) END,
            -- A failed renewal is an invoice (in_…) in Stripe's shape, one in four a bare PaymentIntent (pi_…): the
            -- objects the Stripe gateway retries (docs/adapters/stripe.md).
            CASE WHEN g.cat = 'negative' THEN 're_' WHEN g.slot % 4 = 3 THEN 'pi_' ELSE 'in_' END
              || substr(md5('${seed}:planted:' || g.slot), 1, 24)
       FROM g
       JOIN t ON t.rk = g.slot % ${targets}
      CROSS JOIN LATERAL (
            SELECT CASE g.cat
                     WHEN 'stuck' THEN ${25 * HOUR_S} + floor(${r1} * ${8 * DAY_S})
                     WHEN 'not_due' THEN ${FAILED_MIN_AGO_S} + floor(${r1} * ${8 * DAY_S})
                     WHEN 'negative' THEN floor(${r1} * t.paid_ago)
                     ELSE ${FAILED_MIN_AGO_S} + floor(${r1} * (t.paid_ago - ${FAILED_MIN_AGO_S})) END AS ago) a`,
  );
  await exec(
    ctx,
    `UPDATE app.subscriptions SET status = 'past_due'
      WHERE status = 'active' AND id IN (SELECT subscription_id FROM app.payments WHERE status = 'failed')`,
  );
  return inserted;
}

/**
 * The planted subscription problems (ids after the normal ones), all status 'active':
 * orphans whose user row does not exist (user ids from MISSING_USER_ID_BASE), orphans of the
 * `orphan_deleted` users (deleted, with no other subscription), and subscriptions of live
 * `missing_plan` users whose plan_id is NULL (every fourth) or a plan id that does not exist.
 */
export async function insertPlantedSubscriptions(ctx: SeedContext, planted: PlantedCounts): Promise<number> {
  const { rnd, T } = ctx;
  const { missingUser } = orphanSplit(planted.orphanedActiveSubscriptions);
  const month = PERIOD_S.month;
  return exec(
    ctx,
    `INSERT INTO app.subscriptions (id, user_id, plan_id, status, mrr_cents, started_at, canceled_at, current_period_end)
     SELECT (SELECT coalesce(max(id), 0) FROM app.subscriptions) + row_number() OVER (ORDER BY p.kind, p.j),
            p.user_id, p.plan_id, 'active', p.mrr, ${at(T, 'p.start_ago')}, NULL,
            ${at(T, `p.start_ago - (p.start_ago / ${month} + 1) * ${month}`)}
       FROM (
         SELECT 1 AS kind, g.j, ${MISSING_USER_ID_BASE}::bigint + g.j AS user_id, 4 AS plan_id, 4900 AS mrr,
                (${DAY_S} + floor(${rnd('g.j', 91)} * ${60 * DAY_S}))::bigint AS start_ago
           FROM generate_series(1, ${missingUser}) AS g(j)
         UNION ALL
         -- Subscribed while the account existed: started between signup and deletion.
         SELECT 2, u.role_idx, u.id, (ARRAY[2, 4, 6])[1 + u.role_idx % 3], (ARRAY[1900, 4900, 19900])[1 + u.role_idx % 3],
                u.age_s - floor(${rnd('u.id', 92)} * extract(epoch FROM au.deleted_at - au.created_at)::float8)::bigint
           FROM seed_users u JOIN app.users au ON au.id = u.id WHERE u.role = 'orphan_deleted'
         UNION ALL
         SELECT 3, u.role_idx, u.id, CASE WHEN u.role_idx % 4 = 0 THEN NULL ELSE ${MISSING_PLAN_ID_BASE} + u.role_idx % 3 END, 4900,
                floor(${rnd('u.id', 93)} * u.age_s)::bigint
           FROM seed_users u WHERE u.role = 'missing_plan'
       ) p`,
  );
}
