// Prevent planner and data-quality drift: proactive retention to users with churn signals (confidence from
// the signal), drift between two cycles' data-quality counts, and drift recommendations.
import { describe, expect, it } from 'vitest';
import { dataQualityCounts, dataQualityDrift } from '../../engine/planning/drift';
import {
  churnSignalConfidence,
  planPrevent,
  planProactiveRetention,
  type PreventInput,
} from '../../engine/planning/prevent';
import type { ChurnSignalTarget } from '../../engine/planning/targets';
import { allDataQualityFindings, billingFinding, shuffled } from './planning-fixtures';

const signal = (userId: number, over: Partial<ChurnSignalTarget> = {}): ChurnSignalTarget => ({
  userId,
  pastDue: false,
  pastDueSubscriptionId: null,
  decliningActivity: true,
  recentEvents: 0,
  previousEvents: 5,
  mrrCents: 0,
  ...over,
});

const rows = [
  signal(1, { recentEvents: 2, previousEvents: 10 }),
  signal(2, {
    pastDue: true,
    pastDueSubscriptionId: 77,
    decliningActivity: false,
    recentEvents: 4,
    previousEvents: 4,
    mrrCents: 4900,
  }),
  signal(3, { recentEvents: 0, previousEvents: 5 }),
  signal(4, { decliningActivity: true, recentEvents: 3, previousEvents: 5 }), // flagged but 3·2 ≥ 5: no signal
  signal(5, { pastDue: true, pastDueSubscriptionId: 80, recentEvents: 0, previousEvents: 20, mrrCents: 1900 }),
];
const input = (over: Partial<PreventInput> = {}): PreventInput => ({
  findings: [],
  targets: { churnSignals: rows },
  ...over,
});

describe('churn-signal confidence', () => {
  it('past_due is a billing fact: 1', () => {
    expect(churnSignalConfidence(rows[1]!)).toBe(1);
  });

  it('declining activity: P(θ < ½), θ ~ Beta(1 + recent, 1 + previous)', () => {
    // Beta(1, 6): P(θ < ½) = 1 − ½⁶.
    expect(churnSignalConfidence(signal(3, { recentEvents: 0, previousEvents: 5 }))).toBeCloseTo(1 - 0.5 ** 6, 12);
    // Beta(3, 11) at ½: Σ_{j=3}^{13} C(13, j) / 2¹³ = 1 − (1 + 13 + 78) / 8192.
    expect(churnSignalConfidence(signal(1, { recentEvents: 2, previousEvents: 10 }))).toBeCloseTo(1 - 92 / 8192, 10);
  });

  it('no signal: 0', () => {
    expect(churnSignalConfidence(rows[3]!)).toBe(0);
  });
});

describe('proactive_retention', () => {
  it('past-due users first, then the steepest decline; rows without a signal dropped', () => {
    const plans = planProactiveRetention(input({ successPosteriors: { proactive_retention: { alpha: 1, beta: 3 } } }));
    expect(plans.map((p) => p.targetId)).toEqual(['5', '2', '1', '3']);
    expect(plans[0]).toEqual({
      phase: 'prevent',
      type: 'proactive_retention',
      gateClass: 'optimization',
      targetType: 'user',
      targetId: '5',
      params: {
        userId: 5,
        template: 'proactive_retention_v1',
        signals: ['past_due', 'declining_activity'],
        pastDueSubscriptionId: 80,
        recentEvents: 0,
        previousEvents: 20,
        mrrCents: 1900,
      },
      findingFingerprint: null,
      detectionConfidence: 1,
      expectedImpact: { deltaUsers: 0.25, revenueCents: 475, revenuePeriod: 'month', successProbability: 0.25 },
      executable: true,
    });
    expect(plans[1]!.params.signals).toEqual(['past_due']);
    expect(plans[3]!.detectionConfidence).toBeCloseTo(1 - 0.5 ** 6, 6);
  });

  it('is deterministic, plans a user once, and leaves out users messaged earlier in the cycle', () => {
    const a = planPrevent(input());
    expect(planPrevent(input({ targets: { churnSignals: shuffled([...rows, rows[0]!]) } }))).toEqual(a);
    expect(planPrevent(input({ excludeUserIds: ['5', 3] })).map((p) => p.targetId)).toEqual(['2', '1']);
  });
});

