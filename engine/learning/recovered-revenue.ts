// Recovered revenue (docs/learning.md#recovered-revenue): what the engine's payment retries brought back,
// as Baremetrics and Recurly report it, and how much of it the retries caused, measured against the
// retry_payment holdout.
//
// The unit is a failed charge (one app.payments row), not a retry attempt: a charge is eligible once the
// gates of a live cycle admitted a retry of it (run, approval, or drawn into the holdout); its month and
// decline code are those of its first admitted retry. The holdout draw hashes the payment id, so every
// retry decision about one charge lands in the same arm.
//   treated      eligible charges outside the holdout (intention to treat: approvals that were rejected
//                or never ran stay in, so the arms come from the same population)
//   retried      treated charges the engine retried at least once
//   recovered    treated charges that are now paid (count and amount)
//   recovery rate = recovered / treated (count); amount rate = recovered amount / treated amount
// Incremental recovery = treated rate − holdout rate: the count rate with Newcombe's interval (as the
// holdout uplift), and the amount as (r_t − r_h) · treated amount, where r = recovered amount / eligible
// amount per arm is a ratio estimator whose variance is linearised (delta method):
//   Var(r) ≈ n / (n − 1) · Σ x_i² (z_i − r)² / X²,  Σ x_i² (z_i − r)² = (1 − 2r) Σ x_i² z_i + r² Σ x_i²
// (x_i the charge's amount, z_i 1 when recovered, X = Σ x_i); the 95% interval is the difference ± 1.96 ·
// sqrt(Var r_t + Var r_h), scaled by the treated amount. Both intervals need MIN_UPLIFT_SAMPLE charges per arm.
import { Z_95 } from '../kpi/wilson';
import { MIN_UPLIFT_SAMPLE, upliftOf } from './holdout';

/** One arm's sums over its charges, as the recovered-revenue statement returns them. */
export interface ArmSums {
  charges: number;
  amountCents: number;
  retried: number;
  retriedAmountCents: number;
  recovered: number;
  recoveredAmountCents: number;
  /** Σ amount² over the arm's charges. */
  sumSquaredAmount: number;
  /** Σ amount² over the arm's recovered charges. */
  sumSquaredRecoveredAmount: number;
}

export interface SliceSums {
  treated: ArmSums;
  holdout: ArmSums;
}

/** The denominator in words, as the api and the dashboard state it. */
export const RECOVERY_DENOMINATOR =
  'Failed charges that the gates of a live cycle admitted for a retry (retried, sent for approval, or held out as the control group); blocked retries and dry runs are not counted. Rates are over the treated charges, the incremental recovery compares them with the held-out ones.';

export interface CountAmount {
  count: number;
  amountCents: number;
}

export interface RecoveryFigures {
  /** Failed charges a live cycle admitted a retry for: the denominator, both arms. */
  eligible: CountAmount;
  /** Eligible charges outside the holdout. */
  treated: CountAmount;
  heldOut: CountAmount;
  retried: CountAmount;
  /** Treated charges now paid. */
  recovered: CountAmount;
  /** recovered / treated, by count; null without treated charges. */
  recoveryRate: number | null;
  /** recovered amount / treated amount; null when the treated amount is 0. */
  amountRecoveryRate: number | null;
  /** Held-out charges now paid without an engine retry. */
  holdoutRecovered: CountAmount;
  holdoutRecoveryRate: number | null;
  incremental: {
    /** Treated minus holdout recovery rate (count); null without both arms. */
    rate: number | null;
    /** 95% Newcombe interval of `rate`; null below the minimum sample in either arm. */
    rateInterval: [number, number] | null;
    /** Recovered amount beyond what the holdout's amount rate predicts for the treated charges. */
    amountCents: number | null;
    /** 95% delta-method interval of `amountCents`; null below the minimum sample in either arm. */
    amountInterval: [number, number] | null;
  };
}

export const EMPTY_ARM: ArmSums = {
  charges: 0,
  amountCents: 0,
  retried: 0,
  retriedAmountCents: 0,
  recovered: 0,
  recoveredAmountCents: 0,
  sumSquaredAmount: 0,
  sumSquaredRecoveredAmount: 0,
};

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** Linearised variance of an arm's amount recovery rate; null when it has fewer than 2 charges or no amount. */
function amountRateVariance(arm: ArmSums): number | null {
  const n = arm.charges;
  const x = arm.amountCents;
  if (n < 2 || !(x > 0)) return null;
  const r = arm.recoveredAmountCents / x;
  const residuals = (1 - 2 * r) * arm.sumSquaredRecoveredAmount + r * r * arm.sumSquaredAmount;
  return ((n / (n - 1)) * Math.max(0, residuals)) / (x * x);
}

