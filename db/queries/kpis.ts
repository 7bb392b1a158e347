// The KPI snapshot's SQL (docs/kpis.md): one set-based aggregate query per KPI, returning the raw
// counts that engine/kpi/definitions.ts turns into KpiResults. The definitions (who is in a
// cohort, what counts as paying...) are documented there; this file implements them exactly.
//
// Scale (1M users, 20M events): the cohort KPIs range-scan users_created_live_idx over ~30 days of
// signups and probe each cohort user's own rows through EXISTS subqueries on events_user_time_idx,
// events_name_user_idx and subscriptions_user_idx, bounded by the exact time window, so the work is
// proportional to the cohort, never to the events table. LTV:CAC aggregates the paid subscriptions
// once (every paying subscription is in ARPA, so a full pass over them is inherent). Once the event rollups exist
// (db/event-rollups.ts), D7 and the funnel's onboarding step read the per-user facts plus the rows past the
// watermark instead of probing each cohort user's events.
//
// `now` is always a parameter (never SQL now()) and durations are passed as exact second counts,
// so the numbers depend on the data and `now` only, whatever the session TimeZone.
import type { Knex } from 'knex';
import { buildFunnelKpi, buildLtvCacKpi, buildRateKpi } from '../../engine/kpi/definitions';
import type { FunnelCounts } from '../../engine/kpi/funnel';
import type { LtvCacInputs } from '../../engine/kpi/ltv-cac';
import {
  ACTIVATION_WITHIN_MS,
  D7_OFFSET_END_MS,
  D7_OFFSET_START_MS,
  FUNNEL_WITHIN_MS,
  kpiWindows,
  pgInterval,
  windowToJson,
  type KpiWindows,
} from '../../engine/kpi/windows';
import type { KpiResult } from '../../engine/types';
import { rollupWatermark } from '../event-rollups';

/** Statuses of a subscription that was paid at some point (trialing has not paid, incomplete never did). */
const PAID_EVER_STATUSES = ['active', 'past_due', 'canceled'] as const;
/** Statuses of a subscription that pays now. */
const PAYING_STATUSES = ['active', 'past_due'] as const;

export interface RateCounts {
  /** Cohort size n. */
  cohort: number;
  /** Successes k. */
  successes: number;
}

export interface KpiCounts {
  windows: KpiWindows;
  activation: RateCounts;
  d7Retention: RateCounts;
  funnel: FunnelCounts;
  ltvCac: LtvCacInputs;
}

async function one<T>(db: Knex, sql: string, bindings: readonly Knex.RawBinding[] | Knex.ValueDict): Promise<T> {
  const { rows } = (await db.raw(sql, bindings)) as { rows: T[] };
  const row = rows[0];
  if (!row) throw new Error('KPI aggregate query returned no row');
  return row;
}

/** Activation: |C| and |{u ∈ C : activated_at − created_at ≤ 7d}|. Index-only on users_created_live_idx. */
export async function queryActivationCounts(db: Knex, now: Date): Promise<RateCounts> {
  const c = kpiWindows(now).cohortC;
  const row = await one<{ cohort: number; successes: number }>(
    db,
    `SELECT count(*) AS cohort,
            count(*) FILTER (WHERE u.activated_at <= u.created_at + ?::interval) AS successes
       FROM app.users u
      WHERE u.deleted_at IS NULL AND u.created_at >= ? AND u.created_at < ?`,
    [pgInterval(ACTIVATION_WITHIN_MS), c.start, c.end],
  );
  return { cohort: Number(row.cohort), successes: Number(row.successes) };
}

