// Feature prioritization decision (docs/architecture.md decide): the cycle's planned actions, grouped into
// features (one per action type: "onboarding nudges", "payment retries", …), ranked by expected impact.
//
// Expected impact of one planned action, on a common scale (relative improvement):
//   { kpi, delta }   → impact weight of the KPI × delta / target of the KPI   (as in resource allocation)
//   { revenueCents } → revenueWeight × revenueCents / current MRR            (share of MRR recovered/won)
// multiplied by the type's success rate when one is given (posterior mean from engine.action_stats), so
// a feature that rarely works ranks below one that reliably does. Both shapes may appear in one impact;
// anything else is counted as unquantified. Without a known MRR, revenue cannot be put on the scale and
// is reported as unscored revenue (the MRR is taken from the LTV:CAC KPI's details when not given).
// A feature's score is the sum over its actions. Confidence = the score-weighted mean, over the top
// features, of their actions' mean confidence (action confidence = detection × lower bound of the
// success posterior, the number the gates use), i.e. how sure the engine is the ranked impact is real.
import { KPI_TARGETS } from '../kpi/definitions';
import { KPI_NAMES, type KpiName, type KpiResult } from '../types';
import { DEFAULT_KPI_IMPACT } from './resource-allocation';
import { clamp01, dollars, fixed } from './format';
import type { Decision } from './types';

export interface PlannedActionSummary {
  id?: string;
  type: string;
  expectedImpact: Record<string, unknown>;
  /** Gate confidence of the action when known (detection × success lower bound). */
  confidence?: number | null;
  detectionConfidence?: number | null;
}

export interface PrioritizationOptions {
  kpis?: readonly KpiResult[];
  /** Current MRR in cents; defaults to details.activeMrrCents of the ltv_cac KPI. */
  mrrCents?: number | null;
  /** Success rate per action type (posterior means). Types absent are taken at face value. */
  successRates?: Record<string, number>;
  impact?: Partial<Record<KpiName, number>>;
  /** Weight of a relative MRR gain; default 1.0 (LTV:CAC's weight: revenue is what it measures). */
  revenueWeight?: number;
  /** How many features to name; default 3. */
  top?: number;
}

export interface FeatureScore {
  feature: string;
  actions: number;
  score: number;
  kpiDeltas: Partial<Record<KpiName, number>>;
  revenueCents: number;
  unscoredRevenueCents: number;
  unquantified: number;
  successRate: number | null;
  meanConfidence: number | null;
}

function isKpiName(x: unknown): x is KpiName {
  return typeof x === 'string' && (KPI_NAMES as readonly string[]).includes(x);
}

function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function mrrFrom(opts: PrioritizationOptions): number | null {
  if (opts.mrrCents != null) return opts.mrrCents > 0 ? opts.mrrCents : null;
  const ltv = opts.kpis?.find((k) => k.name === 'ltv_cac');
  const mrr = num(ltv?.details.activeMrrCents);
  return mrr != null && mrr > 0 ? mrr : null;
}