describe('data-quality drift', () => {
  const previous = {
    'data_quality:malformed_email': 10,
    'data_quality:null_email': 10,
    'data_quality:duplicate_email': 3,
    'data_quality:negative_payment_amounts': 8,
  };
  const current = {
    'data_quality:malformed_email': 11, // +10%: not more than the 10% threshold
    'data_quality:null_email': 12, // +20%: low
    'data_quality:duplicate_email': 10, // +233%: medium
    'data_quality:negative_payment_amounts': 2, // fell
    'data_quality:future_event_timestamps': 4, // new: medium
  };

  it('reports counts that grew by more than the threshold, with the growth as evidence', () => {
    const drift = dataQualityDrift(current, previous);
    expect(drift.map((f) => [f.fingerprint, f.severity])).toEqual([
      ['drift:data_quality:duplicate_email', 'medium'],
      ['drift:data_quality:future_event_timestamps', 'medium'],
      ['drift:data_quality:null_email', 'low'],
    ]);
    expect(drift[0]).toEqual({
      fingerprint: 'drift:data_quality:duplicate_email',
      detector: 'drift',
      kind: 'data_quality_drift',
      category: 'issue',
      severity: 'medium',
      confidence: 1,
      title: 'duplicate email: 3 → 10 (+233%) since the previous cycle',
      evidence: {
        count: 7,
        sampleIds: [],
        source: 'data_quality:duplicate_email',
        previous: 3,
        current: 10,
        increase: 7,
        relativeIncrease: 2.333333,
      },
    });
    expect(drift[1]!.evidence).toMatchObject({ previous: 0, current: 4, increase: 4, relativeIncrease: null });
  });

  it('thresholds are options; no previous cycle means no drift', () => {
    expect(dataQualityDrift(current, previous, { minIncrease: 3 }).map((f) => f.evidence.source)).toEqual([
      'data_quality:duplicate_email',
      'data_quality:future_event_timestamps',
    ]);
    expect(dataQualityDrift(current, previous, { minRelativeIncrease: 0.05 }).map((f) => f.evidence.source)).toContain(
      'data_quality:malformed_email',
    );
    expect(dataQualityDrift(current, null)).toEqual([]);
    expect(dataQualityDrift(previous, previous)).toEqual([]);
  });

  it("counts come from this cycle's data-quality findings only", () => {
    expect(dataQualityCounts([...allDataQualityFindings(), billingFinding()])).toEqual({
      'data_quality:null_email': 2,
      'data_quality:malformed_email': 3,
      'data_quality:unnormalized_email': 2,
      'data_quality:duplicate_email': 3,
      'data_quality:future_event_timestamps': 2,
      'data_quality:subscription_missing_plan': 2,
      'data_quality:negative_payment_amounts': 1,
    });
  });

  it('each drift finding becomes a non-executable review in the prevent phase', () => {
    const drift = dataQualityDrift(current, previous);
    const plans = planPrevent({ findings: [...drift, billingFinding()], targets: {} });
    expect(plans.map((p) => p.targetId)).toEqual([
      'drift:data_quality:duplicate_email',
      'drift:data_quality:future_event_timestamps',
      'drift:data_quality:null_email',
    ]);
    expect(plans[0]).toEqual({
      phase: 'prevent',
      type: 'data_fix_review',
      gateClass: 'remediation',
      targetType: 'finding',
      targetId: 'drift:data_quality:duplicate_email',
      params: {
        fingerprint: 'drift:data_quality:duplicate_email',
        source: 'data_quality:duplicate_email',
        previous: 3,
        current: 10,
        increase: 7,
        title: 'duplicate email: 3 → 10 (+233%) since the previous cycle',
        recommendation: expect.stringContaining('at the source'),
      },
      findingFingerprint: 'drift:data_quality:duplicate_email',
      detectionConfidence: 1,
      expectedImpact: { recordsAffected: 7 },
      executable: false,
    });
  });
});