export function recoveryFigures(s: SliceSums, minSample = MIN_UPLIFT_SAMPLE): RecoveryFigures {
  const { treated: t, holdout: h } = s;
  const uplift = upliftOf(
    { successes: t.recovered, failures: t.charges - t.recovered },
    { successes: h.recovered, failures: h.charges - h.recovered },
    minSample,
  );
  const rt = ratio(t.recoveredAmountCents, t.amountCents);
  const rh = ratio(h.recoveredAmountCents, h.amountCents);
  const amountCents = rt != null && rh != null ? (rt - rh) * t.amountCents : null;
  let amountInterval: [number, number] | null = null;
  const vt = amountRateVariance(t);
  const vh = amountRateVariance(h);
  if (amountCents != null && vt != null && vh != null && t.charges >= minSample && h.charges >= minSample) {
    const half = Z_95 * Math.sqrt(vt + vh) * t.amountCents;
    amountInterval = [amountCents - half, amountCents + half];
  }
  return {
    eligible: { count: t.charges + h.charges, amountCents: t.amountCents + h.amountCents },
    treated: { count: t.charges, amountCents: t.amountCents },
    heldOut: { count: h.charges, amountCents: h.amountCents },
    retried: { count: t.retried, amountCents: t.retriedAmountCents },
    recovered: { count: t.recovered, amountCents: t.recoveredAmountCents },
    recoveryRate: uplift.treated.rate,
    amountRecoveryRate: rt,
    holdoutRecovered: { count: h.recovered, amountCents: h.recoveredAmountCents },
    holdoutRecoveryRate: uplift.holdout.rate,
    incremental: { rate: uplift.uplift, rateInterval: uplift.interval, amountCents, amountInterval },
  };
}

/** Calendar months (UTC, 'YYYY-MM') from `from` to `to`, both included. */
export function monthsBetween(from: string, to: string): string[] {
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  const out: string[] = [];
  for (let i = fy * 12 + fm - 1; i <= ty * 12 + tm - 1; i++)
    out.push(`${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
  return out;
}

export interface RecoveryWindow {
  /** First month, 'YYYY-MM' (UTC). */
  from: string;
  /** Last month, included. */
  to: string;
}

/** The longest report: ten years of months. */
export const MAX_WINDOW_MONTHS = 120;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The months a report covers: from/to as given (either defaults to the other end), else the last `months` up to now's. */
export function recoveryWindow(q: { months?: number; from?: string; to?: string }, now: Date): RecoveryWindow {
  const current = now.toISOString().slice(0, 7);
  for (const [name, v] of [
    ['from', q.from],
    ['to', q.to],
  ] as const)
    if (v !== undefined && !MONTH.test(v)) throw new RangeError(`${name} must be a month YYYY-MM, got ${v}`);
  if (q.from !== undefined || q.to !== undefined) {
    if (q.months !== undefined) throw new RangeError('months cannot be combined with from/to');
    const to = q.to ?? (q.from !== undefined && q.from > current ? q.from : current);
    const from = q.from ?? monthsBack(to, 11);
    if (from > to) throw new RangeError(`from (${from}) is after to (${to})`);
    if (monthsBetween(from, to).length > MAX_WINDOW_MONTHS)
      throw new RangeError(`from..to spans more than ${MAX_WINDOW_MONTHS} months`);
    return { from, to };
  }
  const months = q.months ?? 12;
  if (!Number.isInteger(months) || months < 1 || months > MAX_WINDOW_MONTHS)
    throw new RangeError(`months must be an integer in 1..${MAX_WINDOW_MONTHS}, got ${months}`);
  return { from: monthsBack(current, months - 1), to: current };
}

function monthsBack(month: string, k: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const i = y * 12 + m - 1 - k;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** The window's half-open time range [start of from, start of the month after to), for the statement. */
export function windowRange(w: RecoveryWindow): { start: Date; end: Date } {
  return { start: new Date(`${w.from}-01T00:00:00.000Z`), end: new Date(`${monthsBack(w.to, -1)}-01T00:00:00.000Z`) };
}

export interface RecoveryReport {
  window: RecoveryWindow;
  total: RecoveryFigures;
  /** Every month of the window, oldest first, zeros included. */
  byMonth: Array<{ month: string } & RecoveryFigures>;
  /** Decline codes seen in the window, largest eligible amount first. */
  byDeclineCode: Array<{ declineCode: string } & RecoveryFigures>;
}

/** The statement's rows: one per (dimension, key, arm). */
export interface RecoverySumsRow {
  dimension: 'total' | 'month' | 'decline_code';
  key: string | null;
  heldOut: boolean;
  sums: ArmSums;
}

function slicesOf(rows: readonly RecoverySumsRow[]): Map<string, SliceSums> {
  const m = new Map<string, SliceSums>();
  for (const r of rows) {
    const k = r.key ?? '';
    const s = m.get(k) ?? { treated: EMPTY_ARM, holdout: EMPTY_ARM };
    m.set(k, r.heldOut ? { ...s, holdout: r.sums } : { ...s, treated: r.sums });
  }
  return m;
}

export function recoveryReport(window: RecoveryWindow, rows: readonly RecoverySumsRow[]): RecoveryReport {
  const empty: SliceSums = { treated: EMPTY_ARM, holdout: EMPTY_ARM };
  const total = slicesOf(rows.filter((r) => r.dimension === 'total')).get('') ?? empty;
  const months = slicesOf(rows.filter((r) => r.dimension === 'month'));
  const codes = slicesOf(rows.filter((r) => r.dimension === 'decline_code'));
  return {
    window,
    total: recoveryFigures(total),
    byMonth: monthsBetween(window.from, window.to).map((month) => ({
      month,
      ...recoveryFigures(months.get(month) ?? empty),
    })),
    byDeclineCode: [...codes.entries()]
      .map(([declineCode, s]) => ({ declineCode, ...recoveryFigures(s) }))
      .sort((a, b) => b.eligible.amountCents - a.eligible.amountCents || a.declineCode.localeCompare(b.declineCode)),
  };
}
