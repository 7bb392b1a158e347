// Pricing decision (docs/architecture.md decide) from the LTV:CAC KPI:
//   ratio < 3        → raise prices (ARPA) or lower CAC: each customer does not pay back acquisition
//                      three times over, the usual floor for a sustainable SaaS;
//   3 ≤ ratio ≤ 5    → healthy: no pricing change;
//   ratio > 5        → under-investing in growth: acquisition spend can rise.
// The rationale carries LTV, CAC, ARPA, churn and what it takes to reach the healthy band
// (CAC at which the ratio is 3 = LTV / 3; the ARPA increase that lifts the ratio to 3).
// Confidence = P(the true ratio lies in the chosen band) under a normal approximation of the KPI's
// 95% interval (σ = (high − low) / 3.92). Without an interval: 0.5 + 0.5 · (distance to the nearest band
// edge / value, capped at 1) · n / (n + 30). When the KPI is insufficient because churn was zero, the
// ratio's floor (details.ltvCacLowerBound, from churn's Wilson upper bound) still proves "above 5" when the
// floor exceeds 5, with confidence 0.975 (a one-sided 95% bound); otherwise no recommendation.
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import type { KpiResult } from '../types';
import { clamp01, dollars, fixed, pct } from './format';
import type { Decision } from './types';

export const PRICING_LOW = 3;
export const PRICING_HIGH = 5;
const PSEUDO_COUNT = 30;

export type PricingRecommendation = 'raise_prices_or_lower_cac' | 'healthy' | 'invest_in_growth' | 'none';

export function pricingBand(ratio: number): Exclude<PricingRecommendation, 'none'> {
  if (ratio < PRICING_LOW) return 'raise_prices_or_lower_cac';
  if (ratio <= PRICING_HIGH) return 'healthy';
  return 'invest_in_growth';
}

function bandBounds(band: Exclude<PricingRecommendation, 'none'>): [number, number] {
  return band === 'raise_prices_or_lower_cac'
    ? [-Infinity, PRICING_LOW]
    : band === 'healthy'
      ? [PRICING_LOW, PRICING_HIGH]
      : [PRICING_HIGH, Infinity];
}

export function bandConfidence(ratio: number, interval: [number, number] | null, sampleSize: number): number {
  const [lo, hi] = bandBounds(pricingBand(ratio));
  if (interval && Number.isFinite(interval[0]) && Number.isFinite(interval[1]) && interval[1] > interval[0]) {
    const sigma = (interval[1] - interval[0]) / (2 * 1.96);
    const up = hi === Infinity ? 1 : normalCdf((hi - ratio) / sigma, 0, 1);
    const down = lo === -Infinity ? 0 : normalCdf((lo - ratio) / sigma, 0, 1);
    return clamp01(up - down);
  }
  const distance = Math.min(ratio - lo, hi - ratio);
  const n = Math.max(sampleSize, 0);
  return clamp01(0.5 + 0.5 * Math.min(ratio > 0 ? distance / ratio : 0, 1) * (n / (n + PSEUDO_COUNT)));
}

function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

