// KPI-below-target detector: one finding per KPI whose measured value is under its target.
// KPIs come from the KPI module (engine/types.ts KpiResult); "insufficient data" never yields a finding.
//
// Detection confidence:
//   rates (activation, D7 retention, signup→activation): P(rate < target) under a Beta(1,1) prior,
//     i.e. probabilityBelow(target, Beta(1 + k, 1 + n − k)) with k successes of n.
//   ltv_cac (a ratio, no binomial model): heuristic. With a 95% interval [lo, hi] from the KPI module,
//     a normal approximation: Φ((target − value) / σ), σ = (hi − lo) / (2 · 1.96). Without one,
//     0.5 + 0.5 · relativeGap · n / (n + 30): a bigger gap and more paying customers mean more confidence.
// Category and severity (relativeGap = (target − value) / target):
//   ltv_cac < 1 is an issue, high (each customer costs more than they bring); every other KPI gap is an
//   opportunity for the optimize phase, high when relativeGap ≥ 0.5, medium when ≥ 0.2, else low.
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { posteriorFrom, probabilityBelow } from '../stats/beta';
import type { DetectedFinding, FindingCategory, KpiName, KpiResult, Severity } from '../types';
import { KINDS, kpiFingerprint } from './catalog';

const RATE_KPIS: ReadonlySet<KpiName> = new Set<KpiName>(['activation_rate', 'd7_retention', 'signup_to_activation']);

const LABELS: Record<KpiName, string> = {
  activation_rate: 'Activation rate',
  d7_retention: 'D7 retention',
  signup_to_activation: 'Signup→activation conversion',
  ltv_cac: 'LTV:CAC',
};

/** Pseudo-count of the no-interval LTV:CAC heuristic: at 30 paying customers the gap counts half. */
export const LTV_CAC_HEURISTIC_PSEUDO_COUNT = 30;

export type ConfidenceMethod = 'beta_posterior' | 'normal_interval' | 'gap_heuristic';

/** Successes behind a rate KPI: an explicit numerator from details when present, else value × n. */
export function successesOf(kpi: KpiResult): number {
  const d = kpi.details;
  const explicit = [d.numerator, d.successes].find((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const k = explicit ?? Math.round((kpi.value ?? 0) * kpi.sampleSize);
  return Math.min(Math.max(k, 0), kpi.sampleSize);
}

export function relativeGap(value: number, target: number): number {
  return target > 0 ? (target - value) / target : 0;
}

export function kpiConfidence(kpi: KpiResult & { value: number }): { confidence: number; method: ConfidenceMethod } {
  if (RATE_KPIS.has(kpi.name)) {
    return {
      confidence: probabilityBelow(kpi.target, posteriorFrom(successesOf(kpi), kpi.sampleSize)),
      method: 'beta_posterior',
    };
  }
  const [lo, hi] = kpi.interval ?? [NaN, NaN];
  if (Number.isFinite(lo) && Number.isFinite(hi) && hi > lo) {
    const sigma = (hi - lo) / (2 * 1.96);
    return { confidence: normalCdf((kpi.target - kpi.value) / sigma, 0, 1), method: 'normal_interval' };
  }
  const gap = Math.min(Math.max(relativeGap(kpi.value, kpi.target), 0), 1);
  const n = Math.max(kpi.sampleSize, 0);
  return { confidence: 0.5 + 0.5 * gap * (n / (n + LTV_CAC_HEURISTIC_PSEUDO_COUNT)), method: 'gap_heuristic' };
}

export function kpiSeverity(
  kpi: KpiName,
  value: number,
  target: number,
): { category: FindingCategory; severity: Severity } {
  if (kpi === 'ltv_cac' && value < 1) return { category: 'issue', severity: 'high' };
  const gap = relativeGap(value, target);
  return { category: 'opportunity', severity: gap >= 0.5 ? 'high' : gap >= 0.2 ? 'medium' : 'low' };
}

function format(kpi: KpiName, x: number): string {
  return RATE_KPIS.has(kpi) ? `${(x * 100).toFixed(1)}%` : x.toFixed(2);
}

export function kpiBelowTargetFinding(kpi: KpiResult): DetectedFinding | null {
  if (kpi.status === 'insufficient_data' || kpi.value == null || !Number.isFinite(kpi.value) || kpi.value >= kpi.target)
    return null;
  const value = kpi.value;
  const isRate = RATE_KPIS.has(kpi.name);
  const successes = isRate ? successesOf(kpi) : null;
  const { confidence, method } = kpiConfidence({ ...kpi, value });
  const { category, severity } = kpiSeverity(kpi.name, value, kpi.target);
  // For a rate: how many more successes the cohort needed to reach the target.
  const shortfall =
    successes == null ? kpi.sampleSize : Math.max(Math.ceil(kpi.target * kpi.sampleSize - successes), 1);
  return {
    fingerprint: kpiFingerprint(kpi.name),
    detector: 'kpi',
    kind: KINDS.kpi.belowTarget,
    category,
    severity,
    confidence,
    title: `${LABELS[kpi.name]} ${format(kpi.name, value)} below target ${format(kpi.name, kpi.target)} (n=${kpi.sampleSize})`,
    evidence: {
      count: shortfall,
      sampleIds: [],
      kpi: kpi.name,
      value,
      target: kpi.target,
      sampleSize: kpi.sampleSize,
      successes,
      interval: kpi.interval,
      gap: kpi.target - value,
      relativeGap: relativeGap(value, kpi.target),
      confidenceMethod: method,
      details: kpi.details,
    },
  };
}

export function kpiBelowTargetFindings(kpis: KpiResult[]): DetectedFinding[] {
  return kpis.map(kpiBelowTargetFinding).filter((f): f is DetectedFinding => f !== null);
}
