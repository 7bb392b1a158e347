// Suggestion feedback (docs/learning.md): how users respond to the platform's ML suggestions by the model's
// confidence — adoption per confidence decile, calibration (reliability per decile, expected calibration
// error, Brier score), a quality score, and the display threshold that maximizes expected utility.
//
// Input: resolved suggestions (status applied or dismissed; applied = adopted) aggregated by SQL into 20
// fine bins of width 0.05 (db/queries/learning.ts). Fine bins serve both the deciles (two fine bins each)
// and the candidate thresholds 0.05, 0.10, …, 0.95 (every one on a fine-bin edge), so every number here
// is exact although no suggestion row ever leaves the database.
//
// Bins: fine bin = min(floor(confidence · 20), 19), decile = min(floor(confidence · 10), 9): half-open
// [k/10, (k+1)/10) except the last, [0.9, 1.0], which holds confidence exactly 1.0. (x·20 is exactly
// 2·(x·10) in binary floating point, so a fine bin always lies inside one decile, in SQL and in JS.)
//
// Metrics, with y = 1 for applied, 0 for dismissed, p = confidence, N resolved suggestions:
//   adoption rate of a decile   = applied / n
//   reliability of a decile     = (mean p, observed adoption): a calibrated model has them equal
//   ECE   = Σ_decile (n_b / N) · |adoption_b − mean p_b|      (weighted by decile size; empty deciles add 0)
//   Brier = (1/N) · Σ (p − y)²
//   quality score = mean p of applied − mean p of dismissed  (> 0: confidence separates good from bad)
//
// Quality score interval: Welch's t interval for a difference of two means, as statsmodels'
// CompareMeans.tconfint_diff(usevar='unequal'): standard error se = sqrt(s²_a / n_a + s²_d / n_d),
// Welch–Satterthwaite degrees of freedom ν = se⁴ / ((s²_a/n_a)² / (n_a − 1) + (s²_d/n_d)² / (n_d − 1)),
// score ± t(0.975, ν) · se. Each group needs ≥ 2 suggestions and the bins' centred sums of squares:
// within a bin from SQL (var_samp), across bins by Chan's pairwise update, never Σp² − n·mean², which
// cancels when the confidences lie in a narrow band.
//
// Threshold utility: suggestions with confidence ≥ t are shown, the others are not. Each shown suggestion
// that is applied is worth g (default 1), each shown suggestion that is dismissed costs c (default 0.5:
// an unwanted interruption is worth half a useful suggestion), a suggestion not shown is worth 0. Over
// the observed suggestions U(t) = g · applied(p ≥ t) − c · dismissed(p ≥ t). The recommendation is
// argmax U(t) over the candidates; ties go to the higher threshold (same value, fewer interruptions). For
// a calibrated model the optimum is to show exactly when p > c / (g + c), reported as
// breakEvenConfidence. At each threshold: precision = adoption among the shown suggestions; coverage =
// the share of all applied suggestions that are still shown (what a higher threshold gives up).
// Selection bias: only suggestions that were shown are observed, so thresholds below the one in force
// look identical to it (there is no data below it), and the recommendation never lowers the threshold
// on evidence it does not have. Below minResolved resolved suggestions there is no recommendation.
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { wilsonInterval } from '../kpi/wilson';

export const FINE_BINS = 20;
export const FINE_BIN_WIDTH = 1 / FINE_BINS;
export const DECILES = 10;

export const DEFAULT_DISMISS_COST = 0.5;
export const DEFAULT_APPLIED_GAIN = 1;
export const DEFAULT_MIN_RESOLVED = 100;
/** 0.05, 0.10, …, 0.95. */
export const DEFAULT_THRESHOLD_CANDIDATES: readonly number[] = Array.from(
  { length: 19 },
  (_, i) => (i + 1) / FINE_BINS,
);

/** One fine bin as the SQL returns it (bins with no suggestion may be absent). */
export interface SuggestionBin {
  /** 0..19: min(floor(confidence · 20), 19). */
  bin: number;
  n: number;
  applied: number;
  sumConfidence: number;
  sumConfidenceApplied: number;
  /** Σ (confidence − y)², y = 1 when applied. */
  sumSquaredError: number;
  /** Σ (confidence − the bin's mean of its group)² over the applied and over the dismissed suggestions:
   *  for the quality score's interval (optional). */
  sumSquaredDeviationApplied?: number;
  sumSquaredDeviationDismissed?: number;
}

export interface ResolvedSuggestion {
  confidence: number;
  applied: boolean;
}

