// Tests of many hypotheses at once: two-proportion z-tests and the Benjamini–Hochberg adjustment, so
// that "this behaviour separates retained from churned users" is claimed for a set of behaviours at a
// controlled false discovery rate rather than at 5% each (with 40 behaviours, ~2 would pass by chance).
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

/**
 * Two-sided p-value of H0: p1 = p2 for r1/n1 vs r2/n2 (pooled-variance z-test). 1 when the pooled rate
 * is 0 or 1 (no variation: nothing to detect); null when a group is empty.
 */
export function twoProportionPValue(r1: number, n1: number, r2: number, n2: number): number | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const pooled = (r1 + r2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return 1;
  const z = Math.abs(r1 / n1 - r2 / n2) / se;
  return twoSidedPValue(z);
}

/** 2·Φ(−|z|): the lower tail keeps its precision where 1 − Φ(|z|) rounds to 0 (beyond |z| ≈ 8.3). */
export function twoSidedPValue(z: number): number {
  return Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1));
}

/**
 * Benjamini–Hochberg adjusted p-values (q-values), in the input order: reject H0_i at FDR q exactly when
 * adjusted_i ≤ q. adjusted_(k) = min_{j ≥ k} (m / j) · p_(j), capped at 1.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    const { p, i } = order[k]!;
    running = Math.min(running, (p * m) / (k + 1));
    adjusted[i] = Math.min(1, running);
  }
  return adjusted;
}

/** 95% interval of a relative risk (p1 / p2) by the Katz log method; null when a count is 0. */
export function relativeRiskInterval(
  r1: number,
  n1: number,
  r2: number,
  n2: number,
  z = 1.959963984540054,
): [number, number] | null {
  if (r1 <= 0 || r2 <= 0 || n1 <= 0 || n2 <= 0) return null;
  const rr = r1 / n1 / (r2 / n2);
  const se = Math.sqrt(1 / r1 - 1 / n1 + 1 / r2 - 1 / n2);
  return [rr * Math.exp(-z * se), rr * Math.exp(z * se)];
}
