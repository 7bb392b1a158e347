// KPI-below-target findings: confidence is the Beta(1,1) posterior P(rate < target), checked against
// closed forms; LTV:CAC uses the documented heuristic.
import { describe, expect, it } from 'vitest';
import {
  kpiBelowTargetFinding,
  kpiBelowTargetFindings,
  kpiConfidence,
  kpiSeverity,
  successesOf,
} from '../../engine/detectors/kpi-below-target';
import type { KpiResult } from '../../engine/types';

const rateKpi = (over: Partial<KpiResult>): KpiResult => ({
  name: 'activation_rate',
  value: 0.3,
  target: 0.4,
  sampleSize: 100,
  interval: null,
  status: 'below_target',
  details: {},
  ...over,
});

describe('rate KPI confidence = P(rate < target) under Beta(1,1)', () => {
  // Closed forms: Beta(1, 1+n) has CDF 1 − (1 − x)^(n+1); Beta(1+n, 1) has CDF x^(n+1); Beta(2,2) has 3x² − 2x³.
  it('k = 0 of n = 9: 1 − 0.6^10', () => {
    const f = kpiBelowTargetFinding(rateKpi({ value: 0, sampleSize: 9, details: { numerator: 0 } }))!;
    expect(f.confidence).toBeCloseTo(1 - 0.6 ** 10, 10);
    expect(f.confidence).toBeCloseTo(0.9939533824, 9);
    expect(f.evidence).toMatchObject({ count: 4, successes: 0, confidenceMethod: 'beta_posterior' });
  });

  it('k = n = 2 gives 0.4^3; k = 1 of 2 gives Beta(2,2) at 0.4; no data gives the prior 0.4', () => {
    expect(
      kpiConfidence(rateKpi({ value: 1, sampleSize: 2, details: { numerator: 2 } }) as KpiResult & { value: number })
        .confidence,
    ).toBeCloseTo(0.064, 10);
    expect(
      kpiConfidence(rateKpi({ value: 0.5, sampleSize: 2 }) as KpiResult & { value: number }).confidence,
    ).toBeCloseTo(3 * 0.16 - 2 * 0.064, 10);
    expect(kpiConfidence(rateKpi({ value: 0, sampleSize: 0 }) as KpiResult & { value: number }).confidence).toBeCloseTo(
      0.4,
      10,
    );
  });

  it('a big cohort clearly under target is near-certain; one just under target is near a coin flip', () => {
    expect(kpiBelowTargetFinding(rateKpi({ value: 0.3, sampleSize: 2000 }))!.confidence).toBeGreaterThan(0.999999);
    const close = kpiBelowTargetFinding(rateKpi({ value: 0.39, sampleSize: 100 }))!.confidence;
    expect(close).toBeGreaterThan(0.5);
    expect(close).toBeLessThan(0.7);
  });

  it('takes successes from details.numerator or details.successes, else value × n', () => {
    expect(successesOf(rateKpi({ value: 0.3, sampleSize: 100, details: { numerator: 31 } }))).toBe(31);
    expect(successesOf(rateKpi({ value: 0.3, sampleSize: 100, details: { successes: 29 } }))).toBe(29);
    expect(successesOf(rateKpi({ value: 0.304, sampleSize: 100 }))).toBe(30);
  });
});

describe('which KPIs produce findings', () => {
  it('none for insufficient data or a value at/above target; one per KPI below target with a stable fingerprint', () => {
    const f = kpiBelowTargetFindings([
      rateKpi({ name: 'activation_rate', value: 0.3 }),
      rateKpi({ name: 'd7_retention', value: 0.25, target: 0.25, status: 'ok' }),
      rateKpi({ name: 'signup_to_activation', value: null, status: 'insufficient_data', sampleSize: 3 }),
      rateKpi({ name: 'd7_retention', value: 0.4, target: 0.25, status: 'ok' }),
    ]);
    expect(f.map((x) => x.fingerprint)).toEqual(['kpi_below_target:activation_rate']);
    expect(f[0]).toMatchObject({
      detector: 'kpi',
      kind: 'kpi_below_target',
      category: 'opportunity',
      evidence: { kpi: 'activation_rate', sampleIds: [] },
    });
    // Same KPI, other numbers, next cycle: same fingerprint.
    expect(kpiBelowTargetFinding(rateKpi({ value: 0.1, sampleSize: 5000 }))!.fingerprint).toBe(
      'kpi_below_target:activation_rate',
    );
  });

  it('severity follows the relative gap; ltv_cac under 1 is a high issue', () => {
    expect(kpiSeverity('activation_rate', 0.35, 0.4)).toEqual({ category: 'opportunity', severity: 'low' });
    expect(kpiSeverity('activation_rate', 0.3, 0.4)).toEqual({ category: 'opportunity', severity: 'medium' });
    expect(kpiSeverity('activation_rate', 0.2, 0.4)).toEqual({ category: 'opportunity', severity: 'high' });
    expect(kpiSeverity('ltv_cac', 3, 4)).toEqual({ category: 'opportunity', severity: 'medium' });
    expect(kpiSeverity('ltv_cac', 0.8, 4)).toEqual({ category: 'issue', severity: 'high' });
  });
});

describe('LTV:CAC heuristic confidence', () => {
  const ltv = (over: Partial<KpiResult>): KpiResult => ({
    name: 'ltv_cac',
    value: 2,
    target: 4,
    sampleSize: 30,
    interval: null,
    status: 'below_target',
    details: {},
    ...over,
  });

  it('with an interval: normal approximation Φ((target − value) / σ), σ = width / 3.92', () => {
    const f = kpiBelowTargetFinding(ltv({ interval: [1, 3] }))!;
    // scipy: norm.cdf(3.92)
    expect(f.confidence).toBeCloseTo(0.9999557255156879, 12);
    expect(f.evidence).toMatchObject({ confidenceMethod: 'normal_interval', count: 30, successes: null });
  });

  it('without one: 0.5 + 0.5 · relativeGap · n / (n + 30)', () => {
    expect(kpiBelowTargetFinding(ltv({}))!.confidence).toBeCloseTo(0.625, 12);
    expect(kpiBelowTargetFinding(ltv({ sampleSize: 0 }))!.confidence).toBeCloseTo(0.5, 12);
    expect(kpiBelowTargetFinding(ltv({ value: 0, sampleSize: 270 }))!.confidence).toBeCloseTo(0.95, 12);
  });
});
