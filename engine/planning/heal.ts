// Heal phase planner (docs/architecture.md): issues → remediation plans. Pure: findings, KPIs, target rows and
// policy in, ActionPlan[] out; the gates decide what runs, waits for approval or is only recorded.
//
//   retry_payment                 one per retryable failed payment (soft decline, attempts left, due).
//                                 Re-checked here although the query filters: a hard decline, an exhausted
//                                 or not-yet-due payment, a non-failed status or a non-positive amount is
//                                 dropped whatever the input says. Never a hard decline.
//   cancel_orphaned_subscription  one per active subscription of a missing or deleted user.
//   normalize_email               one per valid-but-unnormalized email whose canonical form is nobody else's
//                                 (a deterministic fix: lower-case and strip surrounding spaces).
//   data_fix_review               one per other data-quality / orphaned-record finding (null, malformed and
//                                 duplicate emails, future timestamps, missing plans, negative amounts,
//                                 payments without subscription): a human must decide the fix, so the
//                                 planned confidence is capped at HUMAN_DECISION_CONFIDENCE, below every gate,
//                                 and params.requiresApproval is set.
//   investigate_system_health     one recommendation (not executable) per system-health finding.
//   retention_campaign            at-risk users while D7 retention is below target (retention.ts).
// Not planned: billing:hard_declines (the customer must update the card) and
// billing:soft_declines_exhausted (the retry policy is used up): there is nothing the engine may do.
//
// The deterministic fixes are planned from their target rows even when the matching finding is absent
// (the self-heal path may run without a fresh analyze): the rows are the detection, confidence 1.
import { KINDS, fingerprintOf } from '../detectors/catalog';
import { classifyDecline, normalizeDeclineCode } from '../detectors/decline-codes';
import type { ActionPlan, DetectedFinding, KpiResult } from '../types';
import {
  byKeys,
  deterministicConfidence,
  indexFindings,
  plan,
  round6,
  successProbability,
  uniqueBy,
  type SuccessPosteriors,
} from './common';
import { isValidNormalizedEmail, normalizeEmail } from './email';
import { dedupeMessagesByUser } from './messages';
import { planRetentionCampaigns } from './retention';
import type {
  AtRiskUserTarget,
  OrphanedSubscriptionTarget,
  RetryablePaymentTarget,
  UnnormalizedEmailTarget,
} from './targets';

/** The findings whose target rows the deterministic fixes act on. */
export const HEAL_FINGERPRINTS = {
  retryable: fingerprintOf('billing', KINDS.billing.retryableFailedPayments),
  orphans: fingerprintOf('orphaned_records', KINDS.orphaned_records.activeSubscriptionWithoutUser),
  unnormalized: fingerprintOf('data_quality', KINDS.data_quality.unnormalizedEmail),
} as const;

/** Planned confidence of a data_fix_review: below every gate (0.70 is the lowest), so a human always decides. */
export const HUMAN_DECISION_CONFIDENCE = 0.5;

/** What a reviewer is asked to do, per finding kind. */
export const SUGGESTED_FIXES: Record<string, string> = {
  [KINDS.data_quality.nullEmail]: 'Collect an email address from these users, or mark them unreachable.',
  [KINDS.data_quality.malformedEmail]:
    'Correct the addresses (typos, missing domain) or ask the users to confirm them.',
  [KINDS.data_quality.duplicateEmail]: 'Merge or deactivate the accounts that share an address.',
  [KINDS.data_quality.futureEvents]: "Fix the producer's clock; correct or remove the future-dated events.",
  [KINDS.data_quality.subscriptionMissingPlan]: 'Point the subscriptions at an existing plan, or cancel them.',
  [KINDS.data_quality.negativeAmounts]:
    'Correct the ledger: a payment amount is never negative (refunds have their own status).',
  [KINDS.orphaned_records.paymentWithoutSubscription]: 'Attach the payments to their subscription, or refund them.',
};

const AUTOMATIC_KINDS = new Set<string>([
  KINDS.data_quality.unnormalizedEmail,
  KINDS.orphaned_records.activeSubscriptionWithoutUser,
]);

export interface HealTargets {
  retryablePayments?: readonly RetryablePaymentTarget[];
  orphanedSubscriptions?: readonly OrphanedSubscriptionTarget[];
  unnormalizedEmails?: readonly UnnormalizedEmailTarget[];
  atRiskUsers?: readonly AtRiskUserTarget[];
}