export interface ConfidenceBucket {
  /** 0..9. */
  bucket: number;
  low: number;
  high: number;
  /** "[0.0, 0.1)" … "[0.9, 1.0]". */
  label: string;
  n: number;
  applied: number;
  dismissed: number;
  /** Observed adoption (applied / n); null when the bucket is empty. */
  adoptionRate: number | null;
  adoptionInterval: [number, number] | null;
  /** Mean predicted confidence of the bucket; null when empty. */
  meanConfidence: number | null;
  /** adoptionRate − meanConfidence: > 0 the model is under-confident here, < 0 over-confident. */
  calibrationGap: number | null;
}

export interface ThresholdCandidate {
  threshold: number;
  shown: number;
  applied: number;
  dismissed: number;
  utility: number;
  /** utility / resolved suggestions: comparable across periods of different volume. */
  utilityPerSuggestion: number;
  /** Adoption among the suggestions that threshold would show; null when it shows none. */
  adoptionRate: number | null;
  /** Same as adoptionRate: of the suggestions shown, the share applied. */
  precision: number | null;
  /** Of all applied suggestions, the share this threshold still shows; null when none was applied. */
  coverage: number | null;
  /** Of all resolved suggestions, the share shown. */
  shownShare: number | null;
}

export interface SuggestionAnalysisOptions {
  /** Cost of a shown-and-dismissed suggestion. Default 0.5. */
  dismissCost?: number;
  /** Gain of a shown-and-applied suggestion. Default 1. */
  appliedGain?: number;
  /** Fewer resolved suggestions than this → no threshold recommendation. Default 100. */
  minResolved?: number;
  /** Candidate thresholds, each a multiple of 0.05 in (0, 1). Default 0.05..0.95. */
  thresholds?: readonly number[];
  /** The display threshold in force, if known; its utility is evaluated for comparison. */
  currentThreshold?: number | null;
}

export interface ThresholdRecommendation {
  utility: { applied: number; dismissed: number; notShown: number; description: string };
  dismissCost: number;
  appliedGain: number;
  /** Recommended minus current: what moving to the recommendation changes; null without both. */
  expectedChange: { utility: number; precision: number | null; coverage: number | null; shown: number } | null;
  breakEvenConfidence: number;
  minResolved: number;
  sampleSize: number;
  candidates: ThresholdCandidate[];
  /** null below minResolved. */
  recommended: number | null;
  recommendedCandidate: ThresholdCandidate | null;
  /** The current threshold's utility (snapped down to the 0.05 grid: see evaluateThreshold). */
  current: ThresholdCandidate | null;
  reason: string;
}

export interface SuggestionAnalysis {
  resolved: number;
  applied: number;
  dismissed: number;
  adoptionRate: number | null;
  buckets: ConfidenceBucket[];
  calibration: {
    /** Expected calibration error over the deciles; null with no data. */
    ece: number | null;
    brier: number | null;
    /** Brier score of always predicting the base rate: a model with brier above it is worse than no model. */
    brierReference: number | null;
  };
  quality: {
    score: number | null;
    /** 95% interval of the score (Welch's t); null with fewer than 2 in a group or no sums of squares. */
    interval: [number, number] | null;
    meanConfidenceApplied: number | null;
    meanConfidenceDismissed: number | null;
  };
  threshold: ThresholdRecommendation;
}

export function fineBinOf(confidence: number): number {
  return Math.min(Math.floor(confidence * FINE_BINS), FINE_BINS - 1);
}

export function decileOf(confidence: number): number {
  return Math.min(Math.floor(confidence * DECILES), DECILES - 1);
}

/** The fine-bin index k with threshold = k / 20; throws off the 0.05 grid. */
export function thresholdIndex(threshold: number): number {
  const k = Math.round(threshold * FINE_BINS);
  if (!(Math.abs(threshold * FINE_BINS - k) < 1e-9) || k < 1 || k > FINE_BINS - 1) {
    throw new RangeError(`threshold ${threshold} is not a multiple of ${FINE_BIN_WIDTH} in (0, 1)`);
  }
  return k;
}

