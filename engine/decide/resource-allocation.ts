// Resource allocation decision (docs/architecture.md decide): which KPI the next cycle's effort should go to.
//
//   relative gap  = max(0, (target − value) / target)        (how far below target, scale-free)
//   score         = relative gap × impact weight of the KPI
//   focus         = the KPI with the highest score > 0 (ties: higher weight, then name)
//   confidence    = P(the focus KPI is really below its target): the KPI detector's confidence
//                   (Beta posterior for rates, normal approximation of the interval for LTV:CAC).
// KPIs with insufficient data are skipped and named in the payload. When no measured KPI is below
// target, the decision is to keep the current allocation, with confidence = the smallest
// P(at or above target) among the measured KPIs.
//
// Default impact weights (how directly a KPI moves revenue; configurable):
//   ltv_cac 1.0            unit economics: revenue per acquisition dollar
//   d7_retention 0.9       retention compounds into every later month of revenue
//   activation_rate 0.8    activation feeds retention and conversion
//   signup_to_activation 0.6  the same behaviour as activation over an older cohort and a wider
//                          window; weighted lower so one problem is not counted twice
import { kpiConfidence } from '../detectors/kpi-below-target';
import type { KpiName, KpiResult } from '../types';
import { fixed, pct } from './format';
import type { Decision } from './types';

export const DEFAULT_KPI_IMPACT: Record<KpiName, number> = {
  ltv_cac: 1.0,
  d7_retention: 0.9,
  activation_rate: 0.8,
  signup_to_activation: 0.6,
};

const LABELS: Record<KpiName, string> = {
  activation_rate: 'activation rate',
  d7_retention: 'D7 retention',
  signup_to_activation: 'signup→activation conversion',
  ltv_cac: 'LTV:CAC',
};

export interface AllocationEntry {
  kpi: KpiName;
  value: number;
  target: number;
  relativeGap: number;
  impactWeight: number;
  score: number;
  /** P(value really below target). */
  confidenceBelowTarget: number;
  sampleSize: number;
}

function show(kpi: KpiName, x: number): string {
  return kpi === 'ltv_cac' ? fixed(x) : pct(x);
}

export function allocationRanking(
  kpis: readonly KpiResult[],
  impact: Partial<Record<KpiName, number>> = {},
): {
  ranking: AllocationEntry[];
  skipped: Array<{ kpi: KpiName; reason: string }>;
} {
  const weights = { ...DEFAULT_KPI_IMPACT, ...impact };
  const ranking: AllocationEntry[] = [];
  const skipped: Array<{ kpi: KpiName; reason: string }> = [];
  for (const k of kpis) {
    if (k.status === 'insufficient_data' || k.value == null || !Number.isFinite(k.value)) {
      skipped.push({
        kpi: k.name,
        reason: typeof k.details.reason === 'string' ? k.details.reason : 'insufficient_data',
      });
      continue;
    }
    const w = weights[k.name];
    if (!(w >= 0)) throw new RangeError(`impact weight of ${k.name} must be ≥ 0, got ${w}`);
    const relativeGap = k.target > 0 ? Math.max(0, (k.target - k.value) / k.target) : 0;
    ranking.push({
      kpi: k.name,
      value: k.value,
      target: k.target,
      relativeGap,
      impactWeight: w,
      score: relativeGap * w,
      confidenceBelowTarget: kpiConfidence({ ...k, value: k.value }).confidence,
      sampleSize: k.sampleSize,
    });
  }
  ranking.sort((a, b) => b.score - a.score || b.impactWeight - a.impactWeight || (a.kpi < b.kpi ? -1 : 1));
  return { ranking, skipped };
}

export function decideResourceAllocation(
  kpis: readonly KpiResult[],
  opts: { impact?: Partial<Record<KpiName, number>> } = {},
): Decision {
  const weights = { ...DEFAULT_KPI_IMPACT, ...opts.impact };
  const { ranking, skipped } = allocationRanking(kpis, opts.impact);
  const skippedText = skipped.length
    ? ` Skipped for insufficient data: ${skipped.map((s) => `${LABELS[s.kpi]} (${s.reason})`).join(', ')}.`
    : '';
  const payload = { focus: null as KpiName | null, ranking, skipped, weights };

  if (!ranking.length) {
    return {
      kind: 'resource_allocation',
      title: 'No allocation change: no KPI has enough data',
      rationale: `None of the ${kpis.length} KPIs could be measured this cycle, so no gap can be weighed.${skippedText}`,
      confidence: 0,
      payload,
    };
  }
  const top = ranking[0]!;
  if (top.score <= 0) {
    const confidence = Math.min(...ranking.map((r) => 1 - r.confidenceBelowTarget));
    return {
      kind: 'resource_allocation',
      title: 'Keep the current allocation: every measured KPI meets its target',
      rationale: `${ranking.map((r) => `${LABELS[r.kpi]} ${show(r.kpi, r.value)} ≥ target ${show(r.kpi, r.target)}`).join('; ')}.${skippedText}`,
      confidence,
      payload,
    };
  }
  const runnerUp = ranking[1];
  const runnerText =
    runnerUp && runnerUp.score > 0 ? `, ahead of ${LABELS[runnerUp.kpi]} (score ${fixed(runnerUp.score, 3)})` : '';
  return {
    kind: 'resource_allocation',
    title: `Focus effort on ${LABELS[top.kpi]}`,
    rationale:
      `${LABELS[top.kpi]} is ${show(top.kpi, top.value)} against a target of ${show(top.kpi, top.target)} ` +
      `(${pct(top.relativeGap)} below target, n=${top.sampleSize}); weighted by impact ${fixed(top.impactWeight)} ` +
      `its score is ${fixed(top.score, 3)}${runnerText}. P(below target) = ${pct(top.confidenceBelowTarget)}.${skippedText}`,
    confidence: top.confidenceBelowTarget,
    payload: { ...payload, focus: top.kpi },
  };
}
