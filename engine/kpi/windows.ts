// The KPI time windows (docs/kpis.md) as pure functions of the cycle's logical time `now`.
// Every window is half-open, [start, end). A "day" is exactly 24 hours: the SQL side uses the
// same millisecond durations (never calendar-day intervals), so a DST switch in the database
// session's TimeZone cannot move a boundary. Calendar months (CAC) are UTC months.

export const DAY_MS = 86_400_000;

/** A half-open time window [start, end). */
export interface TimeWindow {
  start: Date;
  end: Date;
}

/** Cohort C (activation, D7 retention): signups in [now − 37d, now − 7d). */
export const COHORT_C_START_DAYS_AGO = 37;
export const COHORT_C_END_DAYS_AGO = 7;
/** Activation counts when activated_at − created_at ≤ 7d (closed: exactly 7d counts). */
export const ACTIVATION_WITHIN_MS = 7 * DAY_MS;
/** D7 retention: an event in [created_at + 7d, created_at + 8d). */
export const D7_OFFSET_START_MS = 7 * DAY_MS;
export const D7_OFFSET_END_MS = 8 * DAY_MS;

/** Cohort F (signup→activation funnel): signups in [now − 60d, now − 30d). */
export const COHORT_F_START_DAYS_AGO = 60;
export const COHORT_F_END_DAYS_AGO = 30;
/** Each funnel step counts when it happened at most 30d after signup (closed, like activation). */
export const FUNNEL_WITHIN_MS = 30 * DAY_MS;

/** Logo churn: customers paying at now − 30d, lost in [now − 30d, now). */
export const CHURN_WINDOW_DAYS = 30;
/** CAC: the last 3 full calendar months before the month holding `now`. */
export const CAC_MONTHS = 3;

function assertValidNow(now: Date): void {
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw new RangeError('KPI windows need a valid `now` Date');
}

function daysBefore(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

export function cohortCWindow(now: Date): TimeWindow {
  assertValidNow(now);
  return { start: daysBefore(now, COHORT_C_START_DAYS_AGO), end: daysBefore(now, COHORT_C_END_DAYS_AGO) };
}

export function cohortFWindow(now: Date): TimeWindow {
  assertValidNow(now);
  return { start: daysBefore(now, COHORT_F_START_DAYS_AGO), end: daysBefore(now, COHORT_F_END_DAYS_AGO) };
}

/** [now − 30d, now): the start is the "30 days ago" at which the churn denominator is taken. */
export function churnWindow(now: Date): TimeWindow {
  assertValidNow(now);
  return { start: daysBefore(now, CHURN_WINDOW_DAYS), end: new Date(now.getTime()) };
}

/**
 * [first day of month(now) − 3 months, first day of month(now)), UTC. The month holding `now`
 * is excluded because it is not over: its spend and its new customers are both incomplete.
 */
export function cacWindow(now: Date): TimeWindow {
  assertValidNow(now);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  // Date.UTC normalises negative months into the previous year (January − 3 → October).
  return { start: new Date(Date.UTC(y, m - CAC_MONTHS, 1)), end: new Date(Date.UTC(y, m, 1)) };
}

/** D7 retention window of one user: [created_at + 7d, created_at + 8d). */
export function d7Window(createdAt: Date): TimeWindow {
  return {
    start: new Date(createdAt.getTime() + D7_OFFSET_START_MS),
    end: new Date(createdAt.getTime() + D7_OFFSET_END_MS),
  };
}

export interface KpiWindows {
  cohortC: TimeWindow;
  cohortF: TimeWindow;
  churn: TimeWindow;
  cac: TimeWindow;
}

export function kpiWindows(now: Date): KpiWindows {
  return { cohortC: cohortCWindow(now), cohortF: cohortFWindow(now), churn: churnWindow(now), cac: cacWindow(now) };
}

/** t ∈ [start, end). */
export function inWindow(t: Date, w: TimeWindow): boolean {
  const x = t.getTime();
  return x >= w.start.getTime() && x < w.end.getTime();
}

/** t − from ≤ withinMs: the closed "within N days" of activation and the funnel steps. */
export function within(from: Date, t: Date | null, withinMs: number): boolean {
  return t != null && t.getTime() - from.getTime() <= withinMs;
}

/** A window as ISO strings, for KPI details and the audit trail. */
export function windowToJson(w: TimeWindow): { start: string; end: string } {
  return { start: w.start.toISOString(), end: w.end.toISOString() };
}

/** A duration as a PostgreSQL interval literal in whole seconds, exact whatever the session TimeZone. */
export function pgInterval(ms: number): string {
  if (!Number.isInteger(ms / 1000)) throw new RangeError(`pgInterval needs whole seconds, got ${ms} ms`);
  return `${ms / 1000} seconds`;
}
