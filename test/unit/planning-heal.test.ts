// Heal planner: payment retries (never a hard decline, never past the attempt cap or before they are due),
// orphan cleanup, email normalization, human reviews of the other data-quality findings, system-health
// investigations and KPI-driven retention campaigns; plans are deterministic whatever the input order.
import { describe, expect, it } from 'vitest';
import { HARD_DECLINE_CODES } from '../../engine/detectors/decline-codes';
import {
  HUMAN_DECISION_CONFIDENCE,
  planDataFixReviews,
  planEmailNormalization,
  planHeal,
  planPaymentRetries,
  retryVerdict,
  type HealInput,
} from '../../engine/planning/heal';
import type { AtRiskUserTarget, UnnormalizedEmailTarget } from '../../engine/planning/targets';
import {
  NOW,
  allDataQualityFindings,
  billingFinding,
  hoursFromNow,
  kpiFinding,
  orphanFindings,
  payment,
  retentionKpi,
  shuffled,
  stuckFinding,
} from './planning-fixtures';

const base = (over: Partial<HealInput> = {}): HealInput => ({
  now: NOW,
  findings: [],
  targets: {},
  policy: { maxAttempts: 4 },
  ...over,
});

describe('retry_payment', () => {
  it('plans one retry per due soft decline with attempt = attempt_count + 1 and revenue × P(success)', () => {
    const plans = planPaymentRetries(
      base({
        findings: [billingFinding()],
        targets: {
          retryablePayments: [
            payment({ paymentId: 1, attemptCount: 2, failureCode: ' Insufficient_Funds ' }),
            payment({ paymentId: 2, failureCode: null, nextRetryAt: null }),
          ],
        },
        successPosteriors: { retry_payment: { alpha: 3, beta: 7 } },
      }),
    );
    expect(plans).toEqual([
      {
        phase: 'heal',
        type: 'retry_payment',
        gateClass: 'healing',
        targetType: 'payment',
        targetId: '1',
        params: {
          paymentId: 1,
          subscriptionId: 101,
          userId: 1001,
          amountCents: 2900,
          failureCode: 'insufficient_funds',
          attempt: 3,
          maxAttempts: 4,
          cardBrand: null,
          paymentMethodRef: null,
          adviceCode: null,
        },
        findingFingerprint: 'billing:retryable_failed_payments',
        detectionConfidence: 1,
        expectedImpact: { revenueCents: 870, successProbability: 0.3 },
        executable: true,
      },
      expect.objectContaining({
        targetId: '2',
        params: expect.objectContaining({ failureCode: 'generic', attempt: 2 }),
      }),
    ]);
  });

  it('never retries a hard decline, whatever its case or padding, even when passed in by mistake', () => {
    const rows = HARD_DECLINE_CODES.flatMap((code, i) => [
      payment({ paymentId: 10 + 2 * i, failureCode: code }),
      payment({ paymentId: 11 + 2 * i, failureCode: `  ${code.toUpperCase()} ` }),
    ]);
    expect(rows).toHaveLength(28);
    expect(planPaymentRetries(base({ targets: { retryablePayments: rows } }))).toEqual([]);
    expect(retryVerdict(payment({ paymentId: 1, failureCode: 'Expired_Card' }), 4, NOW)).toEqual({
      retry: false,
      reason: 'hard_decline',
    });
  });

  it('drops exhausted, not-yet-due, non-failed and non-positive payments; null next_retry_at is due', () => {
    const rows = [
      payment({ paymentId: 1, attemptCount: 3 }), // last attempt allowed
      payment({ paymentId: 2, attemptCount: 4 }), // = max
      payment({ paymentId: 3, attemptCount: 7 }),
      payment({ paymentId: 4, nextRetryAt: hoursFromNow(1) }),
      payment({ paymentId: 5, nextRetryAt: NOW.toISOString() }), // due exactly now
      payment({ paymentId: 6, nextRetryAt: null }),
      payment({ paymentId: 7, status: 'succeeded' }),
      payment({ paymentId: 8, amountCents: -2900 }),
      payment({ paymentId: 9, amountCents: 0 }),
      payment({ paymentId: 10, nextRetryAt: 'not a date' }),
    ];
    expect(planPaymentRetries(base({ targets: { retryablePayments: rows } })).map((p) => p.targetId)).toEqual([
      '1',
      '5',
      '6',
    ]);
    expect(rows.map((r) => retryVerdict(r, 4, NOW)).map((v) => (v.retry ? 'retry' : v.reason))).toEqual([
      'retry',
      'attempts_exhausted',
      'attempts_exhausted',
      'not_due',
      'retry',
      'retry',
      'not_failed',
      'invalid_amount',
      'invalid_amount',
      'not_due',
    ]);
    // A stricter policy retries less.
    expect(
      planPaymentRetries(base({ policy: { maxAttempts: 3 }, targets: { retryablePayments: rows } })).map(
        (p) => p.targetId,
      ),
    ).toEqual(['5', '6']);
  });

  it('orders by amount desc then id, whatever the input order, and plans a payment listed twice once', () => {
    const rows = [
      payment({ paymentId: 4, amountCents: 1900 }),
      payment({ paymentId: 2, amountCents: 9900 }),
      payment({ paymentId: 3, amountCents: 1900 }),
      payment({ paymentId: 1, amountCents: 4900 }),
      payment({ paymentId: 2, amountCents: 9900 }),
    ];
    const a = planPaymentRetries(base({ targets: { retryablePayments: rows } }));
    expect(a.map((p) => p.targetId)).toEqual(['2', '1', '3', '4']);
    expect(planPaymentRetries(base({ targets: { retryablePayments: shuffled(rows) } }))).toEqual(a);
  });

  it('without the finding: no fingerprint, detection confidence 1 (the rows are the detection)', () => {
    const [p] = planPaymentRetries(base({ targets: { retryablePayments: [payment({ paymentId: 1 })] } }));
    expect(p).toMatchObject({
      findingFingerprint: null,
      detectionConfidence: 1,
      expectedImpact: { revenueCents: 1450, successProbability: 0.5 },
    });
  });

  it('takes now as an ISO string too (as it crosses Temporal), and rejects a nonsensical policy or time', () => {
    const rows = [payment({ paymentId: 1, nextRetryAt: hoursFromNow(1) }), payment({ paymentId: 2 })];
    expect(
      planPaymentRetries(base({ now: NOW.toISOString(), targets: { retryablePayments: rows } })).map((p) => p.targetId),
    ).toEqual(['2']);
    expect(
      planPaymentRetries(base({ now: hoursFromNow(2), targets: { retryablePayments: rows } })).map((p) => p.targetId),
    ).toEqual(['1', '2']);
    expect(() => planPaymentRetries(base({ policy: { maxAttempts: 0 } }))).toThrow(RangeError);
    expect(() => planPaymentRetries(base({ policy: { maxAttempts: 2.5 } }))).toThrow(RangeError);
    expect(() => planPaymentRetries(base({ now: 'yesterday' }))).toThrow(RangeError);
  });
});

