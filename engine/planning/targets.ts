// The target rows the planners act on: what db/queries/targets.ts returns, one small row per record.
// Plain data (times as ISO strings, ids as numbers) so rows can be logged, stored or built by hand in tests.

/** A failed payment that may be retried: soft decline, attempts left, due (next_retry_at null or ≤ now). */
export interface RetryablePaymentTarget {
  paymentId: number;
  subscriptionId: number;
  userId: number;
  amountCents: number;
  /** As the provider reported it (normalized by the planner: trim + lower case, missing → 'generic'). */
  failureCode: string | null;
  attemptCount: number;
  nextRetryAt: string | null;
  /** Always 'failed' from the query; the planner re-checks it because a wrong row must never be charged. */
  status: string;
  /** Optional contract columns (null when unknown): the card network, the card, the network's advice. */
  cardBrand?: string | null;
  paymentMethodRef?: string | null;
  adviceCode?: string | null;
}

/** An active subscription whose user row is missing or soft-deleted. */
export interface OrphanedSubscriptionTarget {
  subscriptionId: number;
  userId: number;
  mrrCents: number;
  reason: 'missing_user' | 'deleted_user';
}

/** A valid email that is not in canonical form, whose canonical form belongs to nobody else. */
export interface UnnormalizedEmailTarget {
  userId: number;
  email: string;
  /** lower(btrim(email)) as PostgreSQL computed it. */
  normalizedEmail: string;
}

/** A live, reachable user who signed up 1–14 days ago and has not activated. */
export interface RecentSignupTarget {
  userId: number;
  createdAt: string;
}

/** Event counts of the last 7 days and of the 7 days before them (events after `now` are ignored). */
export interface ActivityCounts {
  recentEvents: number;
  previousEvents: number;
}

/**
 * An activated, live, reachable user at risk of churning:
 *   declining_activity  recent events × 2 < previous events (previous ≥ a minimum)
 *   lapsing             last seen 7–21 days ago and no event since
 */
export interface AtRiskUserTarget extends ActivityCounts {
  userId: number;
  lastSeenAt: string | null;
  signal: 'declining_activity' | 'lapsing';
}

/** A live, reachable user with a churn signal: a past_due subscription and/or declining activity. */
export interface ChurnSignalTarget extends ActivityCounts {
  userId: number;
  pastDue: boolean;
  /** The smallest id among the user's past_due subscriptions. */
  pastDueSubscriptionId: number | null;
  decliningActivity: boolean;
  /** MRR of the user's active and past_due subscriptions: what churn would cost. */
  mrrCents: number;
}

/** A highly active user on the free/lowest plan (or none), and the plan one step up. */
export interface UpgradeCandidateTarget {
  userId: number;
  /** Events in the last 14 days. */
  events: number;
  /** Highest MRR among the user's active subscriptions, 0 without one. */
  currentMrrCents: number;
  offerPlanId: number;
  offerPlanName: string;
  /** The offered plan's monthly price (yearly plans: price / 12). */
  offerMrrCents: number;
}
