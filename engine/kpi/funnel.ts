// The signup→activation funnel's steps, their conversions and the drop-off step (docs/kpis.md).
//
// Steps, each within 30 days of signup: signed up → onboarding completed → activated → paid.
// The funnel is strict: a user reaches step i when they satisfied step i AND every earlier step,
// so each step's conversion (count_i / count_{i−1}) lies in [0, 1] and the lowest one is where
// the funnel leaks most. The order of the timestamps is not required (activation is often
// recorded in the same instant as the onboarding event, and clock skew would wrongly drop users).
// Each step also reports `reached`: users who did that step regardless of the earlier ones, so
// users who activate without the onboarding event stay visible.
//
// The KPI itself (activated within 30 days / |F|) is the unordered activated count, as the
// design defines it; it can exceed the strict funnel's "activated" step.

export const FUNNEL_STEPS = ['signed_up', 'onboarding_completed', 'activated', 'paid'] as const;
export type FunnelStepName = (typeof FUNNEL_STEPS)[number];

/** Raw counts over cohort F, as the SQL returns them. */
export interface FunnelCounts {
  /** |F|: live users who signed up in the cohort window. */
  cohort: number;
  /** Users with an `onboarding_completed` event within 30 days of signup. */
  onboarded: number;
  /** Users with activated_at within 30 days of signup (the KPI numerator). */
  activated: number;
  /** Users with a paid subscription started within 30 days of signup. */
  paid: number;
  /** onboarded ∧ activated. */
  onboardedActivated: number;
  /** onboarded ∧ activated ∧ paid. */
  onboardedActivatedPaid: number;
}

export interface FunnelStep {
  step: FunnelStepName;
  /** Users who reached this step and every earlier one. */
  count: number;
  /** Users who did this step, earlier steps or not. */
  reached: number;
  /** count / previous step's count; null for the first step or when the previous count is 0. */
  conversion: number | null;
  /** count / |F|; null when the cohort is empty. */
  conversionFromStart: number | null;
}

function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

export function funnelSteps(c: FunnelCounts): FunnelStep[] {
  const counts: Array<[FunnelStepName, number, number]> = [
    ['signed_up', c.cohort, c.cohort],
    ['onboarding_completed', c.onboarded, c.onboarded],
    ['activated', c.onboardedActivated, c.activated],
    ['paid', c.onboardedActivatedPaid, c.paid],
  ];
  return counts.map(([step, count, reached], i) => ({
    step,
    count,
    reached,
    conversion: i === 0 ? null : ratio(count, counts[i - 1]![1]),
    conversionFromStart: ratio(count, c.cohort),
  }));
}

/**
 * The step with the lowest conversion from the step before it (the first step, having no
 * predecessor, is never the drop-off). Ties go to the earlier step: users lost there never get a
 * chance at the later ones. Null when no step has a defined conversion (an empty funnel).
 */
export function dropOffStep(steps: FunnelStep[]): FunnelStep | null {
  let worst: FunnelStep | null = null;
  for (const s of steps) {
    if (s.conversion == null) continue;
    if (worst == null || s.conversion < worst.conversion!) worst = s;
  }
  return worst;
}
