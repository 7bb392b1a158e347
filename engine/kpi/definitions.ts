// The four KPIs of docs/kpis.md: one definition each (name, target, windows) and the builders that
// turn the raw counts the SQL measured into engine/types.ts KpiResults. Pure: `now` is passed in.
//
// Definitions (the SQL in db/queries/kpis.ts implements exactly these; windows are half-open):
// - activation_rate: cohort C = live users (deleted_at null) created in [now − 37d, now − 7d);
//   success = activated_at − created_at ≤ 7d (exactly 7d counts; as written in the design there is
//   no lower bound, so an activation stamped before signup — clock skew — still counts).
// - d7_retention: cohort C; success = any event in [created_at + 7d, created_at + 8d), and before
//   `now` so that a cycle recomputed later with the same `now` sees the same data. Users created in
//   the cohort's last day have their D7 day partly after `now` (the design's C ends at now − 7d).
// - signup_to_activation: cohort F = live users created in [now − 60d, now − 30d); success =
//   activated_at − created_at ≤ 30d. Funnel steps (engine/kpi/funnel.ts), each at most 30d after
//   signup: an `onboarding_completed` event; activated; "paid" = a subscription with mrr_cents > 0
//   and status active, past_due or canceled (it was paid at some point; trialing has not paid yet
//   and incomplete never did), started at most 30d after signup.
// - ltv_cac (engine/kpi/ltv-cac.ts): a subscription "pays" when mrr_cents > 0 and it is active or
//   past_due (past_due still counts in MRR while dunning runs) and started before `now`; a "paying
//   customer" is a distinct subscriptions.user_id with one (no join to users: the contract has no
//   foreign keys, and a subscription billed for a deleted user is still revenue until the orphan
//   detector deals with it). Paying at now − 30d is reconstructed from timestamps: a paid-ever
//   subscription (mrr_cents > 0, status active/past_due/canceled) started before then and not
//   canceled before then. A churned customer was paying at now − 30d, had a subscription canceled
//   in [now − 30d, now) and pays for nothing now (a plan switch is not churn). New paying customers:
//   users whose first paid-ever subscription started in the CAC window (last 3 full UTC months).
//   Sample size = paying customers at now − 30d, the churn denominator.
import type { KpiName, KpiResult, KpiStatus } from '../types';
import { dropOffStep, funnelSteps, type FunnelCounts } from './funnel';
import { ltvCacBreakdown, type LtvCacInputs } from './ltv-cac';
import { cacWindow, churnWindow, cohortCWindow, cohortFWindow, type TimeWindow } from './windows';
import { wilsonInterval } from './wilson';

export type RateKpiName = Exclude<KpiName, 'ltv_cac'>;

export interface KpiDefinition {
  name: KpiName;
  label: string;
  target: number;
  kind: 'rate' | 'ratio';
  description: string;
  /** The time windows the KPI reads, as pure functions of `now`. */
  windows(now: Date): Record<string, TimeWindow>;
}

export const KPI_DEFINITIONS: Record<KpiName, KpiDefinition> = {
  activation_rate: {
    name: 'activation_rate',
    label: 'Activation rate',
    target: 0.4,
    kind: 'rate',
    description: 'Share of users created in [now − 37d, now − 7d) who activated within 7 days of signup.',
    windows: (now) => ({ cohort: cohortCWindow(now) }),
  },
  d7_retention: {
    name: 'd7_retention',
    label: 'D7 retention',
    target: 0.25,
    kind: 'rate',
    description: 'Share of users created in [now − 37d, now − 7d) with an event in [created_at + 7d, created_at + 8d).',
    windows: (now) => ({ cohort: cohortCWindow(now) }),
  },
  signup_to_activation: {
    name: 'signup_to_activation',
    label: 'Signup→activation conversion',
    target: 0.4,
    kind: 'rate',
    description:
      'Share of users created in [now − 60d, now − 30d) who activated within 30 days; funnel steps in details.',
    windows: (now) => ({ cohort: cohortFWindow(now) }),
  },
  ltv_cac: {
    name: 'ltv_cac',
    label: 'LTV:CAC',
    target: 4.0,
    kind: 'ratio',
    description:
      'ARPA × gross margin / monthly logo churn, over acquisition spend per new paying customer (last 3 full months).',
    windows: (now) => ({ churn: churnWindow(now), cac: cacWindow(now) }),
  },
};

