// Decide-phase rules at their boundaries, with the numbers each rationale must carry.
import { describe, expect, it } from 'vitest';
import { decideFeaturePrioritization, scoreFeatures } from '../../engine/decide/feature-prioritization';
import { decideMlThreshold, ML_THRESHOLD_NAME } from '../../engine/decide/ml-threshold';
import { bandConfidence, decidePricing, pricingBand } from '../../engine/decide/pricing';
import { decideResourceAllocation } from '../../engine/decide/resource-allocation';
import { makeDecisions } from '../../engine/decide/decisions';
import { analyzeSuggestions, binSuggestions } from '../../engine/learning/suggestions';
import { posteriorFrom, probabilityBelow } from '../../engine/stats/beta';
import type { KpiResult } from '../../engine/types';

const rate = (name: KpiResult['name'], k: number, n: number, target: number): KpiResult => ({
  name,
  value: k / n,
  target,
  sampleSize: n,
  interval: null,
  status: k / n >= target ? 'ok' : 'below_target',
  details: { numerator: k, denominator: n },
});
const insufficient = (name: KpiResult['name'], target: number): KpiResult => ({
  name,
  value: null,
  target,
  sampleSize: 3,
  interval: null,
  status: 'insufficient_data',
  details: { reason: 'below_min_sample' },
});
const ltvCac = (
  value: number | null,
  over: Partial<KpiResult> = {},
  details: Record<string, unknown> = {},
): KpiResult => ({
  name: 'ltv_cac',
  value,
  target: 4,
  sampleSize: 200,
  interval: null,
  status: value == null ? 'insufficient_data' : value >= 4 ? 'ok' : 'below_target',
  details: { ltvCents: 120_000, cacCents: 60_000, arpaCents: 3_000, churn: 0.02, grossMargin: 0.8, ...details },
  ...over,
});

describe('resource allocation', () => {
  const kpis = [
    rate('activation_rate', 30, 100, 0.4), // gap 0.25 × 0.8 = 0.2
    rate('d7_retention', 20, 100, 0.25), // gap 0.2 × 0.9 = 0.18
    rate('signup_to_activation', 50, 100, 0.4), // ok
    insufficient('ltv_cac', 4),
  ];

  it('focuses the largest impact-weighted relative gap and skips insufficient data', () => {
    const d = decideResourceAllocation(kpis);
    expect(d.kind).toBe('resource_allocation');
    expect(d.payload.focus).toBe('activation_rate');
    const ranking = d.payload.ranking as Array<{ kpi: string; score: number; relativeGap: number }>;
    expect(ranking.map((r) => r.kpi)).toEqual(['activation_rate', 'd7_retention', 'signup_to_activation']);
    expect(ranking[0]!.relativeGap).toBeCloseTo(0.25, 12);
    expect(ranking[0]!.score).toBeCloseTo(0.2, 12);
    expect(ranking[1]!.score).toBeCloseTo(0.18, 12);
    expect(ranking[2]!.score).toBe(0);
    expect(d.payload.skipped).toEqual([{ kpi: 'ltv_cac', reason: 'below_min_sample' }]);
    // Confidence = P(activation < 0.4) under Beta(31, 71).
    expect(d.confidence).toBeCloseTo(probabilityBelow(0.4, posteriorFrom(30, 100)), 12);
    expect(d.rationale).toContain('30.0% against a target of 40.0%');
    expect(d.rationale).toContain('25.0% below target');
    expect(d.rationale).toContain('ahead of D7 retention (score 0.180)');
  });

  it('impact weights change the focus', () => {
    const d = decideResourceAllocation(kpis, { impact: { d7_retention: 2 } });
    expect(d.payload.focus).toBe('d7_retention');
  });

  it('every KPI at or above target (exactly at target counts): keep the allocation', () => {
    const d = decideResourceAllocation([rate('activation_rate', 40, 100, 0.4), rate('d7_retention', 30, 100, 0.25)]);
    expect(d.payload.focus).toBeNull();
    expect(d.title).toContain('Keep the current allocation');
    expect(d.confidence).toBeCloseTo(1 - probabilityBelow(0.4, posteriorFrom(40, 100)), 12);
  });

  it('no measured KPI: confidence 0', () => {
    const d = decideResourceAllocation([insufficient('activation_rate', 0.4), insufficient('ltv_cac', 4)]);
    expect(d.confidence).toBe(0);
    expect(d.payload.focus).toBeNull();
  });
});

