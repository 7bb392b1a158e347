// Pure detector assembly: decline-code classification, stable fingerprints, severity rules, zero-count silence.
import { describe, expect, it } from 'vitest';
import {
  HARD_DECLINE_CODES,
  classifyDecline,
  isRetryableDecline,
  normalizeDeclineCode,
} from '../../engine/detectors/decline-codes';
import { dataQualityFindings, emailSeverity, type DataQualityEvidence } from '../../engine/detectors/data-quality';
import { orphanedRecordsFindings } from '../../engine/detectors/orphaned-records';
import {
  billingFindings,
  retryableSeverity,
  summarizeFailedPayments,
  type FailedPaymentGroup,
} from '../../engine/detectors/billing';
import {
  freshnessFinding,
  paymentFailureSpikeFinding,
  spikeConfidence,
  stuckPaymentsFinding,
  systemHealthFindings,
  type PaymentFailureRateEvidence,
} from '../../engine/detectors/system-health';
import { posteriorFrom, probabilityBelow } from '../../engine/stats/beta';

// docs/detectors.md, copied here on purpose: the module must match the spec, not itself.
const DESIGN_HARD = [
  'stolen_card',
  'lost_card',
  'fraudulent',
  'pickup_card',
  'restricted_card',
  'security_violation',
  'invalid_account',
  'expired_card',
  'incorrect_number',
  'card_not_supported',
  'do_not_try_again',
  'revocation_of_authorization',
  'revocation_of_all_authorizations',
  'stop_payment_order',
];
const DESIGN_SOFT = [
  'insufficient_funds',
  'processing_error',
  'try_again_later',
  'generic_decline',
  'do_not_honor',
  'issuer_not_available',
];

describe('decline codes', () => {
  it('lists exactly the hard codes of docs/detectors.md', () => {
    expect([...HARD_DECLINE_CODES].sort()).toEqual([...DESIGN_HARD].sort());
  });

  it.each(DESIGN_HARD)('%s is hard (never retried)', (code) => {
    expect(classifyDecline(code)).toBe('hard');
    expect(isRetryableDecline(code)).toBe(false);
  });

  it.each(DESIGN_SOFT)('%s is soft (retryable)', (code) => {
    expect(classifyDecline(code)).toBe('soft');
    expect(isRetryableDecline(code)).toBe(true);
  });

  it('treats a missing code as soft "generic", unknown codes as soft, and ignores case and padding', () => {
    expect(normalizeDeclineCode(null)).toBe('generic');
    expect(normalizeDeclineCode('  ')).toBe('generic');
    expect(classifyDecline(null)).toBe('soft');
    expect(classifyDecline(undefined)).toBe('soft');
    expect(classifyDecline('some_new_code')).toBe('soft');
    expect(classifyDecline(' Expired_Card ')).toBe('hard');
    expect(normalizeDeclineCode(' DO_NOT_HONOR')).toBe('do_not_honor');
  });
});

const sample = (count: number, sampleIds: number[] = []) => ({ count, sampleIds });

function dqEvidence(scale: number): DataQualityEvidence {
  return {
    totalUsers: 1000 * scale,
    nullEmails: sample(2 * scale, [5]),
    malformedEmails: sample(20 * scale, [7, 8]),
    unnormalizedEmails: sample(3 * scale, [9]),
    duplicateEmails: {
      ...sample(4 * scale, [1, 2, 3, 4]),
      groups: 2 * scale,
      sampleGroups: [
        [1, 2],
        [3, 4],
      ],
    },
    futureEvents: { ...sample(scale, [100]), latestOccurredAt: '2030-01-01T00:00:00.000Z' },
    subscriptionsMissingPlan: { ...sample(scale, [11]), active: 0, activeMrrCents: 0 },
    negativeAmounts: { ...sample(scale, [12]), totalAmountCents: -100 * scale },
  };
}

const EMPTY_DQ: DataQualityEvidence = {
  totalUsers: 1000,
  nullEmails: sample(0),
  malformedEmails: sample(0),
  unnormalizedEmails: sample(0),
  duplicateEmails: { ...sample(0), groups: 0, sampleGroups: [] },
  futureEvents: { ...sample(0), latestOccurredAt: null },
  subscriptionsMissingPlan: { ...sample(0), active: 0, activeMrrCents: 0 },
  negativeAmounts: { ...sample(0), totalAmountCents: 0 },
};

