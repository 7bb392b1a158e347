// The stable identities of everything the detectors report: detector, kind and fingerprint.
// A fingerprint never contains counts or times, so the same problem seen in two cycles is one finding.
import type { DetectedFinding, KpiName } from '../types';

export type DetectorName = DetectedFinding['detector'];

/** The detector groups a full cycle runs (KPI findings only when KPIs were passed in). */
export const FULL_CYCLE_DETECTORS = [
  'kpi',
  'system_health',
  'data_quality',
  'orphaned_records',
  'billing',
] as const satisfies readonly DetectorName[];
/** What the hourly monitor runs: cheap enough for every hour. */
export const HEALTH_DETECTORS = ['system_health'] as const satisfies readonly DetectorName[];

/** Finding kinds, by detector. Planners switch on `kind`; the KPI kind carries the KPI in evidence.kpi. */
export const KINDS = {
  data_quality: {
    nullEmail: 'null_email',
    malformedEmail: 'malformed_email',
    unnormalizedEmail: 'unnormalized_email',
    duplicateEmail: 'duplicate_email',
    futureEvents: 'future_event_timestamps',
    subscriptionMissingPlan: 'subscription_missing_plan',
    negativeAmounts: 'negative_payment_amounts',
  },
  orphaned_records: {
    activeSubscriptionWithoutUser: 'active_subscription_without_user',
    paymentWithoutSubscription: 'payment_without_subscription',
  },
  billing: {
    retryableFailedPayments: 'retryable_failed_payments',
    hardDeclines: 'hard_declines',
    softDeclinesExhausted: 'soft_declines_exhausted',
  },
  system_health: {
    eventFreshness: 'event_freshness',
    stuckPayments: 'stuck_payments',
    paymentFailureSpike: 'payment_failure_spike',
  },
  kpi: {
    belowTarget: 'kpi_below_target',
  },
} as const;

/** `detector:kind`, e.g. "data_quality:malformed_email", "billing:retryable_failed_payments". */
export function fingerprintOf(detector: Exclude<DetectorName, 'kpi'>, kind: string): string {
  return `${detector}:${kind}`;
}

/** One finding per KPI: "kpi_below_target:activation_rate". */
export function kpiFingerprint(kpi: KpiName): string {
  return `${KINDS.kpi.belowTarget}:${kpi}`;
}

/** Detectors whose findings are facts read off the data: detection confidence is 1. */
export const DETERMINISTIC_CONFIDENCE = 1;