describe('feature prioritization', () => {
  const actions = [
    { type: 'onboarding_nudge', expectedImpact: { kpi: 'activation_rate', delta: 0.002 }, confidence: 0.8 },
    { type: 'onboarding_nudge', expectedImpact: { kpi: 'activation_rate', delta: 0.002 }, confidence: 0.8 },
    { type: 'retry_payment', expectedImpact: { revenueCents: 2900 }, confidence: 0.9 },
    { type: 'retry_payment', expectedImpact: { revenueCents: 2900 }, confidence: 0.9 },
    { type: 'retry_payment', expectedImpact: { revenueCents: 2900 }, confidence: 0.9 },
    { type: 'funnel_recommendation', expectedImpact: {}, detectionConfidence: 0.6 },
  ];
  const opts = { mrrCents: 1_000_000, successRates: { onboarding_nudge: 0.5, retry_payment: 0.4 } };

  it('scores: nudges 2 × 0.5 × 0.8 × 0.002/0.4 = 0.004, retries 3 × 0.4 × 2900/1e6 = 0.00348', () => {
    const f = scoreFeatures(actions, opts);
    expect(f.map((x) => x.feature)).toEqual(['onboarding_nudge', 'retry_payment', 'funnel_recommendation']);
    expect(f[0]!.score).toBeCloseTo(0.004, 12);
    expect(f[1]!.score).toBeCloseTo(0.00348, 12);
    expect(f[1]!.revenueCents).toBe(8700);
    expect(f[2]).toMatchObject({ score: 0, unquantified: 1, meanConfidence: 0.6 });
  });

  it('names the top features; confidence is the score-weighted mean action confidence', () => {
    const d = decideFeaturePrioritization(actions, opts);
    expect(d.payload.top).toEqual(['onboarding_nudge', 'retry_payment']);
    expect(d.title).toBe('Prioritize onboarding_nudge, retry_payment');
    expect(d.confidence).toBeCloseTo((0.004 * 0.8 + 0.00348 * 0.9) / 0.00748, 12);
    expect(d.rationale).toContain('$87.00 revenue');
    expect(d.rationale).toContain('MRR of $10,000.00');
  });

  it('takes MRR from the LTV:CAC details; without it revenue is reported unscored', () => {
    const withKpi = scoreFeatures(actions, {
      kpis: [ltvCac(2, {}, { activeMrrCents: 1_000_000 })],
      successRates: opts.successRates,
    });
    expect(withKpi[1]!.score).toBeCloseTo(0.00348, 12);
    const without = decideFeaturePrioritization(actions.slice(2, 5));
    expect(without.confidence).toBe(0);
    expect(without.payload.top).toEqual([]);
    expect((without.payload.ranking as Array<{ unscoredRevenueCents: number }>)[0]!.unscoredRevenueCents).toBe(8700);
  });

  it('nothing planned', () => {
    expect(decideFeaturePrioritization([])).toMatchObject({ title: 'Nothing planned to prioritize', confidence: 0 });
  });
});

describe('pricing', () => {
  it('bands: < 3 raise, 3 and 5 healthy (inclusive), > 5 invest', () => {
    expect(pricingBand(2.999)).toBe('raise_prices_or_lower_cac');
    expect(pricingBand(3)).toBe('healthy');
    expect(pricingBand(5)).toBe('healthy');
    expect(pricingBand(5.0001)).toBe('invest_in_growth');
  });

  it('LTV $1,200 / CAC $600 = 2: raise ARPA 50% or lower CAC to $400', () => {
    const d = decidePricing(ltvCac(2, { interval: [1.5, 2.5] }));
    expect(d.payload.recommendation).toBe('raise_prices_or_lower_cac');
    expect(d.payload.targetCacCents).toBe(40_000);
    expect(d.payload.arpaIncreaseToHealthy).toBeCloseTo(0.5, 12);
    expect(d.rationale).toContain('LTV:CAC is 2.00 (95% interval 1.50–2.50)');
    expect(d.rationale).toContain(
      'LTV $1,200.00, CAC $600.00, ARPA $30.00/month, monthly churn 2.00%, gross margin 80%',
    );
    expect(d.rationale).toContain('raising ARPA by 50.0%');
    expect(d.rationale).toContain('lowering CAC to $400.00');
    // P(ratio < 3) with σ = 1/3.92: Φ((3 − 2) · 3.92).
    expect(d.confidence).toBeCloseTo(0.9999557255156879, 12); // scipy: norm.cdf(3.92)
  });

  it('exactly 3 is healthy; confidence is P(3 ≤ ratio ≤ 5) under the interval', () => {
    const d = decidePricing(ltvCac(3, { interval: [2, 4] }));
    expect(d.payload.recommendation).toBe('healthy');
    expect(d.confidence).toBeCloseTo(0.4999557255156879, 12); // scipy: norm.cdf(3.92) − norm.cdf(0)
  });

  it('above 5: under-investing, with the CAC ceiling at LTV / 3', () => {
    const d = decidePricing(ltvCac(6));
    expect(d.payload.recommendation).toBe('invest_in_growth');
    expect(d.payload.maxCacCents).toBe(40_000);
    expect(d.rationale).toContain('CAC stays at or below $400.00');
    // No interval: 0.5 + 0.5 · min((6 − 5)/6, 1) · 200/230.
    expect(d.confidence).toBeCloseTo(0.5 + 0.5 * (1 / 6) * (200 / 230), 12);
    expect(bandConfidence(6, null, 0)).toBe(0.5);
  });

  it('zero churn: the floor proves > 5 at 0.975; otherwise no recommendation', () => {
    const floor = decidePricing(ltvCac(null, {}, { reason: 'zero_churn', ltvCacLowerBound: 7.5 }));
    expect(floor.payload.recommendation).toBe('invest_in_growth');
    expect(floor.confidence).toBe(0.975);
    const none = decidePricing(ltvCac(null, {}, { reason: 'zero_churn', ltvCacLowerBound: 4 }));
    expect(none).toMatchObject({ confidence: 0, payload: { recommendation: 'none', reason: 'zero_churn' } });
    expect(decidePricing(undefined).confidence).toBe(0);
  });
});

