// Suggestion feedback on a tiny hand-computed example: bucket edges (0.05, 0.1, exactly 1.0), ECE, Brier,
// quality score, and the utility-maximizing threshold under two dismiss costs.
import { describe, expect, it } from 'vitest';
import {
  analyzeSuggestions,
  binSuggestions,
  decileOf,
  evaluateThreshold,
  fineBinOf,
  recommendThreshold,
  thresholdIndex,
  type ResolvedSuggestion,
} from '../../engine/learning/suggestions';

// Decile 0: 0.0 (d), 0.05 (d); decile 2: 0.25 (a); decile 3: 0.35 (d); decile 9: 0.9 (a), 0.95 (a), 1.0 (a), 1.0 (d).
const rows: ResolvedSuggestion[] = [
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

describe('bucket edges', () => {
  it('deciles are [k/10, (k+1)/10) and the last one is closed at 1.0', () => {
    expect(decileOf(0)).toBe(0);
    expect(decileOf(0.0999)).toBe(0);
    expect(decileOf(0.1)).toBe(1);
    expect(decileOf(0.3)).toBe(3);
    expect(decileOf(0.7)).toBe(7);
    expect(decileOf(0.8999999)).toBe(8);
    expect(decileOf(0.9)).toBe(9);
    expect(decileOf(1)).toBe(9);
    expect(fineBinOf(0.05)).toBe(1);
    expect(fineBinOf(0.0499)).toBe(0);
    expect(fineBinOf(1)).toBe(19);
    expect(fineBinOf(0.95)).toBe(19);
  });

  it('every fine bin lies inside one decile over a dense grid of confidences', () => {
    const mismatches: number[] = [];
    for (let i = 0; i <= 100_000; i++) {
      const p = i / 100_000;
      if (Math.floor(fineBinOf(p) / 2) !== decileOf(p)) mismatches.push(p);
    }
    expect(mismatches).toEqual([]);
  });

  it('confidence exactly 1.0 lands in [0.9, 1.0] with the 0.9 and 0.95 rows', () => {
    const a = analyzeSuggestions(bins, { minResolved: 1 });
    const last = a.buckets[9]!;
    expect(last.label).toBe('[0.9, 1.0]');
    expect(last).toMatchObject({ n: 4, applied: 3, dismissed: 1, adoptionRate: 0.75 });
    expect(last.meanConfidence).toBeCloseTo(3.85 / 4, 12);
    expect(a.buckets[0]!.label).toBe('[0.0, 0.1)');
    expect(a.buckets[0]).toMatchObject({ n: 2, applied: 0, adoptionRate: 0 });
    expect(a.buckets[1]).toMatchObject({
      n: 0,
      adoptionRate: null,
      meanConfidence: null,
      calibrationGap: null,
      adoptionInterval: null,
    });
    expect(a.buckets.map((b) => b.n)).toEqual([2, 0, 1, 1, 0, 0, 0, 0, 0, 4]);
  });

  it('skips confidences outside [0, 1] and NaN in the JS reference', () => {
    expect(
      binSuggestions([
        { confidence: -0.1, applied: true },
        { confidence: 1.2, applied: true },
        { confidence: NaN, applied: false },
      ]),
    ).toEqual([]);
  });
});

/** The quality score and interval of applied and dismissed confidences. */
function quality(applied: number[], dismissed: number[]) {
  const rows = [
    ...applied.map((confidence) => ({ confidence, applied: true })),
    ...dismissed.map((confidence) => ({ confidence, applied: false })),
  ];
  return analyzeSuggestions(binSuggestions(rows), { minResolved: 1 }).quality;
}

describe('calibration and quality', () => {
  const a = analyzeSuggestions(bins, { minResolved: 1 });

  it('ECE = Σ n_b/N · |adoption − mean confidence| = 0.25', () => {
    // (2/8)·0.025 + (1/8)·0.75 + (1/8)·0.35 + (4/8)·0.2125 = 0.00625 + 0.09375 + 0.04375 + 0.10625
    expect(a.calibration.ece).toBeCloseTo(0.25, 12);
    expect(a.buckets[2]!.calibrationGap).toBeCloseTo(0.75, 12);
    expect(a.buckets[9]!.calibrationGap).toBeCloseTo(-0.2125, 12);
  });

  it('Brier = mean (p − y)² = 1.7 / 8 = 0.2125; reference = base rate · (1 − base rate)', () => {
    // 0 + 0.0025 + 0.5625 + 0.1225 + 0.01 + 0.0025 + 0 + 1 = 1.7
    expect(a.calibration.brier).toBeCloseTo(0.2125, 12);
    expect(a.calibration.brierReference).toBeCloseTo(0.25, 12);
    expect(a.adoptionRate).toBe(0.5);
  });

  it('quality = mean p of applied (3.1/4) − mean p of dismissed (1.4/4) = 0.425', () => {
    expect(a.quality.meanConfidenceApplied).toBeCloseTo(0.775, 12);
    expect(a.quality.meanConfidenceDismissed).toBeCloseTo(0.35, 12);
    expect(a.quality.score).toBeCloseTo(0.425, 12);
  });

  it("the quality interval is Welch's t interval: 2 vs 2 with equal variances has 2 degrees of freedom", () => {
    // statsmodels CompareMeans.tconfint_diff(usevar='unequal'): se = √(0.005/2 + 0.005/2), t(0.975, 2) = 4.3026527
    const q = quality([0.8, 0.9], [0.2, 0.3]);
    const half = 4.302652729749462 * Math.sqrt(0.005);
    expect(q.score).toBeCloseTo(0.6, 12);
    expect(q.interval![0]).toBeCloseTo(0.6 - half, 9);
    expect(q.interval![1]).toBeCloseTo(0.6 + half, 9);
  });

  it('unequal variances: Welch–Satterthwaite ν = 2.635, t(0.975, ν) = 3.4469', () => {
    // reference computed with mpmath at 30 digits from the same formulas
    const q = quality([0.5, 0.7, 0.9], [0.1, 0.2]);
    expect(q.interval![0]).toBeCloseTo(0.11626979195266994, 9);
    expect(q.interval![1]).toBeCloseTo(0.9837302080473302, 9);
  });

  it('the variance is centred: confidences in a 1e-8 band keep their spread (one-pass gave 43× too wide)', () => {
    const band = (base: number) => Array.from({ length: 10 }, (_, k) => base + k * 1e-9);
    const q = quality(band(0.9), band(0.1));
    // var = 1e-18 · var(0..9) = 9.1667e-18 per group, ν = 18, t(0.975, 18) = 2.1009220402410380
    const half = 2.100922040241038 * Math.sqrt((2 * (55 / 6) * 1e-18) / 10);
    expect((q.interval![1] - q.interval![0]) / 2 / half).toBeCloseTo(1, 5);
  });

  it('no spread at all: the interval is the score itself; fewer than 2 in a group: no interval', () => {
    expect(quality([0.7, 0.7], [0.3, 0.3]).interval).toEqual([0.7 - 0.3, 0.7 - 0.3]);
    expect(quality([0.7], [0.3, 0.4]).interval).toBeNull();
  });

  it('no data: every metric is null and no threshold is recommended', () => {
    const e = analyzeSuggestions([]);
    expect(e.calibration).toEqual({ ece: null, brier: null, brierReference: null });
    expect(e.quality.score).toBeNull();
    expect(e.threshold.recommended).toBeNull();
  });
});

describe('threshold utility argmax', () => {
  it('c = 0.5: U is 2.5, 3, 3, 3, 3, 2, 2, 2.5 … 2.5, 1.5; the tie at 3 goes to the highest, 0.25', () => {
    const r = recommendThreshold(bins, { minResolved: 1, dismissCost: 0.5 });
    const u = Object.fromEntries(r.candidates.map((c) => [c.threshold.toFixed(2), c.utility]));
    expect(u['0.05']).toBe(2.5);
    expect(u['0.10']).toBe(3);
    expect(u['0.25']).toBe(3);
    expect(u['0.30']).toBe(2);
    expect(u['0.35']).toBe(2);
    expect(u['0.40']).toBe(2.5);
    expect(u['0.90']).toBe(2.5);
    expect(u['0.95']).toBe(1.5);
    expect(r.recommended).toBe(0.25);
    expect(r.recommendedCandidate).toMatchObject({
      shown: 6,
      applied: 4,
      dismissed: 2,
      utility: 3,
      adoptionRate: 4 / 6,
    });
    expect(r.recommendedCandidate!.utilityPerSuggestion).toBeCloseTo(3 / 8, 12);
    expect(r.breakEvenConfidence).toBeCloseTo(1 / 3, 12);
    expect(r.sampleSize).toBe(8);
  });

  it('c = 2 moves the optimum up to 0.90 (U = 3 − 2·1 = 1)', () => {
    const r = recommendThreshold(bins, { minResolved: 1, dismissCost: 2 });
    expect(r.recommended).toBe(0.9);
    expect(r.recommendedCandidate!.utility).toBe(1);
    expect(r.breakEvenConfidence).toBeCloseTo(2 / 3, 12);
  });

  it('no recommendation below the minimum sample, with the sample size shown', () => {
    const r = recommendThreshold(bins, { minResolved: 9 });
    expect(r.recommended).toBeNull();
    expect(r.reason).toContain('only 8 resolved suggestions');
    expect(r.candidates).toHaveLength(19);
  });

  it('the current threshold is snapped down to the grid: 0.62 is evaluated as bins ≥ 0.60', () => {
    const c = evaluateThreshold(bins, 0.62, 0.5);
    expect(c).toMatchObject({ threshold: 0.62, shown: 4, applied: 3, dismissed: 1, utility: 2.5 });
    expect(recommendThreshold(bins, { minResolved: 1, currentThreshold: 0.62 }).current?.utility).toBe(2.5);
  });

  it('rejects candidates off the 0.05 grid', () => {
    expect(thresholdIndex(0.35)).toBe(7);
    expect(() => thresholdIndex(0.33)).toThrow(RangeError);
    expect(() => thresholdIndex(1)).toThrow(RangeError);
    expect(() => recommendThreshold(bins, { thresholds: [0.42] })).toThrow(RangeError);
  });
});
