// LTV:CAC arithmetic (docs/kpis.md) over the raw counts the SQL returns; pure, no thresholds.
//
//   ARPA  = MRR of paying subscriptions now / paying customers now            (cents per month)
//   churn = customers lost in [now − 30d, now) / paying customers at now − 30d (monthly logo churn)
//   LTV   = ARPA × gross margin / churn                                       (cents)
//   CAC   = acquisition spend of the last 3 full months / new paying customers in them (cents)
//
// Interval: churn is the one binomial estimate here (k lost of the n paying 30 days ago; the
// numerator is a subset of the denominator by construction), so its 95% Wilson interval
// [cLo, cHi] is propagated. LTV:CAC is decreasing in churn, hence
//   [ARPA·gm / (cHi·CAC), ARPA·gm / (cLo·CAC)].
// ARPA and CAC are treated as measured, not sampled (they are full-population sums this month),
// so the interval states the churn uncertainty only. With zero churned customers cLo = 0 and the
// upper end is unbounded: the value and interval are then null, and `ltvCacLowerBound` (from cHi)
// still says how good the ratio is at least.
//
// Undefined cases never produce Infinity or NaN: each yields a reason instead of a value.
import { wilsonInterval } from './wilson';

export interface LtvCacInputs {
  /** Sum of mrr_cents of the subscriptions paying now. */
  activeMrrCents: number;
  /** Distinct users with a subscription paying now. */
  activeCustomers: number;
  /** Distinct users paying at now − 30d (churn denominator). */
  customersAtChurnStart: number;
  /** Of those, users who canceled in [now − 30d, now) and pay for nothing now (churn numerator). */
  churnedCustomers: number;
  /** Acquisition spend over the CAC window, all channels. */
  acquisitionSpendCents: number;
  /** Users whose first paid subscription started in the CAC window. */
  newPayingCustomers: number;
}

export type LtvCacUndefinedReason =
  | 'no_active_paying_customers'
  | 'no_customers_at_churn_start'
  | 'no_new_paying_customers'
  | 'no_acquisition_spend'
  | 'zero_churn';

export interface LtvCacBreakdown {
  arpaCents: number | null;
  churn: number | null;
  churnInterval: [number, number] | null;
  ltvCents: number | null;
  cacCents: number | null;
  /** LTV / CAC; null with `reasons` when a piece is undefined or unbounded. */
  value: number | null;
  interval: [number, number] | null;
  /** With zero churn: the ratio at the churn's Wilson upper bound, a floor for the true ratio. */
  ltvCacLowerBound: number | null;
  /** Why `value` is null, in the order checked; empty when it is defined. */
  reasons: LtvCacUndefinedReason[];
}

function assertCount(name: string, x: number): void {
  if (!Number.isInteger(x) || x < 0)
    throw new RangeError(`LTV:CAC input ${name} must be a non-negative integer, got ${x}`);
}

export function validateLtvCacInputs(i: LtvCacInputs, grossMargin: number): void {
  assertCount('activeCustomers', i.activeCustomers);
  assertCount('customersAtChurnStart', i.customersAtChurnStart);
  assertCount('churnedCustomers', i.churnedCustomers);
  assertCount('newPayingCustomers', i.newPayingCustomers);
  if (i.churnedCustomers > i.customersAtChurnStart) {
    throw new RangeError(
      `churned customers (${i.churnedCustomers}) exceed customers at churn start (${i.customersAtChurnStart})`,
    );
  }
  if (!Number.isFinite(i.activeMrrCents) || i.activeMrrCents < 0)
    throw new RangeError(`activeMrrCents must be ≥ 0, got ${i.activeMrrCents}`);
  if (!Number.isFinite(i.acquisitionSpendCents) || i.acquisitionSpendCents < 0) {
    throw new RangeError(`acquisitionSpendCents must be ≥ 0, got ${i.acquisitionSpendCents}`);
  }
  if (!Number.isFinite(grossMargin) || grossMargin <= 0 || grossMargin > 1) {
    throw new RangeError(`gross margin must be in (0, 1], got ${grossMargin}`);
  }
}

export function ltvCacBreakdown(i: LtvCacInputs, grossMargin: number): LtvCacBreakdown {
  validateLtvCacInputs(i, grossMargin);
  const reasons: LtvCacUndefinedReason[] = [];

  const arpaCents = i.activeCustomers > 0 ? i.activeMrrCents / i.activeCustomers : null;
  if (arpaCents == null) reasons.push('no_active_paying_customers');

  const churn = i.customersAtChurnStart > 0 ? i.churnedCustomers / i.customersAtChurnStart : null;
  const churnInterval = wilsonInterval(i.churnedCustomers, i.customersAtChurnStart);
  if (churn == null) reasons.push('no_customers_at_churn_start');

  // Zero new customers: CAC is undefined (no spend either) or unbounded (spend bought nobody, which
  // may also be attribution lag); either way a ratio would be a guess, so no value.
  const cacCents = i.newPayingCustomers > 0 ? i.acquisitionSpendCents / i.newPayingCustomers : null;
  if (cacCents == null) reasons.push('no_new_paying_customers');
  // Zero spend with new customers: CAC 0, the ratio unbounded (organic growth only).
  else if (cacCents === 0) reasons.push('no_acquisition_spend');

  if (churn === 0) reasons.push('zero_churn');

  const ltvCents = arpaCents != null && churn != null && churn > 0 ? (arpaCents * grossMargin) / churn : null;
  const defined = reasons.length === 0 && ltvCents != null && cacCents != null && cacCents > 0;
  const value = defined ? ltvCents / cacCents : null;

  let interval: [number, number] | null = null;
  if (defined && churnInterval && churnInterval[0] > 0) {
    const [cLo, cHi] = churnInterval;
    interval = [(arpaCents! * grossMargin) / (cHi * cacCents), (arpaCents! * grossMargin) / (cLo * cacCents)];
  }

  let ltvCacLowerBound: number | null = null;
  if (churn === 0 && churnInterval && arpaCents != null && cacCents != null && cacCents > 0) {
    ltvCacLowerBound = (arpaCents * grossMargin) / (churnInterval[1] * cacCents);
  }

  return { arpaCents, churn, churnInterval, ltvCents, cacCents, value, interval, ltvCacLowerBound, reasons };
}
