// Sample-ratio mismatch (docs/learning.md#sample-ratio-mismatch): the holdout is drawn by hash, so the
// observed split of a type's eligible targets between treated and held out should match the policy's
// share. A chi-square goodness-of-fit test with one degree of freedom says how surprising the observed
// split is; below the policy's strict p-value (0.001) the split is broken (a bug in assignment, targets
// lost on one side) and the uplift measured on it cannot be trusted.
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import type { DetectedFinding } from '../types';

/** Below this expected count in either group the chi-square approximation is not used (the usual rule of 5). */
export const MIN_EXPECTED_PER_GROUP = 5;

export interface SrmResult {
  expectedHoldoutShare: number;
  observed: { treated: number; holdout: number };
  expected: { treated: number; holdout: number };
  /** Pearson's chi-square statistic; null when the test was not run. */
  chiSquare: number | null;
  /** P(χ²₁ ≥ statistic); null when the test was not run. */
  pValue: number | null;
  threshold: number;
  /** 'mismatch' when pValue < threshold; 'insufficient' when an expected count is below MIN_EXPECTED_PER_GROUP. */
  status: 'healthy' | 'mismatch' | 'insufficient';
}

/** The chi-square goodness-of-fit test of an observed treated/holdout split against the expected share. */
export function srmTest(treated: number, holdout: number, expectedHoldoutShare: number, threshold: number): SrmResult {
  const n = treated + holdout;
  const expected = { treated: n * (1 - expectedHoldoutShare), holdout: n * expectedHoldoutShare };
  const base = { expectedHoldoutShare, observed: { treated, holdout }, expected, threshold };
  if (
    !(expectedHoldoutShare > 0 && expectedHoldoutShare < 1) ||
    expected.treated < MIN_EXPECTED_PER_GROUP ||
    expected.holdout < MIN_EXPECTED_PER_GROUP
  )
    return { ...base, chiSquare: null, pValue: null, status: 'insufficient' };
  const chiSquare =
    (treated - expected.treated) ** 2 / expected.treated + (holdout - expected.holdout) ** 2 / expected.holdout;
  const pValue = Math.max(0, 1 - chisquareCdf(chiSquare, 1));
  return { ...base, chiSquare, pValue, status: pValue < threshold ? 'mismatch' : 'healthy' };
}

/** The finding a mismatch raises (detector 'holdout', kind 'srm'): one per action type, resolved once the split is healthy. */
export function srmFinding(type: string, r: SrmResult): DetectedFinding {
  const n = r.observed.treated + r.observed.holdout;
  return {
    fingerprint: `holdout:srm:${type}`,
    detector: 'holdout',
    kind: 'srm',
    category: 'issue',
    severity: 'high',
    confidence: Math.round((1 - (r.pValue ?? 0)) * 1e6) / 1e6,
    title: `Sample-ratio mismatch in the ${type} holdout: ${r.observed.holdout} of ${n} held out, expected ${Math.round(r.expected.holdout)} (p = ${(r.pValue ?? 0).toExponential(2)}); its uplift is not trusted`,
    evidence: {
      count: n,
      sampleIds: [],
      actionType: type,
      expected: r.expected,
      observed: r.observed,
      expectedHoldoutShare: r.expectedHoldoutShare,
      chiSquare: r.chiSquare,
      pValue: r.pValue,
      threshold: r.threshold,
    },
  };
}