/** D7 retention: |C| and the users of C with an event in [created_at + 7d, created_at + 8d) before `now`. */
export async function queryD7RetentionCounts(db: Knex, now: Date): Promise<RateCounts> {
  const c = kpiWindows(now).cohortC;
  const row = await one<{ cohort: number; successes: number }>(
    db,
    `SELECT count(*) AS cohort,
            count(*) FILTER (WHERE EXISTS (
              SELECT 1 FROM app.events e
               WHERE e.user_id = u.id
                 AND e.occurred_at >= u.created_at + ?::interval
                 AND e.occurred_at <  u.created_at + ?::interval
                 AND e.occurred_at <  ?
                 -- Implied by the cohort's bounds, but constant: the planner prunes app.events to these months.
                 AND e.occurred_at >= ? AND e.occurred_at < ?)) AS successes
       FROM app.users u
      WHERE u.deleted_at IS NULL AND u.created_at >= ? AND u.created_at < ?`,
    [
      pgInterval(D7_OFFSET_START_MS),
      pgInterval(D7_OFFSET_END_MS),
      now,
      new Date(c.start.getTime() + D7_OFFSET_START_MS),
      new Date(c.end.getTime() + D7_OFFSET_END_MS),
      c.start,
      c.end,
    ],
  );
  return { cohort: Number(row.cohort), successes: Number(row.successes) };
}

/**
 * D7 retention from the rollups: a cohort user's first D7-window event folded (engine.event_user_facts) before `now`,
 * or a raw event at or after the watermark in the window; equal to queryD7RetentionCounts (test/integration/event-rollups.test.ts).
 */
export async function queryD7RetentionCountsFromRollups(db: Knex, now: Date, watermark: Date): Promise<RateCounts> {
  const c = kpiWindows(now).cohortC;
  const row = await one<{ cohort: number; successes: number }>(
    db,
    `WITH delta AS MATERIALIZED (
       SELECT DISTINCT e.user_id
         FROM app.events e
         JOIN app.users u ON u.id = e.user_id
        WHERE e.occurred_at >= :watermark AND e.occurred_at < :now
          AND e.occurred_at >= :eventsFrom AND e.occurred_at < :eventsTo
          AND e.occurred_at >= u.created_at + :d7Start::interval AND e.occurred_at < u.created_at + :d7End::interval
          AND u.deleted_at IS NULL AND u.created_at >= :start AND u.created_at < :end
     )
     SELECT count(*) AS cohort,
            count(*) FILTER (WHERE f.d7_first_at < :now OR d.user_id IS NOT NULL) AS successes
       FROM app.users u
       LEFT JOIN engine.event_user_facts f ON f.user_id = u.id
       LEFT JOIN delta d ON d.user_id = u.id
      WHERE u.deleted_at IS NULL AND u.created_at >= :start AND u.created_at < :end`,
    {
      watermark,
      now,
      d7Start: pgInterval(D7_OFFSET_START_MS),
      d7End: pgInterval(D7_OFFSET_END_MS),
      eventsFrom: new Date(c.start.getTime() + D7_OFFSET_START_MS),
      eventsTo: new Date(c.end.getTime() + D7_OFFSET_END_MS),
      start: c.start,
      end: c.end,
    },
  );
  return { cohort: Number(row.cohort), successes: Number(row.successes) };
}