export const KPI_TARGETS: Record<KpiName, number> = {
  activation_rate: KPI_DEFINITIONS.activation_rate.target,
  d7_retention: KPI_DEFINITIONS.d7_retention.target,
  signup_to_activation: KPI_DEFINITIONS.signup_to_activation.target,
  ltv_cac: KPI_DEFINITIONS.ltv_cac.target,
};

function assertMinSample(minSample: number): void {
  // Any finite non-negative number works with `n < minSample`; a fractional threshold is not an error.
  if (!Number.isFinite(minSample) || minSample < 0)
    throw new RangeError(`minSample must be a finite number ≥ 0, got ${minSample}`);
}

function statusOf(value: number, target: number): KpiStatus {
  return value >= target ? 'ok' : 'below_target';
}

/**
 * A rate KPI from k successes of n. Below the minimum sample (n < minSample), and always for an
 * empty cohort, the value and interval are null and the status insufficient_data; exactly at the
 * minimum the KPI is measured. details.numerator/denominator are the detector's k and n.
 */
export function buildRateKpi(
  name: RateKpiName,
  successes: number,
  n: number,
  minSample: number,
  extraDetails: Record<string, unknown> = {},
): KpiResult {
  assertMinSample(minSample);
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`${name}: need integers 0 ≤ successes ≤ n, got ${successes}/${n}`);
  }
  const target = KPI_DEFINITIONS[name].target;
  const details = { numerator: successes, denominator: n, minSample, ...extraDetails };
  if (n === 0 || n < minSample) {
    return {
      name,
      value: null,
      target,
      sampleSize: n,
      interval: null,
      status: 'insufficient_data',
      details: { ...details, reason: n === 0 ? 'empty_cohort' : 'below_min_sample' },
    };
  }
  const value = successes / n;
  return {
    name,
    value,
    target,
    sampleSize: n,
    interval: wilsonInterval(successes, n),
    status: statusOf(value, target),
    details,
  };
}

/**
 * The funnel KPI: signup→activation rate over cohort F, with every step's count and conversion.
 * The drop-off step is only named when the cohort meets the minimum sample: on a tiny cohort it
 * would be noise that the optimize phase might act on.
 */
export function buildFunnelKpi(
  counts: FunnelCounts,
  minSample: number,
  extraDetails: Record<string, unknown> = {},
): KpiResult {
  const steps = funnelSteps(counts);
  const sufficient = counts.cohort > 0 && counts.cohort >= minSample;
  const drop = sufficient ? dropOffStep(steps) : null;
  return buildRateKpi('signup_to_activation', counts.activated, counts.cohort, minSample, {
    steps,
    dropOff: drop ? { step: drop.step, conversion: drop.conversion } : null,
    ...extraDetails,
  });
}

/**
 * LTV:CAC. Insufficient data (value and interval null, details.reason says why) when the paying
 * customers at now − 30d are fewer than minSample, or any piece is undefined or unbounded: no
 * paying customers now (ARPA), no new paying customers (CAC), no spend (CAC 0) or zero churn (LTV
 * unbounded; details.ltvCacLowerBound still gives a floor). The interval propagates the churn's
 * Wilson bounds (see engine/kpi/ltv-cac.ts).
 */
export function buildLtvCacKpi(
  inputs: LtvCacInputs,
  grossMargin: number,
  minSample: number,
  extraDetails: Record<string, unknown> = {},
): KpiResult {
  assertMinSample(minSample);
  const b = ltvCacBreakdown(inputs, grossMargin);
  const n = inputs.customersAtChurnStart;
  const target = KPI_DEFINITIONS.ltv_cac.target;
  const reasons = [...(n < minSample ? ['below_min_sample'] : []), ...b.reasons];
  const details: Record<string, unknown> = {
    numerator: b.ltvCents,
    denominator: b.cacCents,
    minSample,
    grossMargin,
    ...inputs,
    arpaCents: b.arpaCents,
    churn: b.churn,
    churnInterval: b.churnInterval,
    ltvCents: b.ltvCents,
    cacCents: b.cacCents,
    ltvCacLowerBound: b.ltvCacLowerBound,
    ...extraDetails,
  };
  if (reasons.length > 0 || b.value == null) {
    return {
      name: 'ltv_cac',
      value: null,
      target,
      sampleSize: n,
      interval: null,
      status: 'insufficient_data',
      details: { ...details, reason: reasons[0] ?? 'undefined', reasons },
    };
  }
  return {
    name: 'ltv_cac',
    value: b.value,
    target,
    sampleSize: n,
    interval: b.interval,
    status: statusOf(b.value, target),
    details,
  };
}
