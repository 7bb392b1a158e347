// Action effectiveness (docs/learning.md): what counts as a successful outcome per action type, how long
// the observation window is, and how measured outcomes move a type's Beta success posterior.
// db/queries/learning.ts implements these rules in SQL; the planners and the effects pipeline use
// outcomeDueAt() so that an action's outcome_due_at is the moment its window has closed.
//
// Outcome of one executed action (windows are closed: "within 7 days" includes exactly 7 days):
//   retry_payment        success = the payment (target_id) has status 'succeeded' at measurement.
//                        A payment still 'pending' is re-checked until PENDING_PAYMENT_GRACE_MS after
//                        the due time, then counts as a failure; a missing payment is a failure.
//   onboarding_nudge     success = the user activated in [executed_at, executed_at + 7d]. A user who had
//                        activated before the nudge (or is missing) is a failure: the nudge did nothing.
//   retention_campaign,  success = the user had an event in [executed_at, executed_at + 7d].
//   proactive_retention
//   upgrade_offer        success = the user started a subscription that was paid (status active,
//                        past_due or canceled, as in the KPI definitions) in [executed_at, executed_at + 14d]
//                        whose mrr_cents exceeds the highest mrr_cents the user was paying at executed_at
//                        (0 when nothing), i.e. an upgrade or a first paid plan.
//   anything else        not measured (data fixes, recommendations, investigations have no observable
//                        success signal in the data contract); reported as skipped.
// An action is measured once: only while its outcome is null, and only after its window has closed
// (executed_at + window ≤ now), whatever outcome_due_at says, so a partial window never judges it.
import { DAY_MS } from '../kpi/windows';
import { mean, type BetaPosterior } from '../stats/beta';
import type { ActionType } from '../types';

export type MeasuredActionType =
  'retry_payment' | 'onboarding_nudge' | 'retention_campaign' | 'proactive_retention' | 'upgrade_offer';

export interface OutcomeRule {
  /** The target_type the rule reads (a mismatch leaves the action unmeasured and reported). */
  targetType: 'payment' | 'user';
  /** Observation window after executed_at; 0 = judged on the state at measurement time. */
  windowMs: number;
  description: string;
}

export const OUTCOME_RULES: Record<MeasuredActionType, OutcomeRule> = {
  retry_payment: { targetType: 'payment', windowMs: 0, description: "the retried payment's status is 'succeeded'" },
  onboarding_nudge: {
    targetType: 'user',
    windowMs: 7 * DAY_MS,
    description: 'the user activated within 7 days after the nudge',
  },
  retention_campaign: {
    targetType: 'user',
    windowMs: 7 * DAY_MS,
    description: 'the user had an event within 7 days after the campaign',
  },
  proactive_retention: {
    targetType: 'user',
    windowMs: 7 * DAY_MS,
    description: 'the user had an event within 7 days after the outreach',
  },
  upgrade_offer: {
    targetType: 'user',
    windowMs: 14 * DAY_MS,
    description: 'the user started a paid subscription with a higher MRR than they were paying, within 14 days',
  },
};

export const MEASURED_ACTION_TYPES = Object.keys(OUTCOME_RULES) as MeasuredActionType[];

/** How long after its due time a retried payment still 'pending' is waited for before it counts as failed. */
export const PENDING_PAYMENT_GRACE_MS = 3 * DAY_MS;

/** When a retried payment is first looked at: a day gives the gateway time to settle it. */
export const RETRY_PAYMENT_SETTLE_MS = 1 * DAY_MS;

export function isMeasuredActionType(type: string): type is MeasuredActionType {
  return Object.prototype.hasOwnProperty.call(OUTCOME_RULES, type);
}

/**
 * The outcome_due_at to store for an action executed at `executedAt`: when its window closes (retried
 * payments after RETRY_PAYMENT_SETTLE_MS). null for types whose outcome is not measured.
 */
export function outcomeDueAt(type: ActionType | string, executedAt: Date): Date | null {
  if (!isMeasuredActionType(type)) return null;
  const wait = type === 'retry_payment' ? RETRY_PAYMENT_SETTLE_MS : OUTCOME_RULES[type].windowMs;
  return new Date(executedAt.getTime() + wait);
}

export interface OutcomeTally {
  success: number;
  failure: number;
}

/**
 * The posterior after adding a tally to it: alpha += successes, beta += failures (Beta-Bernoulli
 * conjugacy; the Beta(1,1) prior is the action_stats row default).
 */
export function updatePosterior(prior: BetaPosterior, tally: OutcomeTally): BetaPosterior {
  if (!(tally.success >= 0 && tally.failure >= 0))
    throw new RangeError(`outcome counts must be ≥ 0, got ${tally.success}/${tally.failure}`);
  return { alpha: prior.alpha + tally.success, beta: prior.beta + tally.failure };
}

/** The posterior before a tally was added (inverse of updatePosterior). */
export function priorOf(posterior: BetaPosterior, tally: OutcomeTally): BetaPosterior {
  return { alpha: posterior.alpha - tally.success, beta: posterior.beta - tally.failure };
}

/** The success rate the engine expected of a type before the tally: the prior's posterior mean. */
export function expectedSuccessRate(prior: BetaPosterior): number {
  return mean(prior);
}