/** The funnel's per-user flags: `onboarded` comes from raw events (watermark null) or from the rollups plus newer rows. */
function funnelSql(fromRollups: boolean): string {
  const onboarded = fromRollups
    ? `(f.onboarded_first_at IS NOT NULL OR d.user_id IS NOT NULL)`
    : `EXISTS (SELECT 1 FROM app.events e
                WHERE e.name = 'onboarding_completed' AND e.user_id = u.id
                  AND e.occurred_at <= u.created_at + :within::interval
                  -- Constant upper bound (the cohort ends at f.end): prunes the later months.
                  AND e.occurred_at < :eventsTo)`;
  const delta = fromRollups
    ? `WITH delta AS MATERIALIZED (
         SELECT DISTINCT e.user_id
           FROM app.events e
           JOIN app.users u ON u.id = e.user_id
          WHERE e.name = 'onboarding_completed' AND e.occurred_at >= :watermark AND e.occurred_at < :eventsTo
            AND e.occurred_at <= u.created_at + :within::interval
            AND u.deleted_at IS NULL AND u.created_at >= :start AND u.created_at < :end
       )`
    : '';
  const joins = fromRollups
    ? `LEFT JOIN engine.event_user_facts f ON f.user_id = u.id
           LEFT JOIN delta d ON d.user_id = u.id`
    : '';
  return `${delta}
     SELECT count(*) AS "cohort",
            count(*) FILTER (WHERE s.onboarded) AS "onboarded",
            count(*) FILTER (WHERE s.activated) AS "activated",
            count(*) FILTER (WHERE s.paid) AS "paid",
            count(*) FILTER (WHERE s.onboarded AND s.activated) AS "onboardedActivated",
            count(*) FILTER (WHERE s.onboarded AND s.activated AND s.paid) AS "onboardedActivatedPaid"
       FROM (
         SELECT coalesce(u.activated_at <= u.created_at + :within::interval, false) AS activated,
                ${onboarded} AS onboarded,
                EXISTS (SELECT 1 FROM app.subscriptions sub
                         WHERE sub.user_id = u.id
                           AND sub.started_at <= u.created_at + :within::interval
                           AND sub.mrr_cents > 0
                           AND sub.status = ANY (:paidEver::text[])) AS paid
           FROM app.users u
           ${joins}
          WHERE u.deleted_at IS NULL AND u.created_at >= :start AND u.created_at < :end
         -- OFFSET 0 fences the subquery: flattened, each FILTER re-ran its EXISTS probes (3 + 2 index
         -- probes per cohort user instead of 1 + 1; computeKpis 5.7 s → 2.1 s at 1M users).
         OFFSET 0
       ) s`;
}

/**
 * Funnel over cohort F: each step's flag per user, counted in one pass. With a watermark the onboarding step
 * reads the rollups plus the raw rows at or after it (the same counts, test/integration/event-rollups.test.ts).
 */
export async function queryFunnelCounts(db: Knex, now: Date, watermark: Date | null = null): Promise<FunnelCounts> {
  const f = kpiWindows(now).cohortF;
  const row = await one<Record<keyof FunnelCounts, number>>(db, funnelSql(watermark !== null), {
    within: pgInterval(FUNNEL_WITHIN_MS),
    eventsTo: new Date(f.end.getTime() + FUNNEL_WITHIN_MS),
    paidEver: [...PAID_EVER_STATUSES],
    start: f.start,
    end: f.end,
    ...(watermark ? { watermark } : {}),
  });
  return {
    cohort: Number(row.cohort),
    onboarded: Number(row.onboarded),
    activated: Number(row.activated),
    paid: Number(row.paid),
    onboardedActivated: Number(row.onboardedActivated),
    onboardedActivatedPaid: Number(row.onboardedActivatedPaid),
  };
}

/**
 * LTV:CAC inputs: one pass over the paid-ever subscriptions, grouped per customer (user_id), plus
 * the acquisition spend of the CAC window. Per customer: paying now, MRR now, paying at now − 30d,
 * a cancellation in [now − 30d, now), and the start of their first paid subscription.
 */
