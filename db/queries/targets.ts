// The planners' target rows (engine/planning/targets.ts): which payments, subscriptions and users an
// action would touch. Set-based SQL, one statement per target kind, each bounded by LIMIT = the action
// type's per-cycle cap with a deterministic ORDER BY (most valuable first where there is a measure, then
// id), so a capped cycle always picks the same rows. Every time window is computed from the cycle's
// logical `now` (never SQL now()); a "day" is exactly 24h, as in engine/kpi/windows.ts.
// Stays fast at 1M users / 20M events (measured on the demo data: every query under ~2.5 s, most far
// less): events are only read through events_user_time_idx, either a 14-day range probe per candidate
// user (at-risk, churn) or one pass over the index's 14-day entries (upgrade candidates); failed payments
// through payments_failed_due_idx, recent signups through users_created_live_idx, per-user lookups through
// subscriptions_user_idx and users_email_norm_idx; the widest table scan is one pass over users, like the
// detectors'. Never a sequential scan of events.
import type { Knex } from 'knex';
import { HARD_DECLINE_CODES, MISSING_DECLINE_CODE } from '../../engine/detectors/decline-codes';
import { DAY_MS } from '../../engine/kpi/windows';
import { MESSAGE_TEMPLATES } from '../../engine/planning/messages';
import type {
  AtRiskUserTarget,
  ChurnSignalTarget,
  OrphanedSubscriptionTarget,
  RecentSignupTarget,
  RetryablePaymentTarget,
  UnnormalizedEmailTarget,
  UpgradeCandidateTarget,
} from '../../engine/planning/targets';
import { VALID_EMAIL_SQL } from './detectors';
import { paymentCardColumns } from './payment-card-columns';
import { iso, type Queryable } from '../types';

type Row = Record<string, unknown>;

export interface CapOptions {
  /** The action type's per-cycle cap (policy type_caps): at most this many rows. */
  limit: number;
}

export interface MessageTargetOptions extends CapOptions {
  /**
   * Skip users who received an executed message action (any message type) at or after this time: the
   * contact-cap gate would block them anyway, and without this the same top-ranked users would fill the
   * LIMIT every cycle while everyone below them is never reached. Pass now − the contact-cap window.
   */
  contactedSince?: Date;
}

export interface ActivityOptions extends MessageTargetOptions {
  /** Declining activity needs at least this many events in the previous 7 days (fewer is noise). Default 3. */
  minPreviousEvents?: number;
}

export interface UpgradeOptions extends MessageTargetOptions {
  /** "High activity": at least this many events in the last 14 days. Default 20 (more than one a day). */
  minEvents?: number;
}

export const DEFAULT_MIN_PREVIOUS_EVENTS = 3;
export const DEFAULT_UPGRADE_MIN_EVENTS = 20;

const MESSAGE_TYPES = Object.keys(MESSAGE_TEMPLATES);

function toDate(now: Date | string): Date {
  const d = now instanceof Date ? now : new Date(now);
  if (Number.isNaN(d.getTime())) throw new Error(`invalid target query time: ${String(now)}`);
  return d;
}

