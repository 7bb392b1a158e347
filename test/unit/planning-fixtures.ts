// Hand-built findings, KPIs and target rows for the planner unit tests, made with the real detector and
// KPI builders so fingerprints, evidence and details have exactly the shapes the planners get in a cycle.
import { billingFindings, summarizeFailedPayments } from '../../engine/detectors/billing';
import { dataQualityFindings, type DataQualityEvidence } from '../../engine/detectors/data-quality';
import { kpiBelowTargetFinding } from '../../engine/detectors/kpi-below-target';
import { orphanedRecordsFindings } from '../../engine/detectors/orphaned-records';
import { stuckPaymentsFinding } from '../../engine/detectors/system-health';
import { buildFunnelKpi, buildLtvCacKpi, buildRateKpi } from '../../engine/kpi/definitions';
import type { RetryablePaymentTarget } from '../../engine/planning/targets';
import type { DetectedFinding, KpiResult } from '../../engine/types';

export const NOW = new Date('2026-11-20T12:00:00.000Z');
export const HOUR = 3_600_000;
export const hoursFromNow = (h: number) => new Date(NOW.getTime() + h * HOUR).toISOString();

export function payment(over: Partial<RetryablePaymentTarget> & { paymentId: number }): RetryablePaymentTarget {
  return {
    subscriptionId: 100 + over.paymentId,
    userId: 1000 + over.paymentId,
    amountCents: 2900,
    failureCode: 'insufficient_funds',
    attemptCount: 1,
    nextRetryAt: hoursFromNow(-1),
    status: 'failed',
    ...over,
  };
}

export function billingFinding(): DetectedFinding {
  const s = summarizeFailedPayments([
    { code: 'insufficient_funds', state: 'due', count: 3, amountCents: 8700, sampleIds: [1, 2, 3] },
  ]);
  return billingFindings(s, { maxAttempts: 4 })[0]!;
}

const none = { count: 0, sampleIds: [] };
export function dataQualityEvidence(over: Partial<DataQualityEvidence> = {}): DataQualityEvidence {
  return {
    totalUsers: 1000,
    nullEmails: none,
    malformedEmails: none,
    unnormalizedEmails: none,
    duplicateEmails: { ...none, groups: 0, sampleGroups: [] },
    futureEvents: { ...none, latestOccurredAt: null },
    subscriptionsMissingPlan: { ...none, active: 0, activeMrrCents: 0 },
    negativeAmounts: { ...none, totalAmountCents: 0 },
    ...over,
  };
}

/** Every data-quality finding: null, malformed, unnormalized, duplicate, future, missing plan, negative. */
export function allDataQualityFindings(): DetectedFinding[] {
  return dataQualityFindings(
    dataQualityEvidence({
      nullEmails: { count: 2, sampleIds: [21, 22] },
      malformedEmails: { count: 3, sampleIds: [23, 24, 25] },
      unnormalizedEmails: { count: 2, sampleIds: [26, 27] },
      duplicateEmails: { count: 3, sampleIds: [29, 30, 31], groups: 1, sampleGroups: [[29, 30, 31]] },
      futureEvents: { count: 2, sampleIds: [1001, 1002], latestOccurredAt: hoursFromNow(720) },
      subscriptionsMissingPlan: { count: 2, sampleIds: [14, 15], active: 1, activeMrrCents: 2900 },
      negativeAmounts: { count: 1, sampleIds: [9], totalAmountCents: -2900 },
    }),
  );
}

export function orphanFindings(): DetectedFinding[] {
  return orphanedRecordsFindings({
    activeSubscriptionsWithoutUser: { count: 2, sampleIds: [11, 12], missingUser: 1, deletedUser: 1, mrrCents: 5800 },
    paymentsWithoutSubscription: { count: 1, sampleIds: [77], amountCents: 1900 },
  });
}

export function stuckFinding(): DetectedFinding {
  return stuckPaymentsFinding({
    count: 2,
    sampleIds: [5, 6],
    amountCents: 5800,
    oldestAttemptedAt: hoursFromNow(-48),
    olderThanHours: 24,
  })!;
}

/** 100-user cohorts: activation 20/100 (target 0.40), D7 retention 10/100 (0.25): both clearly below. */
export const activationKpi: KpiResult = buildRateKpi('activation_rate', 20, 100, 30);
export const retentionKpi: KpiResult = buildRateKpi('d7_retention', 10, 100, 30);
export const okActivationKpi: KpiResult = buildRateKpi('activation_rate', 60, 100, 30);
/** Funnel of 200: 120 onboarded (0.60), 50 of them activated (0.4167), 40 of those paid (0.80). */
export const funnelKpi: KpiResult = buildFunnelKpi(
  { cohort: 200, onboarded: 120, activated: 60, paid: 45, onboardedActivated: 50, onboardedActivatedPaid: 40 },
  30,
);
/** ARPA $50, churn 10/100, margin 0.8 → LTV $400; CAC $125 → LTV:CAC 3.2 (target 4). */
export const ltvCacKpi: KpiResult = buildLtvCacKpi(
  {
    activeMrrCents: 500_000,
    activeCustomers: 100,
    customersAtChurnStart: 100,
    churnedCustomers: 10,
    acquisitionSpendCents: 1_250_000,
    newPayingCustomers: 100,
  },
  0.8,
  30,
);

export function kpiFinding(kpi: KpiResult): DetectedFinding {
  const f = kpiBelowTargetFinding(kpi);
  if (!f) throw new Error(`${kpi.name} is not below target`);
  return f;
}

/** Fisher–Yates with a fixed LCG: a reproducible shuffle for order-independence tests. */
export function shuffled<T>(xs: readonly T[], seed = 7): T[] {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