export function scoreFeatures(
  actions: readonly PlannedActionSummary[],
  opts: PrioritizationOptions = {},
): FeatureScore[] {
  const weights = { ...DEFAULT_KPI_IMPACT, ...opts.impact };
  const targets: Record<KpiName, number> = { ...KPI_TARGETS };
  for (const k of opts.kpis ?? []) targets[k.name] = k.target;
  const revenueWeight = opts.revenueWeight ?? 1;
  const mrr = mrrFrom(opts);
  const features = new Map<string, FeatureScore & { confidenceSum: number; confidenceN: number }>();

  for (const a of actions) {
    const f = features.get(a.type) ?? {
      feature: a.type,
      actions: 0,
      score: 0,
      kpiDeltas: {},
      revenueCents: 0,
      unscoredRevenueCents: 0,
      unquantified: 0,
      successRate: null,
      meanConfidence: null,
      confidenceSum: 0,
      confidenceN: 0,
    };
    const rate = opts.successRates?.[a.type];
    const p = rate != null && Number.isFinite(rate) ? clamp01(rate) : 1;
    f.successRate = rate != null && Number.isFinite(rate) ? p : null;
    const impact = a.expectedImpact ?? {};
    let quantified = false;
    const delta = num(impact.delta);
    if (isKpiName(impact.kpi) && delta != null) {
      quantified = true;
      f.kpiDeltas[impact.kpi] = (f.kpiDeltas[impact.kpi] ?? 0) + delta;
      const target = targets[impact.kpi];
      if (target > 0) f.score += p * weights[impact.kpi] * (delta / target);
    }
    const revenue = num(impact.revenueCents);
    if (revenue != null) {
      quantified = true;
      f.revenueCents += revenue;
      if (mrr != null) f.score += p * revenueWeight * (revenue / mrr);
      else f.unscoredRevenueCents += revenue;
    }
    if (!quantified) f.unquantified += 1;
    const c = num(a.confidence) ?? num(a.detectionConfidence);
    if (c != null) {
      f.confidenceSum += clamp01(c);
      f.confidenceN += 1;
    }
    f.actions += 1;
    features.set(a.type, f);
  }
  return [...features.values()]
    .map(({ confidenceSum, confidenceN, ...f }) => ({
      ...f,
      meanConfidence: confidenceN > 0 ? confidenceSum / confidenceN : null,
    }))
    .sort((a, b) => b.score - a.score || b.actions - a.actions || (a.feature < b.feature ? -1 : 1));
}

function featureText(f: FeatureScore): string {
  const parts: string[] = [];
  for (const [kpi, d] of Object.entries(f.kpiDeltas)) parts.push(`${kpi} +${fixed(d * 100, 2)} pts`);
  if (f.revenueCents) parts.push(`${dollars(f.revenueCents)} revenue`);
  const rate = f.successRate == null ? '' : `, success rate ${fixed(f.successRate * 100, 0)}%`;
  return `${f.feature} (${f.actions} action${f.actions === 1 ? '' : 's'}: ${parts.join(', ') || 'no quantified impact'}${rate}; score ${fixed(f.score, 4)})`;
}

export function decideFeaturePrioritization(
  actions: readonly PlannedActionSummary[],
  opts: PrioritizationOptions = {},
): Decision {
  const top = opts.top ?? 3;
  const ranked = scoreFeatures(actions, opts);
  const named = ranked.filter((f) => f.score > 0).slice(0, top);
  const mrr = mrrFrom(opts);
  const payload = {
    top: named.map((f) => f.feature),
    ranking: ranked,
    mrrCents: mrr,
    revenueWeight: opts.revenueWeight ?? 1,
  };
  if (!named.length) {
    return {
      kind: 'feature_prioritization',
      title: actions.length ? 'No planned action has a quantified positive impact' : 'Nothing planned to prioritize',
      rationale: actions.length
        ? `${actions.length} planned actions in ${ranked.length} features, none with a positive expected impact on the common scale` +
          `${mrr == null ? ' (MRR unknown: revenue impacts could not be scored)' : ''}.`
        : 'The cycle planned no actions.',
      confidence: 0,
      payload,
    };
  }
  const totalScore = named.reduce((s, f) => s + f.score, 0);
  const confidence = named.reduce((s, f) => s + f.score * (f.meanConfidence ?? 0.5), 0) / totalScore;
  const unscored = ranked.reduce((s, f) => s + f.unscoredRevenueCents, 0);
  return {
    kind: 'feature_prioritization',
    title: `Prioritize ${named.map((f) => f.feature).join(', ')}`,
    rationale:
      `Ranked ${ranked.length} features from ${actions.length} planned actions by expected impact ` +
      `(relative KPI gain × impact weight + revenue / MRR${mrr == null ? '' : ` of ${dollars(mrr)}`}, × success rate): ` +
      named.map((f, i) => `${i + 1}. ${featureText(f)}`).join('; ') +
      `.${unscored ? ` ${dollars(unscored)} of revenue impact is unscored (MRR unknown).` : ''}`,
    confidence: clamp01(confidence),
    payload,
  };
}