function daysBefore(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be an integer ≥ 0, got ${limit}`);
  return limit;
}

async function rows(db: Queryable, sql: string, bindings: readonly unknown[]): Promise<Row[]> {
  const res = (await db.raw(sql, bindings as Knex.RawBinding[])) as { rows: Row[] };
  return res.rows;
}

/** `and not <recently messaged>` for the user id expression `userId`, with its bindings. */
function notContacted(userId: string, since: Date | undefined): { sql: string; bindings: unknown[] } {
  if (!since) return { sql: '', bindings: [] };
  return {
    sql: `and not exists (select 1 from engine.actions x
                           where x.target_type = 'user' and x.target_id = (${userId})::text
                             and x.type = any(?::text[]) and x.status = 'executed' and x.executed_at >= ?)`,
    bindings: [MESSAGE_TYPES, toDate(since)],
  };
}

/**
 * `and <not suppressed>` for the users row `u`: neither its address (normalized, as stored in
 * engine.suppressions) nor its id is on the engine's suppression list. Two primary-key/index probes per row.
 */
const NOT_SUPPRESSED = `and not exists (select 1 from engine.suppressions sp where sp.address = lower(btrim(u.email)))
        and not exists (select 1 from engine.suppressions sp where sp.user_id = u.id)`;

// ---------------------------------------------------------------------------------------------------
// Heal
// ---------------------------------------------------------------------------------------------------

/**
 * Failed payments to retry: soft decline (the normalized code is not in HARD_DECLINE_CODES; no code
 * counts as soft), attempt_count < maxAttempts, due (next_retry_at null or ≤ now), a positive amount,
 * and a subscription still active or past_due of a live user: the engine never charges a canceled
 * subscription or a deleted customer. Largest amount first. With the optional card columns (null where the
 * platform has none), which the card-network gate reads.
 */
export async function queryRetryablePayments(
  db: Queryable,
  now: Date | string,
  opts: CapOptions & { maxAttempts: number },
): Promise<RetryablePaymentTarget[]> {
  const limit = checkLimit(opts.limit);
  if (!Number.isInteger(opts.maxAttempts) || opts.maxAttempts < 1)
    throw new RangeError(`maxAttempts must be an integer ≥ 1, got ${opts.maxAttempts}`);
  if (limit === 0) return [];
  const card = await paymentCardColumns(db);
  const r = await rows(
    db,
    `select p.id, p.subscription_id, s.user_id, p.amount_cents, p.failure_code, p.attempt_count, p.next_retry_at, p.status,
            ${card.card_brand} as card_brand, ${card.payment_method_ref} as payment_method_ref, ${card.advice_code} as advice_code
       from app.payments p
       join app.subscriptions s on s.id = p.subscription_id and s.status in ('active', 'past_due')
       join app.users u on u.id = s.user_id and u.deleted_at is null
      where p.status = 'failed'
        and coalesce(nullif(lower(btrim(p.failure_code)), ''), ?) <> all(?::text[])
        and p.attempt_count < ?
        and (p.next_retry_at is null or p.next_retry_at <= ?)
        and p.amount_cents > 0
      order by p.amount_cents desc, p.id
      limit ?`,
    [MISSING_DECLINE_CODE, [...HARD_DECLINE_CODES], opts.maxAttempts, toDate(now), limit],
  );
  return r.map((x) => ({
    paymentId: Number(x.id),
    subscriptionId: Number(x.subscription_id),
    userId: Number(x.user_id),
    amountCents: Number(x.amount_cents),
    failureCode: (x.failure_code as string | null) ?? null,
    attemptCount: Number(x.attempt_count),
    nextRetryAt: iso(x.next_retry_at),
    status: String(x.status),
    cardBrand: (x.card_brand as string | null) ?? null,
    paymentMethodRef: (x.payment_method_ref as string | null) ?? null,
    adviceCode: (x.advice_code as string | null) ?? null,
  }));
}

/** Active subscriptions whose user row is missing or soft-deleted (the orphan detector's rule). By id. */
export async function queryOrphanedActiveSubscriptions(
  db: Queryable,
  opts: CapOptions,
): Promise<OrphanedSubscriptionTarget[]> {
  const limit = checkLimit(opts.limit);
  if (limit === 0) return [];
  const r = await rows(
    db,
    `select s.id, s.user_id, s.mrr_cents, case when u.id is null then 'missing_user' else 'deleted_user' end as reason
       from app.subscriptions s
       left join app.users u on u.id = s.user_id
      where s.status = 'active' and (u.id is null or u.deleted_at is not null)
      order by s.id
      limit ?`,
    [limit],
  );
  return r.map((x) => ({
    subscriptionId: Number(x.id),
    userId: Number(x.user_id),
    mrrCents: Number(x.mrr_cents),
    reason: x.reason as OrphanedSubscriptionTarget['reason'],
  }));
}

/**
 * Valid emails not in canonical form whose canonical form (lower(btrim(email))) is nobody else's, the
 * data-quality detector's rule exactly (same pattern, same index-probe collision check). By user id.
 */
export async function queryUnnormalizedEmails(db: Queryable, opts: CapOptions): Promise<UnnormalizedEmailTarget[]> {
  const limit = checkLimit(opts.limit);
  if (limit === 0) return [];
  const r = await rows(
    db,
    `select u.id, u.email, lower(btrim(u.email)) as normalized
       from app.users u
      where u.email <> lower(btrim(u.email))
        and lower(btrim(u.email)) ~ ${VALID_EMAIL_SQL}
        and (select count(*) from app.users o where lower(btrim(o.email)) = lower(btrim(u.email))) = 1
      order by u.id
      limit ?`,
    [limit],
  );
  return r.map((x) => ({ userId: Number(x.id), email: String(x.email), normalizedEmail: String(x.normalized) }));
}

// ---------------------------------------------------------------------------------------------------
// Optimize / prevent: users to message (live, not opted out of marketing, not suppressed)
// ---------------------------------------------------------------------------------------------------

/**
 * Signups of [now − 14d, now − 1d) not activated as of now: a day to activate on their own first, and
 * two weeks after which a nudge is stale. Newest first: they can still activate within their first week.
 */
export async function queryRecentNonActivatedSignups(
  db: Queryable,
  now: Date | string,
  opts: MessageTargetOptions,
): Promise<RecentSignupTarget[]> {
  const limit = checkLimit(opts.limit);
  if (limit === 0) return [];
  const at = toDate(now);
  const nc = notContacted('u.id', opts.contactedSince);
  const r = await rows(
    db,
    `select u.id, u.created_at
       from app.users u
      where u.deleted_at is null
        and u.created_at >= ? and u.created_at < ?
        and (u.activated_at is null or u.activated_at > ?)
        and not u.marketing_opt_out
        ${NOT_SUPPRESSED}
        ${nc.sql}
      order by u.created_at desc, u.id
      limit ?`,
    [daysBefore(at, 14), daysBefore(at, 1), at, ...nc.bindings, limit],
  );
  return r.map((x) => ({ userId: Number(x.id), createdAt: iso(x.created_at)! }));
}

/**
 * Per-user event counts of [now − 7d, now) and [now − 14d, now − 7d) for the user `u`: one index-only
 * range probe of events_user_time_idx per candidate user. Cheaper than aggregating the whole 14-day window
 * (a quarter of all events in the demo data) when the candidates are a filtered subset of the users.
 */
const ACTIVITY_LATERAL = `cross join lateral (
         select count(*) filter (where e.occurred_at >= ?) as recent,
                count(*) filter (where e.occurred_at < ?) as previous
           from app.events e
          where e.user_id = u.id and e.occurred_at >= ? and e.occurred_at < ?) a`;

function activityBindings(at: Date): Date[] {
  const weekAgo = daysBefore(at, 7);
  return [weekAgo, weekAgo, daysBefore(at, 14), at];
}

function minPrevious(opts: ActivityOptions): number {
  const m = opts.minPreviousEvents ?? DEFAULT_MIN_PREVIOUS_EVENTS;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`minPreviousEvents must be an integer ≥ 1, got ${m}`);
  return m;
}

/**
 * Activated users at risk: declining activity (recent × 2 < previous, previous ≥ minPreviousEvents) or
 * lapsing (last_seen_at in [now − 21d, now − 7d) and no event since). Most previous activity first: the
 * most engaged users have the most to lose.
 */
export async function queryAtRiskUsers(
  db: Queryable,
  now: Date | string,
  opts: ActivityOptions,
): Promise<AtRiskUserTarget[]> {
  const limit = checkLimit(opts.limit);
  if (limit === 0) return [];
  const at = toDate(now);
  const minPrev = minPrevious(opts);
  const nc = notContacted('u.id', opts.contactedSince);
  const r = await rows(
    db,
    `select u.id, u.last_seen_at, a.recent, a.previous,
            case when a.previous >= ? and a.recent * 2 < a.previous then 'declining_activity' else 'lapsing' end as signal
       from app.users u
       ${ACTIVITY_LATERAL}
      where u.deleted_at is null
        and not u.marketing_opt_out
        ${NOT_SUPPRESSED}
        and u.activated_at <= ?
        and ((a.previous >= ? and a.recent * 2 < a.previous)
             or (u.last_seen_at >= ? and u.last_seen_at < ? and a.recent = 0))
        ${nc.sql}
      order by a.previous desc, u.id
      limit ?`,
    [minPrev, ...activityBindings(at), at, minPrev, daysBefore(at, 21), daysBefore(at, 7), ...nc.bindings, limit],
  );
  return r.map((x) => ({
    userId: Number(x.id),
    lastSeenAt: iso(x.last_seen_at),
    recentEvents: Number(x.recent),
    previousEvents: Number(x.previous),
    signal: x.signal as AtRiskUserTarget['signal'],
  }));
}

/**
 * Users with a churn signal, before they churn: a past_due subscription, or declining activity of an
 * activated user (as in queryAtRiskUsers; a user who never activated is the onboarding nudge's, not
 * churning). Past-due users first, then the steepest decline, then id; each with the MRR of their active
 * and past_due subscriptions (computed for the picked rows only).
 */
export async function queryChurnSignalUsers(
  db: Queryable,
  now: Date | string,
  opts: ActivityOptions,
): Promise<ChurnSignalTarget[]> {
  const limit = checkLimit(opts.limit);
  if (limit === 0) return [];
  const at = toDate(now);
  const minPrev = minPrevious(opts);
  const nc = notContacted('u.id', opts.contactedSince);
  const r = await rows(
    db,
    `with pd as (
       select s.user_id, min(s.id) as subscription_id from app.subscriptions s where s.status = 'past_due' group by s.user_id
     ),
     picked as (
       select u.id as user_id, pd.subscription_id, pd.user_id is not null as past_due, a.recent, a.previous
         from app.users u
         left join pd on pd.user_id = u.id
         ${ACTIVITY_LATERAL}
        where u.deleted_at is null and not u.marketing_opt_out
          ${NOT_SUPPRESSED}
          and (pd.user_id is not null or u.activated_at <= ?)
          and (pd.user_id is not null or (a.previous >= ? and a.recent * 2 < a.previous))
          ${nc.sql}
        order by (pd.user_id is null), a.recent - a.previous, u.id
        limit ?
     )
     select p.*, p.previous >= ? and p.recent * 2 < p.previous as declining,
            coalesce((select sum(s.mrr_cents) from app.subscriptions s
                       where s.user_id = p.user_id and s.status in ('active', 'past_due')), 0) as mrr
       from picked p
      order by (not p.past_due), p.recent - p.previous, p.user_id`,
    [...activityBindings(at), at, minPrev, ...nc.bindings, limit, minPrev],
  );
  return r.map((x) => ({
    userId: Number(x.user_id),
    pastDue: Boolean(x.past_due),
    pastDueSubscriptionId: x.subscription_id == null ? null : Number(x.subscription_id),
    decliningActivity: Boolean(x.declining),
    recentEvents: Number(x.recent),
    previousEvents: Number(x.previous),
    mrrCents: Number(x.mrr),
  }));
}

/**
 * Upgrade candidates: ≥ minEvents events in [now − 14d, now), paying at most the lowest plan's monthly
 * price (free, the cheapest plan, or no subscription), and not in a billing state where an offer is
 * out of place (trialing, past_due or incomplete). Offered: the cheapest plan above what they pay,
 * monthly plans preferred (yearly ones count as price / 12). Most active first.
 */
export async function queryUpgradeCandidates(
  db: Queryable,
  now: Date | string,
  opts: UpgradeOptions,
): Promise<UpgradeCandidateTarget[]> {
  const limit = checkLimit(opts.limit);
  if (limit === 0) return [];
  const at = toDate(now);
  const minEvents = opts.minEvents ?? DEFAULT_UPGRADE_MIN_EVENTS;
  if (!Number.isInteger(minEvents) || minEvents < 1)
    throw new RangeError(`minEvents must be an integer ≥ 1, got ${minEvents}`);
  const nc = notContacted('u.id', opts.contactedSince);
  const r = await rows(
    db,
    `with pl as (
       select id, name, interval,
              (case when interval = 'year' then round(price_cents / 12.0) else price_cents end)::bigint as mrr
         from app.plans
     ),
     act as (
       select e.user_id, count(*) as events
         from app.events e
        where e.occurred_at >= ? and e.occurred_at < ?
        group by e.user_id
       having count(*) >= ?
     ),
     cand as (
       select a.user_id, a.events,
              coalesce((select max(s.mrr_cents) from app.subscriptions s where s.user_id = a.user_id and s.status = 'active'), 0) as current_mrr
         from act a
         join app.users u on u.id = a.user_id
        where u.deleted_at is null and not u.marketing_opt_out
          ${NOT_SUPPRESSED}
          and not exists (select 1 from app.subscriptions s
                           where s.user_id = a.user_id and s.status in ('trialing', 'past_due', 'incomplete'))
          ${nc.sql}
     )
     select c.user_id, c.events, c.current_mrr, o.id as offer_plan_id, o.name as offer_plan_name, o.mrr as offer_mrr
       from cand c
       join lateral (select pl.id, pl.name, pl.mrr from pl where pl.mrr > c.current_mrr
                      order by (pl.interval <> 'month'), pl.mrr, pl.id limit 1) o on true
      where c.current_mrr <= (select coalesce(min(mrr), 0) from pl)
      order by c.events desc, c.user_id
      limit ?`,
    [daysBefore(at, 14), at, minEvents, ...nc.bindings, limit],
  );
  return r.map((x) => ({
    userId: Number(x.user_id),
    events: Number(x.events),
    currentMrrCents: Number(x.current_mrr),
    offerPlanId: Number(x.offer_plan_id),
    offerPlanName: String(x.offer_plan_name),
    offerMrrCents: Number(x.offer_mrr),
  }));
}
