// The detectors' SQL (docs/detectors.md): set-based aggregates returning counts plus a bounded sample of ids,
// turned into findings by the pure assemblers in engine/detectors/. Every query takes the cycle's logical
// `now` as a parameter (never SQL now()), so a cycle sees the data as of its own time.
// Written to stay fast at 1M users / 20M events: range scans on the app migration's indexes
// (events_time_idx, payments_failed_due_idx, payments_pending_idx, users_email_norm_idx,
// subscriptions_status_idx); the only full scans are of users, subscriptions and payments, never events.
import type { Knex } from 'knex';
import { dataQualityFindings, type DataQualityEvidence } from '../../engine/detectors/data-quality';
import { orphanedRecordsFindings, type OrphanedRecordsEvidence } from '../../engine/detectors/orphaned-records';
import {
  billingFindings,
  summarizeFailedPayments,
  type BillingSummary,
  type FailedPaymentGroup,
  type FailedPaymentState,
} from '../../engine/detectors/billing';
import {
  systemHealthFindings,
  type PaymentFailureRateEvidence,
  type SystemHealthEvidence,
} from '../../engine/detectors/system-health';
import { kpiBelowTargetFindings } from '../../engine/detectors/kpi-below-target';
import { FULL_CYCLE_DETECTORS, HEALTH_DETECTORS, type DetectorName } from '../../engine/detectors/catalog';
import { MISSING_DECLINE_CODE } from '../../engine/detectors/decline-codes';
import type { DetectedFinding, KpiResult } from '../../engine/types';
import { iso, type Queryable } from '../types';

/**
 * An email is valid iff its normalized form (lower(btrim(email))) matches this. Kept as a parameter so
 * the remediation side (normalize_email) can import the very same rule.
 */
export const VALID_EMAIL_PATTERN = '^[a-z0-9._%+-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}$';

/**
 * The pattern as an SQL literal, inlined rather than bound: the planner can prove a partial index's predicate
 * (migration 27) only against a constant it sees in the statement.
 */
export const VALID_EMAIL_SQL = `'${VALID_EMAIL_PATTERN.replaceAll("'", "''")}'`;

export interface DetectorOptions {
  /** Ids kept per check as evidence (the smallest ones). Default 10. */
  sampleSize?: number;
  /** Policy payment_retry.maxAttempts: a soft decline with this many attempts is exhausted. Default 4. */
  maxAttempts?: number;
  /** Event freshness: a finding when no event occurred in the last N hours. Default 6. */
  freshnessHours?: number;
  /** A pending payment older than this is stuck. Default 24. */
  stuckAfterHours?: number;
  /** KPI results of this cycle (from the KPI module); when given, runAllDetectors adds KPI findings. */
  kpis?: KpiResult[];
}

const DEFAULTS = { sampleSize: 10, maxAttempts: 4, freshnessHours: 6, stuckAfterHours: 24 };
const HOUR_MS = 3_600_000;

function resolved(opts: DetectorOptions) {
  return {
    sampleSize: opts.sampleSize ?? DEFAULTS.sampleSize,
    maxAttempts: opts.maxAttempts ?? DEFAULTS.maxAttempts,
    freshnessHours: opts.freshnessHours ?? DEFAULTS.freshnessHours,
    stuckAfterHours: opts.stuckAfterHours ?? DEFAULTS.stuckAfterHours,
  };
}

function toDate(now: Date | string): Date {
  const d = now instanceof Date ? now : new Date(now);
  if (Number.isNaN(d.getTime())) throw new Error(`invalid detector time: ${String(now)}`);
  return d;
}

// pg leaves int8[] as strings (only scalar int8 has a parser); ids are far below 2^53.
function ids(v: unknown): number[] {
  return Array.isArray(v) ? v.map(Number) : [];
}

async function one(db: Queryable, sql: string, bindings: readonly unknown[]): Promise<Record<string, unknown>> {
  const { rows } = (await db.raw(sql, bindings as Knex.RawBinding[])) as { rows: Array<Record<string, unknown>> };
  return rows[0] ?? {};
}

// ---------------------------------------------------------------------------------------------------
// Data quality
// ---------------------------------------------------------------------------------------------------