describe('data-quality findings', () => {
  it('has stable fingerprints that do not depend on counts', () => {
    const one = dataQualityFindings(dqEvidence(1)).map((f) => f.fingerprint);
    const three = dataQualityFindings(dqEvidence(3)).map((f) => f.fingerprint);
    expect(one).toEqual([
      'data_quality:null_email',
      'data_quality:malformed_email',
      'data_quality:unnormalized_email',
      'data_quality:duplicate_email',
      'data_quality:future_event_timestamps',
      'data_quality:subscription_missing_plan',
      'data_quality:negative_payment_amounts',
    ]);
    expect(three).toEqual(one);
  });

  it('reports nothing when every count is zero', () => {
    expect(dataQualityFindings(EMPTY_DQ)).toEqual([]);
  });

  it('carries the evidence, confidence 1, and the documented severities', () => {
    const f = new Map(dataQualityFindings(dqEvidence(1)).map((x) => [x.kind, x]));
    expect(f.get('null_email')).toMatchObject({
      severity: 'low',
      confidence: 1,
      category: 'issue',
      evidence: { count: 2, sampleIds: [5], share: 0.002 },
    });
    expect(f.get('malformed_email')).toMatchObject({ severity: 'medium', evidence: { count: 20, share: 0.02 } });
    expect(f.get('unnormalized_email')!.severity).toBe('low');
    expect(f.get('duplicate_email')).toMatchObject({ severity: 'medium', evidence: { count: 4, groups: 2 } });
    expect(f.get('future_event_timestamps')!.severity).toBe('medium');
    expect(f.get('subscription_missing_plan')!.severity).toBe('medium');
    expect(f.get('negative_payment_amounts')).toMatchObject({ severity: 'high', evidence: { totalAmountCents: -100 } });

    const active = dataQualityFindings({
      ...EMPTY_DQ,
      subscriptionsMissingPlan: { ...sample(3, [1]), active: 1, activeMrrCents: 2900 },
    });
    expect(active[0]).toMatchObject({ severity: 'high', evidence: { count: 3, active: 1 } });
  });

  it('email severity is medium from a 1% share of users', () => {
    expect(emailSeverity(9, 1000)).toBe('low');
    expect(emailSeverity(10, 1000)).toBe('medium');
    expect(emailSeverity(1, 0)).toBe('low');
  });
});

describe('orphaned-record findings', () => {
  it('orphaned active subscriptions are high, orphaned payments medium, zero counts silent', () => {
    const f = orphanedRecordsFindings({
      activeSubscriptionsWithoutUser: { ...sample(3, [4, 5, 6]), missingUser: 1, deletedUser: 2, mrrCents: 8700 },
      paymentsWithoutSubscription: { ...sample(1, [9]), amountCents: 500 },
    });
    expect(f.map((x) => [x.fingerprint, x.severity, x.confidence])).toEqual([
      ['orphaned_records:active_subscription_without_user', 'high', 1],
      ['orphaned_records:payment_without_subscription', 'medium', 1],
    ]);
    expect(f[0]!.evidence).toEqual({ count: 3, sampleIds: [4, 5, 6], missingUser: 1, deletedUser: 2, mrrCents: 8700 });
    expect(
      orphanedRecordsFindings({
        activeSubscriptionsWithoutUser: { ...sample(0), missingUser: 0, deletedUser: 0, mrrCents: 0 },
        paymentsWithoutSubscription: { ...sample(0), amountCents: 0 },
      }),
    ).toEqual([]);
  });
});

describe('billing findings', () => {
  const groups: FailedPaymentGroup[] = [
    { code: 'insufficient_funds', state: 'due', count: 3, amountCents: 60_000, sampleIds: [30, 31, 32] },
    { code: 'generic', state: 'due', count: 2, amountCents: 50_000, sampleIds: [5, 40] },
    { code: 'expired_card', state: 'due', count: 1, amountCents: 900, sampleIds: [7] },
    { code: 'stolen_card', state: 'unscheduled', count: 1, amountCents: 900, sampleIds: [3] },
    { code: 'insufficient_funds', state: 'exhausted', count: 4, amountCents: 4000, sampleIds: [1, 2, 8, 9] },
    { code: 'processing_error', state: 'scheduled', count: 6, amountCents: 600, sampleIds: [10] },
  ];

  it('puts hard codes in hard whatever their retry state, soft ones by state; samples stay the smallest ids', () => {
    const s = summarizeFailedPayments(groups, 4);
    expect(s.retryable).toEqual({
      count: 5,
      amountCents: 110_000,
      sampleIds: [5, 30, 31, 32],
      byCode: { insufficient_funds: 3, generic: 2 },
    });
    expect(s.hard).toEqual({
      count: 2,
      amountCents: 1800,
      sampleIds: [3, 7],
      byCode: { expired_card: 1, stolen_card: 1 },
    });
    expect(s.exhausted.count).toBe(4);
    expect(s.notDue.count).toBe(6);
    expect(s.unscheduled.count).toBe(0);
  });

  it('rates retryable failures high from $1,000 at stake', () => {
    expect(retryableSeverity(99_999)).toBe('medium');
    expect(retryableSeverity(100_000)).toBe('high');
    const f = billingFindings(summarizeFailedPayments(groups), { maxAttempts: 4 });
    expect(f.map((x) => [x.fingerprint, x.severity])).toEqual([
      ['billing:retryable_failed_payments', 'high'],
      ['billing:hard_declines', 'medium'],
      ['billing:soft_declines_exhausted', 'medium'],
    ]);
    expect(f[0]!.evidence).toMatchObject({ count: 5, amountCents: 110_000, notDue: 6, maxAttempts: 4 });
    expect(f[0]!.title).toContain('$1100.00');
  });

  it('reports nothing without failed payments', () => {
    expect(billingFindings(summarizeFailedPayments([]), { maxAttempts: 4 })).toEqual([]);
  });
});