export interface HealInput {
  /** The cycle's logical time (a Date or an ISO string): a payment whose next_retry_at is after it is not due. */
  now: Date | string;
  findings: readonly DetectedFinding[];
  kpis?: readonly KpiResult[];
  targets: HealTargets;
  /** Policy payment_retry. */
  policy: { maxAttempts: number };
  successPosteriors?: SuccessPosteriors;
}

export type RetryVerdict =
  | { retry: true }
  | { retry: false; reason: 'not_failed' | 'hard_decline' | 'attempts_exhausted' | 'not_due' | 'invalid_amount' };

/** Whether a payment may be retried now; the last line of defence before money moves. */
export function retryVerdict(row: RetryablePaymentTarget, maxAttempts: number, now: Date): RetryVerdict {
  if (row.status !== 'failed') return { retry: false, reason: 'not_failed' };
  if (classifyDecline(row.failureCode) === 'hard') return { retry: false, reason: 'hard_decline' };
  if (!Number.isInteger(row.attemptCount) || row.attemptCount >= maxAttempts)
    return { retry: false, reason: 'attempts_exhausted' };
  if (row.nextRetryAt != null) {
    const due = Date.parse(row.nextRetryAt);
    if (!(due <= now.getTime())) return { retry: false, reason: 'not_due' };
  }
  if (!Number.isInteger(row.amountCents) || row.amountCents <= 0) return { retry: false, reason: 'invalid_amount' };
  return { retry: true };
}

function checkedNow(now: Date | string): Date {
  const d = now instanceof Date ? now : new Date(now);
  if (Number.isNaN(d.getTime())) throw new RangeError(`now must be a valid time, got ${String(now)}`);
  return d;
}

/** Largest amount first (the query's order), then payment id. */
export function planPaymentRetries(input: HealInput): ActionPlan[] {
  const { maxAttempts } = input.policy;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new RangeError(`payment_retry.maxAttempts must be an integer ≥ 1, got ${maxAttempts}`);
  const now = checkedNow(input.now);
  const finding = indexFindings(input.findings).get(HEAL_FINGERPRINTS.retryable);
  const p = successProbability('retry_payment', input.successPosteriors);
  const rows = uniqueBy(
    (input.targets.retryablePayments ?? []).filter((r) => retryVerdict(r, maxAttempts, now).retry),
    (r) => r.paymentId,
  ).sort(
    byKeys(
      (r) => -r.amountCents,
      (r) => r.paymentId,
    ),
  );
  return rows.map((r) =>
    plan({
      phase: 'heal',
      type: 'retry_payment',
      targetType: 'payment',
      targetId: r.paymentId,
      params: {
        paymentId: r.paymentId,
        subscriptionId: r.subscriptionId,
        userId: r.userId,
        amountCents: r.amountCents,
        failureCode: normalizeDeclineCode(r.failureCode),
        attempt: r.attemptCount + 1,
        maxAttempts,
        // What the card-network gate needs (engine/safety/card-retry-history.ts).
        cardBrand: r.cardBrand ?? null,
        paymentMethodRef: r.paymentMethodRef ?? null,
        adviceCode: r.adviceCode ?? null,
      },
      finding,
      detectionConfidence: deterministicConfidence(finding),
      expectedImpact: { revenueCents: Math.round(r.amountCents * p), successProbability: round6(p) },
    }),
  );
}

export function planOrphanCleanup(input: HealInput): ActionPlan[] {
  const finding = indexFindings(input.findings).get(HEAL_FINGERPRINTS.orphans);
  const rows = uniqueBy(
    (input.targets.orphanedSubscriptions ?? []).filter(
      (r) => r.reason === 'missing_user' || r.reason === 'deleted_user',
    ),
    (r) => r.subscriptionId,
  ).sort(byKeys((r) => r.subscriptionId));
  return rows.map((r) =>
    plan({
      phase: 'heal',
      type: 'cancel_orphaned_subscription',
      targetType: 'subscription',
      targetId: r.subscriptionId,
      params: { subscriptionId: r.subscriptionId, userId: r.userId, reason: r.reason, mrrCents: r.mrrCents },
      finding,
      detectionConfidence: deterministicConfidence(finding),
      // Billing stops for a customer who no longer exists: MRR drops, chargebacks are avoided.
      expectedImpact: { mrrCents: -r.mrrCents, recordsFixed: 1 },
    }),
  );
}

/**
 * Only rows whose canonical form is valid, differs from the stored address, agrees with this module's
 * normalization, and is unique within the batch (two rows mapping to one address would create a duplicate).
 * params.fromEmail lets the executor update only while the address is still the one planned on.
 */