describe('cancel_orphaned_subscription and normalize_email', () => {
  it('cancels each orphaned active subscription once, by id, linked to the orphan finding', () => {
    const plans = planHeal(
      base({
        findings: orphanFindings(),
        targets: {
          orphanedSubscriptions: [
            { subscriptionId: 12, userId: 33, mrrCents: 2900, reason: 'deleted_user' },
            { subscriptionId: 11, userId: 999, mrrCents: 2900, reason: 'missing_user' },
            { subscriptionId: 12, userId: 33, mrrCents: 2900, reason: 'deleted_user' },
          ],
        },
      }),
    ).filter((p) => p.type === 'cancel_orphaned_subscription');
    expect(plans).toEqual([
      {
        phase: 'heal',
        type: 'cancel_orphaned_subscription',
        gateClass: 'healing',
        targetType: 'subscription',
        targetId: '11',
        params: { subscriptionId: 11, userId: 999, reason: 'missing_user', mrrCents: 2900 },
        findingFingerprint: 'orphaned_records:active_subscription_without_user',
        detectionConfidence: 1,
        expectedImpact: { mrrCents: -2900, recordsFixed: 1 },
        executable: true,
      },
      expect.objectContaining({ targetId: '12', params: expect.objectContaining({ reason: 'deleted_user' }) }),
    ]);
  });

  it('normalizes only valid addresses whose canonical form agrees and is unique in the batch', () => {
    const rows: UnnormalizedEmailTarget[] = [
      { userId: 27, email: 'BOB@EXAMPLE.ORG', normalizedEmail: 'bob@example.org' },
      { userId: 26, email: ' Alice@Example.com ', normalizedEmail: 'alice@example.com' },
      { userId: 40, email: 'Carol@x.com', normalizedEmail: 'dave@x.com' }, // disagrees with the rule
      { userId: 41, email: 'ok@x.com', normalizedEmail: 'ok@x.com' }, // nothing to do
      { userId: 42, email: 'Bad@Host', normalizedEmail: 'bad@host' }, // invalid
      { userId: 43, email: '\tTab@x.com', normalizedEmail: '\ttab@x.com' }, // btrim keeps the tab: invalid
      { userId: 44, email: 'Same@x.com', normalizedEmail: 'same@x.com' }, // collide with each other
      { userId: 45, email: ' same@X.com', normalizedEmail: 'same@x.com' },
    ];
    const plans = planEmailNormalization(
      base({ findings: allDataQualityFindings(), targets: { unnormalizedEmails: shuffled(rows) } }),
    );
    expect(plans).toEqual([
      {
        phase: 'heal',
        type: 'normalize_email',
        gateClass: 'healing',
        targetType: 'user',
        targetId: '26',
        params: { userId: 26, fromEmail: ' Alice@Example.com ', email: 'alice@example.com' },
        findingFingerprint: 'data_quality:unnormalized_email',
        detectionConfidence: 1,
        expectedImpact: { recordsFixed: 1 },
        executable: true,
      },
      expect.objectContaining({
        targetId: '27',
        params: { userId: 27, fromEmail: 'BOB@EXAMPLE.ORG', email: 'bob@example.org' },
      }),
    ]);
  });
});