/** The plain-JS reference of the SQL aggregate: fine bins over resolved suggestions with 0 ≤ p ≤ 1. */
export function binSuggestions(rows: readonly ResolvedSuggestion[]): SuggestionBin[] {
  const bins = new Map<number, SuggestionBin>();
  for (const r of rows) {
    if (!(r.confidence >= 0 && r.confidence <= 1)) continue;
    const k = fineBinOf(r.confidence);
    const b = bins.get(k) ?? {
      bin: k,
      n: 0,
      applied: 0,
      sumConfidence: 0,
      sumConfidenceApplied: 0,
      sumSquaredError: 0,
      sumSquaredDeviationApplied: 0,
      sumSquaredDeviationDismissed: 0,
    };
    const y = r.applied ? 1 : 0;
    // Welford: the group's mean before and after this suggestion, from the bin's running sums.
    const [count, sum] = r.applied
      ? [b.applied, b.sumConfidenceApplied]
      : [b.n - b.applied, b.sumConfidence - b.sumConfidenceApplied];
    const meanBefore = count > 0 ? sum / count : 0;
    const meanAfter = (sum + r.confidence) / (count + 1);
    const deviation = (r.confidence - meanBefore) * (r.confidence - meanAfter);
    if (r.applied) b.sumSquaredDeviationApplied! += deviation;
    else b.sumSquaredDeviationDismissed! += deviation;
    b.n += 1;
    b.applied += y;
    b.sumConfidence += r.confidence;
    b.sumConfidenceApplied += r.applied ? r.confidence : 0;
    b.sumSquaredError += (r.confidence - y) ** 2;
    bins.set(k, b);
  }
  return [...bins.values()].sort((a, b) => a.bin - b.bin);
}

function validateBins(bins: readonly SuggestionBin[]): SuggestionBin[] {
  const squares = bins.every(
    (b) => b.sumSquaredDeviationApplied !== undefined && b.sumSquaredDeviationDismissed !== undefined,
  );
  const dense: SuggestionBin[] = Array.from({ length: FINE_BINS }, (_, bin) => ({
    bin,
    n: 0,
    applied: 0,
    sumConfidence: 0,
    sumConfidenceApplied: 0,
    sumSquaredError: 0,
    ...(squares ? { sumSquaredDeviationApplied: 0, sumSquaredDeviationDismissed: 0 } : {}),
  }));
  for (const b of bins) {
    if (!Number.isInteger(b.bin) || b.bin < 0 || b.bin >= FINE_BINS)
      throw new RangeError(`suggestion bin ${b.bin} outside 0..${FINE_BINS - 1}`);
    if (!Number.isInteger(b.n) || !Number.isInteger(b.applied) || b.applied < 0 || b.applied > b.n) {
      throw new RangeError(`suggestion bin ${b.bin}: need integers 0 ≤ applied ≤ n, got ${b.applied}/${b.n}`);
    }
    const d = dense[b.bin]!;
    if (squares) {
      // Computed before the sums below change: the merge needs each part's count and mean.
      const [applied, dismissed] = groupMoments([d, b]);
      d.sumSquaredDeviationApplied = applied.m2;
      d.sumSquaredDeviationDismissed = dismissed.m2;
    }
    d.n += b.n;
    d.applied += b.applied;
    d.sumConfidence += b.sumConfidence;
    d.sumConfidenceApplied += b.sumConfidenceApplied;
    d.sumSquaredError += b.sumSquaredError;
  }
  return dense;
}

/** Count, mean and centred sum of squares of one group (applied or dismissed). */
interface Moments {
  n: number;
  mean: number;
  m2: number;
}

/** Chan et al.'s pairwise update: the moments of two disjoint parts together, without cancellation. */
function mergeMoments(a: Moments, b: Moments): Moments {
  const n = a.n + b.n;
  if (n === 0) return { n: 0, mean: 0, m2: 0 };
  const delta = b.mean - a.mean;
  return { n, mean: a.mean + (delta * b.n) / n, m2: a.m2 + b.m2 + (delta * delta * a.n * b.n) / n };
}

/** The applied and the dismissed suggestions' moments over bins that carry centred sums of squares. */
function groupMoments(bins: readonly SuggestionBin[]): [Moments, Moments] {
  let applied: Moments = { n: 0, mean: 0, m2: 0 };
  let dismissed: Moments = { n: 0, mean: 0, m2: 0 };
  for (const b of bins) {
    const nd = b.n - b.applied;
    const sumDismissed = b.sumConfidence - b.sumConfidenceApplied;
    applied = mergeMoments(applied, {
      n: b.applied,
      mean: b.applied > 0 ? b.sumConfidenceApplied / b.applied : 0,
      m2: b.sumSquaredDeviationApplied!,
    });
    dismissed = mergeMoments(dismissed, {
      n: nd,
      mean: nd > 0 ? sumDismissed / nd : 0,
      m2: b.sumSquaredDeviationDismissed!,
    });
  }
  return [applied, dismissed];
}