export function planEmailNormalization(input: HealInput): ActionPlan[] {
  const finding = indexFindings(input.findings).get(HEAL_FINGERPRINTS.unnormalized);
  const candidates = uniqueBy(input.targets.unnormalizedEmails ?? [], (r) => r.userId).filter(
    (r) =>
      r.normalizedEmail === normalizeEmail(r.email) &&
      r.normalizedEmail !== r.email &&
      isValidNormalizedEmail(r.normalizedEmail),
  );
  const perAddress = new Map<string, number>();
  for (const r of candidates) perAddress.set(r.normalizedEmail, (perAddress.get(r.normalizedEmail) ?? 0) + 1);
  return candidates
    .filter((r) => perAddress.get(r.normalizedEmail) === 1)
    .sort(byKeys((r) => r.userId))
    .map((r) =>
      plan({
        phase: 'heal',
        type: 'normalize_email',
        targetType: 'user',
        targetId: r.userId,
        params: { userId: r.userId, fromEmail: r.email, email: r.normalizedEmail },
        finding,
        detectionConfidence: deterministicConfidence(finding),
        expectedImpact: { recordsFixed: 1 },
      }),
    );
}

function needsHumanFix(f: DetectedFinding): boolean {
  return (
    f.category === 'issue' &&
    (f.detector === 'data_quality' || f.detector === 'orphaned_records') &&
    !AUTOMATIC_KINDS.has(f.kind)
  );
}

/** One review per finding, by fingerprint. targetId is the fingerprint: the finding is the natural target. */
export function planDataFixReviews(input: Pick<HealInput, 'findings'>): ActionPlan[] {
  return [...indexFindings(input.findings).values()]
    .filter(needsHumanFix)
    .sort(byKeys((f) => f.fingerprint))
    .map((f) =>
      plan({
        phase: 'heal',
        type: 'data_fix_review',
        targetType: 'finding',
        targetId: f.fingerprint,
        params: {
          fingerprint: f.fingerprint,
          kind: f.kind,
          title: f.title,
          severity: f.severity,
          count: f.evidence.count,
          sampleIds: f.evidence.sampleIds,
          suggestedFix: SUGGESTED_FIXES[f.kind] ?? 'Review the records and fix them by hand.',
          requiresApproval: true,
          findingConfidence: f.confidence,
        },
        finding: f,
        detectionConfidence: Math.min(f.confidence, HUMAN_DECISION_CONFIDENCE),
        expectedImpact: { recordsAffected: f.evidence.count },
      }),
    );
}

const HEALTH_ADVICE: Record<string, string> = {
  [KINDS.system_health.eventFreshness]: 'Check event ingestion and the platform: no events are arriving.',
  [KINDS.system_health.stuckPayments]: 'Reconcile the pending payments with the payment provider.',
  [KINDS.system_health.paymentFailureSpike]:
    'Check the payment provider and recent checkout changes: failures are above baseline.',
};

export function planSystemHealthInvestigations(input: Pick<HealInput, 'findings'>): ActionPlan[] {
  return [...indexFindings(input.findings).values()]
    .filter((f) => f.detector === 'system_health' && f.category === 'issue')
    .sort(byKeys((f) => f.fingerprint))
    .map((f) =>
      plan({
        phase: 'heal',
        type: 'investigate_system_health',
        targetType: 'system',
        targetId: f.fingerprint,
        params: {
          fingerprint: f.fingerprint,
          kind: f.kind,
          title: f.title,
          severity: f.severity,
          count: f.evidence.count,
          sampleIds: f.evidence.sampleIds,
          recommendation: HEALTH_ADVICE[f.kind] ?? 'Investigate the system-health finding.',
        },
        finding: f,
        detectionConfidence: f.confidence,
        expectedImpact: { recordsAffected: f.evidence.count },
        executable: false,
      }),
    );
}

/** Every heal plan, grouped by type in the order of the header; messages deduplicated per user. */
export function planHeal(input: HealInput): ActionPlan[] {
  return dedupeMessagesByUser([
    ...planPaymentRetries(input),
    ...planOrphanCleanup(input),
    ...planEmailNormalization(input),
    ...planDataFixReviews(input),
    ...planSystemHealthInvestigations(input),
    ...planRetentionCampaigns({
      phase: 'heal',
      findings: input.findings,
      kpis: input.kpis,
      atRiskUsers: input.targets.atRiskUsers ?? [],
      successPosteriors: input.successPosteriors,
    }),
  ]);
}