export async function queryDataQualityEvidence(
  db: Queryable,
  now: Date | string,
  opts: DetectorOptions = {},
): Promise<DataQualityEvidence> {
  const at = toDate(now);
  const { sampleSize: n } = resolved(opts);

  // Each check is written as the predicate of its partial index (migration 27): a few rows among a million
  // are read from a small index, instead of evaluating the pattern on every user.
  const emails = await one(
    db,
    `select (select count(*) from app.users) as total_users,
            (select count(*) from app.users u where u.email is null) as null_count,
            array(select u.id from app.users u where u.email is null order by u.id limit ?) as null_sample,
            (select count(*) from app.users u
              where u.email is not null and not (lower(btrim(u.email)) ~ ${VALID_EMAIL_SQL})) as malformed_count,
            array(select u.id from app.users u
                   where u.email is not null and not (lower(btrim(u.email)) ~ ${VALID_EMAIL_SQL})
                   order by u.id limit ?) as malformed_sample`,
    [n, n],
  );

  // Fixable by normalizing only when the normalized address is nobody else's. A correlated count (an
  // index probe on users_email_norm_idx per candidate) rather than NOT EXISTS, which the planner turns
  // into a hash anti-join over every user although candidates are few.
  const unnormalized = await one(
    db,
    `select count(*) as count, (array_agg(u.id order by u.id))[1:?::int] as sample
       from app.users u
      where u.email <> lower(btrim(u.email))
        and lower(btrim(u.email)) ~ ${VALID_EMAIL_SQL}
        and (select count(*) from app.users o where lower(btrim(o.email)) = lower(btrim(u.email))) = 1`,
    [n],
  );

  const duplicates = await one(
    db,
    `with g as materialized (
       select lower(btrim(email)) as norm, count(*) as n, min(id) as first_id
         from app.users
        where deleted_at is null and email is not null
        group by lower(btrim(email))
       having count(*) > 1
     )
     select (select count(*) from g) as groups,
            (select coalesce(sum(n), 0) from g) as users,
            array(select u.id from g join app.users u on lower(btrim(u.email)) = g.norm and u.deleted_at is null
                  order by u.id limit ?) as sample,
            (select coalesce(json_agg(s.ids order by s.first_id), '[]'::json) from (
               select g.first_id,
                      array(select u.id from app.users u where lower(btrim(u.email)) = g.norm and u.deleted_at is null
                            order by u.id limit 5) as ids
                 from g order by g.first_id limit 5) s) as sample_groups`,
    [n],
  );

  const future = await one(
    db,
    `select count(*) as count, max(occurred_at) as latest, (array_agg(id order by id))[1:?::int] as sample
       from app.events where occurred_at > ?`,
    [n, at],
  );

  const missingPlan = await one(
    db,
    `select count(*) as count,
            count(*) filter (where s.status = 'active') as active,
            coalesce(sum(s.mrr_cents) filter (where s.status = 'active'), 0) as active_mrr,
            (array_agg(s.id order by s.id))[1:?::int] as sample
       from app.subscriptions s
      where not exists (select 1 from app.plans p where p.id = s.plan_id)`,
    [n],
  );

  const negative = await one(
    db,
    `select count(*) as count, coalesce(sum(amount_cents), 0) as total, (array_agg(id order by id))[1:?::int] as sample
       from app.payments where amount_cents < 0`,
    [n],
  );

  return {
    totalUsers: Number(emails.total_users ?? 0),
    nullEmails: { count: Number(emails.null_count ?? 0), sampleIds: ids(emails.null_sample) },
    malformedEmails: { count: Number(emails.malformed_count ?? 0), sampleIds: ids(emails.malformed_sample) },
    unnormalizedEmails: { count: Number(unnormalized.count ?? 0), sampleIds: ids(unnormalized.sample) },
    duplicateEmails: {
      count: Number(duplicates.users ?? 0),
      groups: Number(duplicates.groups ?? 0),
      sampleIds: ids(duplicates.sample),
      sampleGroups: ((duplicates.sample_groups as unknown[] | null) ?? []).map(ids),
    },
    futureEvents: {
      count: Number(future.count ?? 0),
      sampleIds: ids(future.sample),
      latestOccurredAt: iso(future.latest),
    },
    subscriptionsMissingPlan: {
      count: Number(missingPlan.count ?? 0),
      sampleIds: ids(missingPlan.sample),
      active: Number(missingPlan.active ?? 0),
      activeMrrCents: Number(missingPlan.active_mrr ?? 0),
    },
    negativeAmounts: {
      count: Number(negative.count ?? 0),
      sampleIds: ids(negative.sample),
      totalAmountCents: Number(negative.total ?? 0),
    },
  };
}

export async function detectDataQuality(
  db: Queryable,
  now: Date | string,
  opts: DetectorOptions = {},
): Promise<DetectedFinding[]> {
  return dataQualityFindings(await queryDataQualityEvidence(db, now, opts));
}

// ---------------------------------------------------------------------------------------------------
// Orphaned records
// ---------------------------------------------------------------------------------------------------