/** Welch's 95% t interval of mean_a − mean_d (Welch–Satterthwaite degrees of freedom); each n ≥ 2. */
function welchInterval(a: Moments, d: Moments): [number, number] {
  const diff = a.mean - d.mean;
  const va = a.m2 / (a.n - 1) / a.n;
  const vd = d.m2 / (d.n - 1) / d.n;
  const se = Math.sqrt(va + vd);
  if (!(se > 0)) return [diff, diff];
  const df = (va + vd) ** 2 / (va ** 2 / (a.n - 1) + vd ** 2 / (d.n - 1));
  const half = tQuantile(0.975, df) * se;
  return [diff - half, diff + half];
}

function bucketLabel(k: number): string {
  return k === DECILES - 1 ? `[${(k / 10).toFixed(1)}, 1.0]` : `[${(k / 10).toFixed(1)}, ${((k + 1) / 10).toFixed(1)})`;
}

function buildBuckets(fine: readonly SuggestionBin[]): ConfidenceBucket[] {
  return Array.from({ length: DECILES }, (_, k) => {
    const a = fine[2 * k]!;
    const b = fine[2 * k + 1]!;
    const n = a.n + b.n;
    const applied = a.applied + b.applied;
    const adoptionRate = n > 0 ? applied / n : null;
    const meanConfidence = n > 0 ? (a.sumConfidence + b.sumConfidence) / n : null;
    return {
      bucket: k,
      low: k / DECILES,
      high: (k + 1) / DECILES,
      label: bucketLabel(k),
      n,
      applied,
      dismissed: n - applied,
      adoptionRate,
      adoptionInterval: wilsonInterval(applied, n),
      meanConfidence,
      calibrationGap: adoptionRate == null || meanConfidence == null ? null : adoptionRate - meanConfidence,
    };
  });
}

/** U at threshold index k (show fine bins k..19), as a candidate row. */
function candidateAt(
  fine: readonly SuggestionBin[],
  k: number,
  dismissCost: number,
  resolved: number,
  appliedGain = DEFAULT_APPLIED_GAIN,
): ThresholdCandidate {
  let shown = 0;
  let applied = 0;
  let totalApplied = 0;
  for (let i = 0; i < FINE_BINS; i++) {
    totalApplied += fine[i]!.applied;
    if (i < k) continue;
    shown += fine[i]!.n;
    applied += fine[i]!.applied;
  }
  const dismissed = shown - applied;
  const utility = appliedGain * applied - dismissCost * dismissed;
  const precision = shown > 0 ? applied / shown : null;
  return {
    threshold: k / FINE_BINS,
    shown,
    applied,
    dismissed,
    utility,
    utilityPerSuggestion: resolved > 0 ? utility / resolved : 0,
    adoptionRate: precision,
    precision,
    coverage: totalApplied > 0 ? applied / totalApplied : null,
    shownShare: resolved > 0 ? shown / resolved : null,
  };
}

/**
 * The utility of showing suggestions with confidence ≥ threshold. A threshold off the 0.05 grid is
 * snapped down to it: exact whenever the data only holds suggestions the threshold let through (every
 * shown suggestion has p ≥ threshold, so the part of its fine bin below the threshold is empty).
 */