describe('data_fix_review and investigate_system_health', () => {
  it('one review per data-quality / orphan finding a human must fix, never for the automatic ones', () => {
    const findings = [...allDataQualityFindings(), ...orphanFindings(), billingFinding()];
    const reviews = planDataFixReviews({ findings });
    expect(reviews.map((p) => p.targetId)).toEqual([
      'data_quality:duplicate_email',
      'data_quality:future_event_timestamps',
      'data_quality:malformed_email',
      'data_quality:negative_payment_amounts',
      'data_quality:null_email',
      'data_quality:subscription_missing_plan',
      'orphaned_records:payment_without_subscription',
    ]);
    const malformed = reviews.find((p) => p.targetId === 'data_quality:malformed_email')!;
    expect(malformed).toEqual({
      phase: 'heal',
      type: 'data_fix_review',
      gateClass: 'remediation',
      targetType: 'finding',
      targetId: 'data_quality:malformed_email',
      params: {
        fingerprint: 'data_quality:malformed_email',
        kind: 'malformed_email',
        title: '3 users with a malformed email address',
        severity: 'low',
        count: 3,
        sampleIds: [23, 24, 25],
        suggestedFix: 'Correct the addresses (typos, missing domain) or ask the users to confirm them.',
        requiresApproval: true,
        findingConfidence: 1,
      },
      findingFingerprint: 'data_quality:malformed_email',
      detectionConfidence: HUMAN_DECISION_CONFIDENCE,
      expectedImpact: { recordsAffected: 3 },
      executable: true,
    });
    // Below the lowest gate (optimization 0.70) whatever the success posterior: always an approval.
    expect(
      reviews.every((p) => p.detectionConfidence < 0.7 && p.executable && p.params.requiresApproval === true),
    ).toBe(true);
  });

  it('a resolved finding read back from the store plans nothing', () => {
    const resolved = {
      ...allDataQualityFindings()[1]!,
      id: 1,
      status: 'resolved' as const,
      firstSeenAt: '',
      lastSeenAt: '',
      occurrences: 2,
    };
    expect(planDataFixReviews({ findings: [resolved] })).toEqual([]);
  });

  it('system-health findings become non-executable investigations', () => {
    const plans = planHeal(base({ findings: [stuckFinding()] }));
    expect(plans).toEqual([
      {
        phase: 'heal',
        type: 'investigate_system_health',
        gateClass: 'remediation',
        targetType: 'system',
        targetId: 'system_health:stuck_payments',
        params: {
          fingerprint: 'system_health:stuck_payments',
          kind: 'stuck_payments',
          title: '2 payments pending for more than 24h',
          severity: 'high',
          count: 2,
          sampleIds: [5, 6],
          recommendation: 'Reconcile the pending payments with the payment provider.',
        },
        findingFingerprint: 'system_health:stuck_payments',
        detectionConfidence: 1,
        expectedImpact: { recordsAffected: 2 },
        executable: false,
      },
    ]);
  });
});