export async function queryOrphanedRecordsEvidence(
  db: Queryable,
  _now: Date | string,
  opts: DetectorOptions = {},
): Promise<OrphanedRecordsEvidence> {
  const { sampleSize: n } = resolved(opts);
  const subs = await one(
    db,
    `select count(*) as count,
            count(*) filter (where u.id is null) as missing_user,
            count(*) filter (where u.id is not null) as deleted_user,
            coalesce(sum(s.mrr_cents), 0) as mrr,
            (array_agg(s.id order by s.id))[1:?::int] as sample
       from app.subscriptions s
       left join app.users u on u.id = s.user_id
      where s.status = 'active' and (u.id is null or u.deleted_at is not null)`,
    [n],
  );
  const pays = await one(
    db,
    `select count(*) as count, coalesce(sum(p.amount_cents), 0) as amount, (array_agg(p.id order by p.id))[1:?::int] as sample
       from app.payments p
      where not exists (select 1 from app.subscriptions s where s.id = p.subscription_id)`,
    [n],
  );
  return {
    activeSubscriptionsWithoutUser: {
      count: Number(subs.count ?? 0),
      sampleIds: ids(subs.sample),
      missingUser: Number(subs.missing_user ?? 0),
      deletedUser: Number(subs.deleted_user ?? 0),
      mrrCents: Number(subs.mrr ?? 0),
    },
    paymentsWithoutSubscription: {
      count: Number(pays.count ?? 0),
      sampleIds: ids(pays.sample),
      amountCents: Number(pays.amount ?? 0),
    },
  };
}

export async function detectOrphanedRecords(
  db: Queryable,
  now: Date | string,
  opts: DetectorOptions = {},
): Promise<DetectedFinding[]> {
  return orphanedRecordsFindings(await queryOrphanedRecordsEvidence(db, now, opts));
}

// ---------------------------------------------------------------------------------------------------
// Billing failures
// ---------------------------------------------------------------------------------------------------

/**
 * Failed payments grouped by normalized decline code and retry state. Hard/soft is decided afterwards by
 * engine/detectors/decline-codes.ts, so the list of hard codes lives in one place.
 */
export async function queryFailedPaymentGroups(
  db: Queryable,
  now: Date | string,
  opts: DetectorOptions = {},
): Promise<FailedPaymentGroup[]> {
  const at = toDate(now);
  const { sampleSize: n, maxAttempts } = resolved(opts);
  const { rows } = (await db.raw(
    `select code, state, count(*) as count, coalesce(sum(amount_cents), 0) as amount, (array_agg(id order by id))[1:?::int] as sample
       from (
         select p.id, p.amount_cents,
                coalesce(nullif(lower(btrim(p.failure_code)), ''), ?) as code,
                case when p.attempt_count >= ? then 'exhausted'
                     when p.next_retry_at is null then 'unscheduled'
                     when p.next_retry_at <= ? then 'due'
                     else 'scheduled' end as state
           from app.payments p
          where p.status = 'failed'
       ) f
      group by code, state
      order by code, state`,
    [n, MISSING_DECLINE_CODE, maxAttempts, at],
  )) as { rows: Array<Record<string, unknown>> };
  return rows.map((r) => ({
    code: String(r.code),
    state: r.state as FailedPaymentState,
    count: Number(r.count),
    amountCents: Number(r.amount),
    sampleIds: ids(r.sample),
  }));
}

export async function queryBillingEvidence(
  db: Queryable,
  now: Date | string,
  opts: DetectorOptions = {},
): Promise<BillingSummary> {
  return summarizeFailedPayments(await queryFailedPaymentGroups(db, now, opts), resolved(opts).sampleSize);
}

export async function detectBillingFailures(
  db: Queryable,
  now: Date | string,
  opts: DetectorOptions = {},
): Promise<DetectedFinding[]> {
  return billingFindings(await queryBillingEvidence(db, now, opts), { maxAttempts: resolved(opts).maxAttempts });
}

// ---------------------------------------------------------------------------------------------------
// System health (cheap: the hourly monitor runs it)
// ---------------------------------------------------------------------------------------------------

const FAILURE_RATE_RECENT_HOURS = 24;
const FAILURE_RATE_BASELINE_DAYS = 7;

