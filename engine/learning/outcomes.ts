// Action effectiveness (docs/learning.md): what counts as a successful outcome per action type, how long
// the observation window is, and how measured outcomes move a type's Beta success posterior.
// Each type's rule is data (OUTCOME_RULES: target type, success signal, window); isOutcomeSuccess() is the
// rule in code, and the SQL that measures outcomes set-based is generated from the same rules, one
// fragment per signal (db/sql/measure-outcomes.ts), and tested to agree with isOutcomeSuccess(). The
// planners and the effects pipeline use outcomeDueAt() so that outcome_due_at is when the window closes.
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

/** What success is observed as; each has one SQL fragment in the db layer. */
export type SuccessSignal =
  /** The target payment's status is 'succeeded' at measurement (a missing payment fails). */
  | 'payment_succeeded'
  /** The target user's activated_at lies in [executed_at, executed_at + window]. */
  | 'activated_in_window'
  /** The target user has an event in [executed_at, executed_at + window]. */
  | 'event_in_window'
  /** The user started a paid subscription in the window with a higher MRR than they were paying at executed_at. */
  | 'higher_paid_plan_in_window';

/** Subscription statuses that mean it was paid at some point (as in the KPI definitions; trialing has not). */
export const PAID_SUBSCRIPTION_STATUSES = ['active', 'past_due', 'canceled'] as const;

export interface OutcomeRule {
  /** The target_type the rule reads (a mismatch leaves the action unmeasured and reported). */
  targetType: 'payment' | 'user';
  signal: SuccessSignal;
  /** Observation window after executed_at; 0 = judged on the state at measurement time. */
  windowMs: number;
  description: string;
}

export const OUTCOME_RULES: Record<MeasuredActionType, OutcomeRule> = {
  retry_payment: {
    targetType: 'payment',
    signal: 'payment_succeeded',
    windowMs: 0,
    description: "the retried payment's status is 'succeeded'",
  },
  onboarding_nudge: {
    targetType: 'user',
    signal: 'activated_in_window',
    windowMs: 7 * DAY_MS,
    description: 'the user activated within 7 days after the nudge',
  },
  retention_campaign: {
    targetType: 'user',
    signal: 'event_in_window',
    windowMs: 7 * DAY_MS,
    description: 'the user had an event within 7 days after the campaign',
  },
  proactive_retention: {
    targetType: 'user',
    signal: 'event_in_window',
    windowMs: 7 * DAY_MS,
    description: 'the user had an event within 7 days after the outreach',
  },
  upgrade_offer: {
    targetType: 'user',
    signal: 'higher_paid_plan_in_window',
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

/** What the data says about an action's target, as far as its rule reads it. */
export interface OutcomeFacts {
  /** payment_succeeded: the target payment's status (null when the payment does not exist). */
  paymentStatus?: string | null;
  /** activated_in_window: the target user's activated_at. */
  activatedAt?: Date | null;
  /** event_in_window: when the target user's events occurred. */
  eventTimes?: readonly Date[];
  /** higher_paid_plan_in_window: the target user's subscriptions. */
  subscriptions?: ReadonlyArray<{ status: string; mrrCents: number; startedAt: Date; canceledAt: Date | null }>;
}

/** Whether an action of a rule's type executed at `executedAt` succeeded, given the facts about its target. */
export function isOutcomeSuccess(
  rule: Pick<OutcomeRule, 'signal' | 'windowMs'>,
  executedAt: Date,
  facts: OutcomeFacts,
): boolean {
  const from = executedAt.getTime();
  const to = from + rule.windowMs;
  const inWindow = (d: Date) => d.getTime() >= from && d.getTime() <= to;
  switch (rule.signal) {
    case 'payment_succeeded':
      return facts.paymentStatus === 'succeeded';
    case 'activated_in_window':
      return facts.activatedAt != null && inWindow(facts.activatedAt);
    case 'event_in_window':
      return (facts.eventTimes ?? []).some(inWindow);
    case 'higher_paid_plan_in_window': {
      const paid = (facts.subscriptions ?? []).filter((s) =>
        (PAID_SUBSCRIPTION_STATUSES as readonly string[]).includes(s.status),
      );
      const paying = paid.filter(
        (s) => s.startedAt.getTime() < from && (s.canceledAt == null || s.canceledAt.getTime() > from),
      );
      const baseline = Math.max(0, ...paying.map((s) => s.mrrCents));
      return paid.some((s) => inWindow(s.startedAt) && s.mrrCents > baseline);
    }
  }
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