describe('retention_campaign in heal', () => {
  const atRisk: AtRiskUserTarget[] = [
    { userId: 5, recentEvents: 1, previousEvents: 8, lastSeenAt: hoursFromNow(-2), signal: 'declining_activity' },
    { userId: 6, recentEvents: 0, previousEvents: 0, lastSeenAt: hoursFromNow(-24 * 10), signal: 'lapsing' },
    { userId: 5, recentEvents: 1, previousEvents: 8, lastSeenAt: hoursFromNow(-2), signal: 'declining_activity' },
  ];

  it('none unless D7 retention is below target', () => {
    expect(planHeal(base({ targets: { atRiskUsers: atRisk } }))).toEqual([]);
  });

  it('one campaign per at-risk user, confidence = P(D7 < target), delta = P(success) / cohort', () => {
    const finding = kpiFinding(retentionKpi);
    const plans = planHeal(base({ findings: [finding], kpis: [retentionKpi], targets: { atRiskUsers: atRisk } }));
    expect(plans).toEqual([
      {
        phase: 'heal',
        type: 'retention_campaign',
        gateClass: 'optimization',
        targetType: 'user',
        targetId: '5',
        params: {
          userId: 5,
          template: 'retention_campaign_v1',
          signal: 'declining_activity',
          recentEvents: 1,
          previousEvents: 8,
          lastSeenAt: hoursFromNow(-2),
          kpi: 'd7_retention',
        },
        findingFingerprint: 'kpi_below_target:d7_retention',
        detectionConfidence: Math.round(finding.confidence * 1e6) / 1e6,
        expectedImpact: { kpi: 'd7_retention', deltaUsers: 0.5, delta: 0.005, successProbability: 0.5 },
        executable: true,
      },
      expect.objectContaining({ targetId: '6', params: expect.objectContaining({ signal: 'lapsing' }) }),
    ]);
  });
});

describe('planHeal', () => {
  it('is deterministic: the same plans, in the same order, whatever order findings and rows come in', () => {
    const input = base({
      findings: [
        ...allDataQualityFindings(),
        ...orphanFindings(),
        billingFinding(),
        stuckFinding(),
        kpiFinding(retentionKpi),
      ],
      kpis: [retentionKpi],
      targets: {
        retryablePayments: [
          payment({ paymentId: 1 }),
          payment({ paymentId: 2, amountCents: 9900 }),
          payment({ paymentId: 3, failureCode: 'fraudulent' }),
        ],
        orphanedSubscriptions: [{ subscriptionId: 11, userId: 999, mrrCents: 4900, reason: 'missing_user' }],
        unnormalizedEmails: [{ userId: 26, email: 'A@b.co', normalizedEmail: 'a@b.co' }],
        atRiskUsers: [
          { userId: 5, recentEvents: 0, previousEvents: 6, lastSeenAt: null, signal: 'declining_activity' },
        ],
      },
    });
    const plans = planHeal(input);
    expect(plans.map((p) => `${p.type}:${p.targetId}`)).toEqual([
      'retry_payment:2',
      'retry_payment:1',
      'cancel_orphaned_subscription:11',
      'normalize_email:26',
      'data_fix_review:data_quality:duplicate_email',
      'data_fix_review:data_quality:future_event_timestamps',
      'data_fix_review:data_quality:malformed_email',
      'data_fix_review:data_quality:negative_payment_amounts',
      'data_fix_review:data_quality:null_email',
      'data_fix_review:data_quality:subscription_missing_plan',
      'data_fix_review:orphaned_records:payment_without_subscription',
      'investigate_system_health:system_health:stuck_payments',
      'retention_campaign:5',
    ]);
    const reshuffled = planHeal({
      ...input,
      findings: shuffled(input.findings, 3),
      targets: { ...input.targets, retryablePayments: shuffled(input.targets.retryablePayments!, 5) },
    });
    expect(reshuffled).toEqual(plans);
    expect(JSON.parse(JSON.stringify(plans))).toEqual(plans); // plain data: survives storage as JSON
  });
});