export async function queryLtvCacInputs(db: Knex, now: Date): Promise<LtvCacInputs> {
  const { churn, cac } = kpiWindows(now);
  const t0 = churn.start;
  const row = await one<Record<keyof LtvCacInputs, number>>(
    db,
    `WITH per_customer AS (
       SELECT s.user_id,
              bool_or(s.status = ANY (:paying::text[]) AND s.started_at < :now) AS paying_now,
              sum(s.mrr_cents) FILTER (WHERE s.status = ANY (:paying::text[]) AND s.started_at < :now) AS mrr_now,
              bool_or(s.started_at < :t0 AND (s.canceled_at IS NULL OR s.canceled_at >= :t0)) AS paying_at_t0,
              bool_or(s.canceled_at >= :t0 AND s.canceled_at < :now) AS canceled_in_window,
              min(s.started_at) AS first_paid_at
         FROM app.subscriptions s
        WHERE s.mrr_cents > 0 AND s.status = ANY (:paidEver::text[])
        GROUP BY s.user_id
     )
     SELECT coalesce(sum(mrr_now), 0) AS "activeMrrCents",
            count(*) FILTER (WHERE paying_now) AS "activeCustomers",
            count(*) FILTER (WHERE paying_at_t0) AS "customersAtChurnStart",
            count(*) FILTER (WHERE paying_at_t0 AND canceled_in_window AND NOT paying_now) AS "churnedCustomers",
            count(*) FILTER (WHERE first_paid_at >= :cacStart AND first_paid_at < :cacEnd) AS "newPayingCustomers",
            (SELECT coalesce(sum(a.spend_cents), 0) FROM app.acquisition_spend a
              WHERE a.month >= :cacStartDate::date AND a.month < :cacEndDate::date) AS "acquisitionSpendCents"
       FROM per_customer`,
    // Named bindings: the same instants appear several times.
    {
      paying: [...PAYING_STATUSES],
      paidEver: [...PAID_EVER_STATUSES],
      now,
      t0,
      cacStart: cac.start,
      cacEnd: cac.end,
      cacStartDate: cac.start.toISOString().slice(0, 10),
      cacEndDate: cac.end.toISOString().slice(0, 10),
    },
  );
  return {
    activeMrrCents: Number(row.activeMrrCents),
    activeCustomers: Number(row.activeCustomers),
    customersAtChurnStart: Number(row.customersAtChurnStart),
    churnedCustomers: Number(row.churnedCustomers),
    acquisitionSpendCents: Number(row.acquisitionSpendCents),
    newPayingCustomers: Number(row.newPayingCustomers),
  };
}

async function inSnapshot<T>(db: Knex, fn: (q: Knex) => Promise<T>): Promise<T> {
  // Inside a caller's transaction we read its snapshot; otherwise one read-only REPEATABLE READ
  // transaction gives the four KPIs the same snapshot (no row counted by one and missed by another).
  if (db.isTransaction) return fn(db);
  return db.transaction((trx) => fn(trx), { isolationLevel: 'repeatable read', readOnly: true });
}

/** Where the event-based counts come from: the rollups plus newer rows (when they exist), or app.events alone. */
export type EventSource = 'rollups' | 'events';

/** The raw counts behind the four KPIs, read from one consistent snapshot (the watermark included). */
export async function computeKpiCounts(db: Knex, now: Date, opts: { source?: EventSource } = {}): Promise<KpiCounts> {
  const windows = kpiWindows(now);
  return inSnapshot(db, async (q) => {
    const watermark = opts.source === 'events' ? null : await rollupWatermark(q);
    return {
      windows,
      activation: await queryActivationCounts(q, now),
      d7Retention: watermark
        ? await queryD7RetentionCountsFromRollups(q, now, watermark)
        : await queryD7RetentionCounts(q, now),
      funnel: await queryFunnelCounts(q, now, watermark),
      ltvCac: await queryLtvCacInputs(q, now),
    };
  });
}

/** Turns raw counts into the four KpiResults, in engine/types.ts KPI_NAMES order. */
export function kpisFromCounts(counts: KpiCounts, opts: { minSample: number; grossMargin: number }): KpiResult[] {
  const { windows: w } = counts;
  const cohortC = { window: windowToJson(w.cohortC) };
  return [
    buildRateKpi('activation_rate', counts.activation.successes, counts.activation.cohort, opts.minSample, cohortC),
    buildRateKpi('d7_retention', counts.d7Retention.successes, counts.d7Retention.cohort, opts.minSample, cohortC),
    buildFunnelKpi(counts.funnel, opts.minSample, { window: windowToJson(w.cohortF) }),
    buildLtvCacKpi(counts.ltvCac, opts.grossMargin, opts.minSample, {
      churnWindow: windowToJson(w.churn),
      cacWindow: windowToJson(w.cac),
    }),
  ];
}

/** The KPI snapshot of docs/kpis.md at logical time `now`. */
export async function computeKpis(
  db: Knex,
  now: Date,
  opts: { minSample: number; grossMargin: number; source?: EventSource },
): Promise<KpiResult[]> {
  return kpisFromCounts(await computeKpiCounts(db, now, { source: opts.source }), opts);
}
