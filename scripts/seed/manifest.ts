// What the demo-data generator planted: exact counts the detectors must find (and tests assert).
export interface SeedManifest {
  seed: number;
  users: number;
  /** The generator's anchor "now" (ISO); all planted timings are relative to it. */
  now: string;
  counts: {
    users: number;
    events: number;
    plans: number;
    subscriptions: number;
    payments: number;
    suggestions: number;
    acquisitionSpendRows: number;
  };
  planted: {
    /** Subscriptions with status 'active' whose user row is missing or has deleted_at set. */
    orphanedActiveSubscriptions: number;
    /** Users whose email is NULL. */
    nullEmails: number;
    /** Users whose email is non-null and invalid even after trimming and lower-casing (no '@', no domain...). */
    malformedEmails: number;
    /** Users whose email is valid but has upper case or surrounding whitespace, fixable by normalizing,
     *  and whose normalized form collides with nobody. */
    unnormalizedEmails: number;
    /** Groups of live users (deleted_at null) sharing one normalized email (lower(btrim(email))). */
    duplicateEmailGroups: number;
    /** Users in those groups (each group has >= 2). */
    duplicateEmailUsers: number;
    /** Events with occurred_at > now. */
    futureEvents: number;
    /** Subscriptions whose plan_id matches no row of app.plans. */
    subscriptionsMissingPlan: number;
    /** Payments with amount_cents < 0. */
    negativeAmounts: number;
    /** Failed payments with a soft decline code, attempt_count < 4 and next_retry_at <= now. */
    retryableFailedPayments: number;
    /** Failed payments with a soft decline code that are NOT due (next_retry_at > now). */
    softDeclinesNotDue: number;
    /** Failed payments with a soft decline code whose attempt_count >= 4 (exhausted). */
    softDeclinesExhausted: number;
    /** Failed payments with a hard decline code (never to be retried). */
    hardDeclines: number;
    /** Payments in status 'pending' with attempted_at older than 24 hours. */
    stuckPayments: number;
  };
}