describe('ML threshold proposal', () => {
  const rows = [
    { confidence: 0.0, applied: false },
    { confidence: 0.05, applied: false },
    { confidence: 0.25, applied: true },
    { confidence: 0.35, applied: false },
    { confidence: 0.9, applied: true },
    { confidence: 0.95, applied: true },
    { confidence: 1.0, applied: true },
    { confidence: 1.0, applied: false },
  ];
  const bins = binSuggestions(rows);

  it('lowering from 0.62 to 0.25 shows 2 suggestions, 1 applied: confidence P(p > 1/3 | Beta(2,2)) = 20/27', () => {
    const d = decideMlThreshold(analyzeSuggestions(bins, { minResolved: 1, currentThreshold: 0.62 }));
    expect(d.kind).toBe('ml_threshold');
    expect(d.payload).toMatchObject({
      status: 'proposed',
      proposedThreshold: 0.25,
      currentThreshold: 0.62,
      direction: 'lower',
      applied: false,
      requiresApproval: true,
      thresholdName: ML_THRESHOLD_NAME,
      affected: { suggestions: 2, applied: 1, adoptionRate: 0.5 },
      utilityFrom: 2.5,
      utilityTo: 3,
      utilityGain: 0.5,
    });
    expect(d.confidence).toBeCloseTo(20 / 27, 9);
    expect(d.rationale).toContain('Proposed only');
  });

  it('raising from showing everything to 0.90 at c = 2 hides 4, 1 applied: P(p < 2/3 | Beta(2,4)) = 232/243', () => {
    const d = decideMlThreshold(analyzeSuggestions(bins, { minResolved: 1, dismissCost: 2 }));
    expect(d.payload).toMatchObject({
      status: 'proposed',
      proposedThreshold: 0.9,
      currentThreshold: null,
      direction: 'raise',
    });
    expect(d.payload.affected).toEqual({ suggestions: 4, applied: 1, adoptionRate: 0.25 });
    expect(d.payload.utilityFrom).toBe(4 - 2 * 4);
    expect(d.confidence).toBeCloseTo(232 / 243, 9);
  });

  it('keeps a threshold that is already optimal', () => {
    const d = decideMlThreshold(analyzeSuggestions(bins, { minResolved: 1, currentThreshold: 0.25 }));
    expect(d.payload).toMatchObject({ status: 'keep', proposedThreshold: 0.25, utilityGain: 0 });
    // The next step (0.30) would hide the 0.25 suggestion (1 of 1 applied): P(p > 1/3 | Beta(2,1)) = 1 − (1/3)² = 8/9.
    expect(d.confidence).toBeCloseTo(8 / 9, 9);
  });

  it('no proposal below the minimum sample', () => {
    const d = decideMlThreshold(analyzeSuggestions(bins));
    expect(d).toMatchObject({ confidence: 0, payload: { status: 'insufficient_data', proposedThreshold: null } });
  });
});

describe('makeDecisions', () => {
  it('one decision per kind; the ML threshold only with a suggestion analysis', () => {
    const kpis = [rate('activation_rate', 30, 100, 0.4), ltvCac(2)];
    expect(makeDecisions({ kpis, plannedActions: [] }).map((d) => d.kind)).toEqual([
      'resource_allocation',
      'feature_prioritization',
      'pricing',
    ]);
    const all = makeDecisions({ kpis, plannedActions: [], suggestions: analyzeSuggestions([]) });
    expect(all.map((d) => d.kind)).toEqual([
      'resource_allocation',
      'feature_prioritization',
      'pricing',
      'ml_threshold',
    ]);
    for (const d of all) expect(d.confidence).toBeGreaterThanOrEqual(0);
  });
});
