// Wilson score interval for a binomial proportion: the 95% interval every rate KPI reports.
// Wilson rather than the normal (Wald) interval because it stays inside [0, 1] and keeps its
// coverage at rates near 0 or 1 and at small n, which is exactly where KPIs get interesting.

/** Two-sided 95% standard normal quantile, Φ⁻¹(0.975). */
export const Z_95 = 1.959963984540054;

/**
 * The Wilson score interval for k successes in n trials, or null when n = 0 (nothing observed,
 * no interval). k = 0 gives a lower bound of exactly 0 and k = n an upper bound of exactly 1
 * (the formula's value, written exactly so no −1e-17 leaks out of floating-point cancellation).
 */
export function wilsonInterval(successes: number, trials: number, z: number = Z_95): [number, number] | null {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || trials < 0 || successes > trials) {
    throw new RangeError(`wilsonInterval needs integers 0 ≤ successes ≤ trials, got ${successes}/${trials}`);
  }
  if (!(z > 0) || !Number.isFinite(z)) throw new RangeError(`wilsonInterval needs a positive finite z, got ${z}`);
  if (trials === 0) return null;
  const n = trials;
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  const low = successes === 0 ? 0 : Math.max(0, centre - half);
  const high = successes === trials ? 1 : Math.min(1, centre + half);
  return [low, high];
}