describe('system-health findings', () => {
  const now = new Date('2026-11-20T12:00:00Z');

  it('a freshness outage is critical; any event in the window silences it', () => {
    expect(
      freshnessFinding({ lastEventAt: '2026-11-20T03:00:00.000Z', eventsInWindow: 0, windowHours: 6 }, now),
    ).toMatchObject({
      fingerprint: 'system_health:event_freshness',
      severity: 'critical',
      confidence: 1,
      evidence: { count: 1, hoursSinceLastEvent: 9 },
    });
    expect(freshnessFinding({ lastEventAt: null, eventsInWindow: 0, windowHours: 6 }, now)!.title).toMatch(
      /No events have ever/,
    );
    expect(
      freshnessFinding({ lastEventAt: '2026-11-20T11:00:00.000Z', eventsInWindow: 12, windowHours: 6 }, now),
    ).toBeNull();
  });

  it('stuck payments are high; none, no finding', () => {
    const e = {
      count: 2,
      sampleIds: [1, 2],
      amountCents: 5800,
      oldestAttemptedAt: '2026-11-18T00:00:00.000Z',
      olderThanHours: 24,
    };
    expect(stuckPaymentsFinding(e)).toMatchObject({
      fingerprint: 'system_health:stuck_payments',
      severity: 'high',
      evidence: { count: 2, amountCents: 5800 },
    });
    expect(stuckPaymentsFinding({ ...e, count: 0, sampleIds: [] })).toBeNull();
  });

  const rate = (
    recentFailed: number,
    recentAttempts: number,
    baselineFailed: number,
    baselineAttempts: number,
  ): PaymentFailureRateEvidence => ({
    recentHours: 24,
    baselineDays: 7,
    recentAttempts,
    recentFailed,
    baselineAttempts,
    baselineFailed,
    sampleIds: [1],
  });

  it('a failure-rate spike has confidence P(recent rate > baseline) under Beta(1,1)', () => {
    const e = rate(20, 100, 50, 1000);
    const f = paymentFailureSpikeFinding(e)!;
    expect(f.confidence).toBeCloseTo(1 - probabilityBelow(0.05, posteriorFrom(20, 100)), 12);
    expect(f.confidence).toBeGreaterThan(0.999);
    expect(f).toMatchObject({ severity: 'high', evidence: { count: 20, recentRate: 0.2, baselineRate: 0.05 } });
    // 9% vs 5%: a rise of 4 points is below the 5-point floor.
    expect(paymentFailureSpikeFinding(rate(9, 100, 50, 1000))).toBeNull();
    // 11% vs 5%: rises enough and is significant, but did not double by 10 points: medium.
    expect(paymentFailureSpikeFinding(rate(11, 100, 50, 1000))!.severity).toBe('medium');
    // Too few attempts to say anything.
    expect(paymentFailureSpikeFinding(rate(20, 29, 50, 1000))).toBeNull();
    // 3/30 vs 5%: not significant (P ≈ 0.8).
    expect(spikeConfidence(rate(3, 30, 50, 1000))).toBeLessThan(0.95);
    expect(paymentFailureSpikeFinding(rate(3, 30, 50, 1000))).toBeNull();
  });

  it('assembles only the firing checks', () => {
    const all = systemHealthFindings(
      {
        freshness: { lastEventAt: null, eventsInWindow: 0, windowHours: 6 },
        stuckPayments: { count: 0, sampleIds: [], amountCents: 0, oldestAttemptedAt: null, olderThanHours: 24 },
        paymentFailureRate: rate(0, 0, 0, 0),
      },
      now,
    );
    expect(all.map((f) => f.fingerprint)).toEqual(['system_health:event_freshness']);
  });
});