export function decidePricing(ltvCac: KpiResult | undefined): Decision {
  if (!ltvCac || ltvCac.name !== 'ltv_cac') {
    return {
      kind: 'pricing',
      title: 'No pricing decision: LTV:CAC was not measured',
      rationale: 'The cycle has no LTV:CAC KPI.',
      confidence: 0,
      payload: { recommendation: 'none' },
    };
  }
  const d = ltvCac.details;
  const ltv = num(d.ltvCents);
  const cac = num(d.cacCents);
  const arpa = num(d.arpaCents);
  const churn = num(d.churn);
  const margin = num(d.grossMargin);
  const numbers = {
    ratio: ltvCac.value,
    interval: ltvCac.interval,
    ltvCents: ltv,
    cacCents: cac,
    arpaCents: arpa,
    churn,
    grossMargin: margin,
    sampleSize: ltvCac.sampleSize,
  };
  const inputsText = [
    ltv != null ? `LTV ${dollars(ltv)}` : null,
    cac != null ? `CAC ${dollars(cac)}` : null,
    arpa != null ? `ARPA ${dollars(arpa)}/month` : null,
    churn != null ? `monthly churn ${pct(churn, 2)}` : null,
    margin != null ? `gross margin ${pct(margin, 0)}` : null,
  ]
    .filter(Boolean)
    .join(', ');

  if (ltvCac.status === 'insufficient_data' || ltvCac.value == null) {
    const floor = num(d.ltvCacLowerBound);
    if (floor != null && floor > PRICING_HIGH) {
      return {
        kind: 'pricing',
        title: 'Under-investing in growth: LTV:CAC is above 5 even at its lower bound',
        rationale:
          `No customer churned in the last 30 days, so LTV is unbounded; at the churn's 95% upper bound LTV:CAC is still ${fixed(floor)} > ${PRICING_HIGH}` +
          `${inputsText ? ` (${inputsText})` : ''}. Acquisition spend can rise.`,
        confidence: 0.975,
        payload: { recommendation: 'invest_in_growth', ...numbers, ltvCacLowerBound: floor },
      };
    }
    return {
      kind: 'pricing',
      title: 'No pricing change: LTV:CAC has insufficient data',
      rationale: `LTV:CAC could not be measured (${String(d.reason ?? 'insufficient data')}, n=${ltvCac.sampleSize})${inputsText ? `; ${inputsText}` : ''}.`,
      confidence: 0,
      payload: { recommendation: 'none', ...numbers, reason: d.reason ?? 'insufficient_data' },
    };
  }

  const ratio = ltvCac.value;
  const band = pricingBand(ratio);
  const confidence = bandConfidence(ratio, ltvCac.interval, ltvCac.sampleSize);
  const intervalText = ltvCac.interval
    ? ` (95% interval ${fixed(ltvCac.interval[0])}–${fixed(ltvCac.interval[1])})`
    : '';
  const head = `LTV:CAC is ${fixed(ratio)}${intervalText}${inputsText ? ` from ${inputsText}` : ''}`;
  if (band === 'raise_prices_or_lower_cac') {
    const targetCac = ltv != null ? ltv / PRICING_LOW : null;
    const arpaIncrease = PRICING_LOW / ratio - 1;
    return {
      kind: 'pricing',
      title: 'Raise prices or lower acquisition cost: LTV:CAC below 3',
      rationale:
        `${head}. Below ${PRICING_LOW}, a customer does not pay back their acquisition cost three times over. ` +
        `Reaching ${PRICING_LOW} takes raising ARPA by ${pct(arpaIncrease)} at the same churn` +
        `${targetCac != null ? `, or lowering CAC to ${dollars(targetCac)}` : ''}.`,
      confidence,
      payload: { recommendation: band, ...numbers, targetCacCents: targetCac, arpaIncreaseToHealthy: arpaIncrease },
    };
  }
  if (band === 'healthy') {
    return {
      kind: 'pricing',
      title: 'Keep pricing: LTV:CAC is healthy (3–5)',
      rationale: `${head}, within the healthy band ${PRICING_LOW}–${PRICING_HIGH}: no pricing change.`,
      confidence,
      payload: { recommendation: band, ...numbers },
    };
  }
  const maxCac = ltv != null ? ltv / PRICING_LOW : null;
  return {
    kind: 'pricing',
    title: 'Under-investing in growth: LTV:CAC above 5',
    rationale:
      `${head}. Above ${PRICING_HIGH}, customers are cheap relative to their value: acquisition spend can rise` +
      `${maxCac != null ? ` while CAC stays at or below ${dollars(maxCac)} (LTV:CAC 3)` : ''}.`,
    confidence,
    payload: { recommendation: band, ...numbers, maxCacCents: maxCac },
  };
}