export async function querySystemHealthEvidence(
  db: Queryable,
  now: Date | string,
  opts: DetectorOptions = {},
): Promise<SystemHealthEvidence> {
  const at = toDate(now);
  const { sampleSize: n, freshnessHours, stuckAfterHours } = resolved(opts);
  const windowStart = new Date(at.getTime() - freshnessHours * HOUR_MS);
  const stuckBefore = new Date(at.getTime() - stuckAfterHours * HOUR_MS);
  const recentStart = new Date(at.getTime() - FAILURE_RATE_RECENT_HOURS * HOUR_MS);
  const baselineStart = new Date(recentStart.getTime() - FAILURE_RATE_BASELINE_DAYS * 24 * HOUR_MS);

  // Both are range scans on events_time_idx; events after `now` are ignored (they are bad data, not fresh data).
  const fresh = await one(
    db,
    `select (select max(occurred_at) from app.events where occurred_at <= ?) as last_event_at,
            (select count(*) from app.events where occurred_at > ? and occurred_at <= ?) as in_window`,
    [at, windowStart, at],
  );

  const stuck = await one(
    db,
    `select count(*) as count, coalesce(sum(amount_cents), 0) as amount, min(attempted_at) as oldest,
            (array_agg(id order by id))[1:?::int] as sample
       from app.payments where status = 'pending' and attempted_at < ?`,
    [n, stuckBefore],
  );

  // Settled attempts only (succeeded or failed): pending ones have no outcome yet, refunds are not failures.
  const rate = await one(
    db,
    `select count(*) filter (where attempted_at > ?) as recent_attempts,
            count(*) filter (where attempted_at > ? and status = 'failed') as recent_failed,
            count(*) filter (where attempted_at <= ?) as baseline_attempts,
            count(*) filter (where attempted_at <= ? and status = 'failed') as baseline_failed,
            (array_agg(id order by id) filter (where attempted_at > ? and status = 'failed'))[1:?::int] as sample
       from app.payments
      where status in ('succeeded', 'failed') and attempted_at > ? and attempted_at <= ?`,
    [recentStart, recentStart, recentStart, recentStart, recentStart, n, baselineStart, at],
  );

  const paymentFailureRate: PaymentFailureRateEvidence = {
    recentHours: FAILURE_RATE_RECENT_HOURS,
    baselineDays: FAILURE_RATE_BASELINE_DAYS,
    recentAttempts: Number(rate.recent_attempts ?? 0),
    recentFailed: Number(rate.recent_failed ?? 0),
    baselineAttempts: Number(rate.baseline_attempts ?? 0),
    baselineFailed: Number(rate.baseline_failed ?? 0),
    sampleIds: ids(rate.sample),
  };
  return {
    freshness: {
      lastEventAt: iso(fresh.last_event_at),
      eventsInWindow: Number(fresh.in_window ?? 0),
      windowHours: freshnessHours,
    },
    stuckPayments: {
      count: Number(stuck.count ?? 0),
      sampleIds: ids(stuck.sample),
      amountCents: Number(stuck.amount ?? 0),
      oldestAttemptedAt: iso(stuck.oldest),
      olderThanHours: stuckAfterHours,
    },
    paymentFailureRate,
  };
}

export async function detectSystemHealth(
  db: Queryable,
  now: Date | string,
  opts: DetectorOptions = {},
): Promise<DetectedFinding[]> {
  return systemHealthFindings(await querySystemHealthEvidence(db, now, opts), toDate(now));
}

// ---------------------------------------------------------------------------------------------------
// Runners
// ---------------------------------------------------------------------------------------------------

/** The detector names a run covers: pass it as recordFindings' scope so only these may be resolved. */
export function detectorScope(opts: Pick<DetectorOptions, 'kpis'> = {}): DetectorName[] {
  return FULL_CYCLE_DETECTORS.filter((d) => d !== 'kpi' || opts.kpis !== undefined);
}

export const HEALTH_SCOPE: readonly DetectorName[] = HEALTH_DETECTORS;

/** Runs fn in one read-only REPEATABLE READ snapshot, so every count describes the same instant. */
async function inSnapshot<T>(db: Queryable, fn: (q: Queryable) => Promise<T>): Promise<T> {
  if ((db as Knex.Transaction).isTransaction) return fn(db);
  return (db as Knex).transaction((trx) => fn(trx), { isolationLevel: 'repeatable read', readOnly: true });
}

/**
 * Every detector of a full cycle (analyze phase). KPI findings are added when opts.kpis is given
 * (KPIs are computed by the KPI module, not here). Scope for recordFindings: detectorScope(opts).
 */
export async function runAllDetectors(
  db: Queryable,
  now: Date | string,
  opts: DetectorOptions = {},
): Promise<DetectedFinding[]> {
  const at = toDate(now);
  return inSnapshot(db, async (q) => [
    ...(opts.kpis ? kpiBelowTargetFindings(opts.kpis) : []),
    ...(await detectSystemHealth(q, at, opts)),
    ...(await detectDataQuality(q, at, opts)),
    ...(await detectOrphanedRecords(q, at, opts)),
    ...(await detectBillingFailures(q, at, opts)),
  ]);
}

/** The cheap subset the hourly monitor runs. Scope for recordFindings: HEALTH_SCOPE. */
export async function runHealthDetectors(
  db: Queryable,
  now: Date | string,
  opts: DetectorOptions = {},
): Promise<DetectedFinding[]> {
  return inSnapshot(db, (q) => detectSystemHealth(q, now, opts));
}