export function evaluateThreshold(
  bins: readonly SuggestionBin[],
  threshold: number,
  dismissCost = DEFAULT_DISMISS_COST,
  appliedGain = DEFAULT_APPLIED_GAIN,
): ThresholdCandidate {
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be in [0, 1], got ${threshold}`);
  const fine = validateBins(bins);
  const resolved = fine.reduce((s, b) => s + b.n, 0);
  const k = Math.min(Math.floor(threshold * FINE_BINS + 1e-9), FINE_BINS - 1);
  return { ...candidateAt(fine, k, dismissCost, resolved, appliedGain), threshold };
}

export function recommendThreshold(
  bins: readonly SuggestionBin[],
  opts: SuggestionAnalysisOptions = {},
): ThresholdRecommendation {
  const dismissCost = opts.dismissCost ?? DEFAULT_DISMISS_COST;
  const appliedGain = opts.appliedGain ?? DEFAULT_APPLIED_GAIN;
  const minResolved = opts.minResolved ?? DEFAULT_MIN_RESOLVED;
  if (!(dismissCost >= 0) || !Number.isFinite(dismissCost))
    throw new RangeError(`dismissCost must be a finite number ≥ 0, got ${dismissCost}`);
  if (!(appliedGain > 0) || !Number.isFinite(appliedGain))
    throw new RangeError(`appliedGain must be a finite number > 0, got ${appliedGain}`);
  if (!(minResolved >= 0)) throw new RangeError(`minResolved must be ≥ 0, got ${minResolved}`);
  const ks = [...new Set((opts.thresholds ?? DEFAULT_THRESHOLD_CANDIDATES).map(thresholdIndex))].sort((a, b) => a - b);
  if (!ks.length) throw new RangeError('at least one candidate threshold is needed');
  const fine = validateBins(bins);
  const resolved = fine.reduce((s, b) => s + b.n, 0);
  const candidates = ks.map((k) => candidateAt(fine, k, dismissCost, resolved, appliedGain));
  const current =
    opts.currentThreshold == null ? null : evaluateThreshold(bins, opts.currentThreshold, dismissCost, appliedGain);

  let best: ThresholdCandidate | null = null;
  for (const c of candidates) if (!best || c.utility >= best.utility) best = c; // ≥: ties go to the higher threshold

  const utility = {
    applied: appliedGain,
    dismissed: -dismissCost,
    notShown: 0,
    description: `U(t) = ${appliedGain} · applied(p ≥ t) − ${dismissCost} · dismissed(p ≥ t): +${appliedGain} per applied suggestion shown, −${dismissCost} per dismissed one, 0 per suggestion not shown`,
  };
  const base = {
    utility,
    dismissCost,
    appliedGain,
    breakEvenConfidence: dismissCost / (appliedGain + dismissCost),
    minResolved,
    sampleSize: resolved,
    candidates,
    current,
  };
  if (resolved < minResolved || !best) {
    return {
      ...base,
      expectedChange: null,
      recommended: null,
      recommendedCandidate: null,
      reason: `only ${resolved} resolved suggestions; at least ${minResolved} are needed for a recommendation`,
    };
  }
  const diff = (a: number | null, b: number | null) => (a == null || b == null ? null : a - b);
  return {
    ...base,
    expectedChange: current
      ? {
          utility: best.utility - current.utility,
          precision: diff(best.precision, current.precision),
          coverage: diff(best.coverage, current.coverage),
          shown: best.shown - current.shown,
        }
      : null,
    recommended: best.threshold,
    recommendedCandidate: best,
    reason:
      `threshold ${best.threshold.toFixed(2)} maximizes utility over ${resolved} resolved suggestions: ` +
      `shows ${best.shown} (${best.applied} applied, ${best.dismissed} dismissed), U = ${round(best.utility, 2)}`,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function analyzeSuggestions(
  bins: readonly SuggestionBin[],
  opts: SuggestionAnalysisOptions = {},
): SuggestionAnalysis {
  const fine = validateBins(bins);
  const resolved = fine.reduce((s, b) => s + b.n, 0);
  const applied = fine.reduce((s, b) => s + b.applied, 0);
  const dismissed = resolved - applied;
  const sumConfidence = fine.reduce((s, b) => s + b.sumConfidence, 0);
  const sumConfidenceApplied = fine.reduce((s, b) => s + b.sumConfidenceApplied, 0);
  const sumSquaredError = fine.reduce((s, b) => s + b.sumSquaredError, 0);
  const buckets = buildBuckets(fine);

  const ece = resolved > 0 ? buckets.reduce((s, b) => s + (b.n / resolved) * Math.abs(b.calibrationGap ?? 0), 0) : null;
  const baseRate = resolved > 0 ? applied / resolved : null;
  const meanConfidenceApplied = applied > 0 ? sumConfidenceApplied / applied : null;
  const meanConfidenceDismissed = dismissed > 0 ? (sumConfidence - sumConfidenceApplied) / dismissed : null;
  const score =
    meanConfidenceApplied == null || meanConfidenceDismissed == null
      ? null
      : meanConfidenceApplied - meanConfidenceDismissed;
  let interval: [number, number] | null = null;
  if (score !== null && applied >= 2 && dismissed >= 2 && fine[0]!.sumSquaredDeviationApplied !== undefined) {
    interval = welchInterval(...groupMoments(fine));
  }

  return {
    resolved,
    applied,
    dismissed,
    adoptionRate: baseRate,
    buckets,
    calibration: {
      ece,
      brier: resolved > 0 ? sumSquaredError / resolved : null,
      brierReference: baseRate == null ? null : baseRate * (1 - baseRate),
    },
    quality: {
      score,
      interval,
      meanConfidenceApplied,
      meanConfidenceDismissed,
    },
    threshold: recommendThreshold(fine, opts),
  };
}
