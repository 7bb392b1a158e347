// Beta-distribution helpers for posteriors over rates (detection confidence, action success).
import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';

export interface BetaPosterior {
  alpha: number;
  beta: number;
}

/** P(rate < x) for rate ~ Beta(alpha, beta). */
export function probabilityBelow(x: number, p: BetaPosterior): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return betaCdf(x, p.alpha, p.beta);
}

/** Posterior after `successes` of `trials` under a Beta(1,1) prior (or the given prior). */
export function posteriorFrom(
  successes: number,
  trials: number,
  prior: BetaPosterior = { alpha: 1, beta: 1 },
): BetaPosterior {
  return { alpha: prior.alpha + successes, beta: prior.beta + (trials - successes) };
}

/** Lower bound of the central credible interval at `level` (default 90% → the 5% quantile). */
export function lowerBound(p: BetaPosterior, level = 0.9): number {
  return betaQuantile((1 - level) / 2, p.alpha, p.beta);
}

export function mean(p: BetaPosterior): number {
  return p.alpha / (p.alpha + p.beta);
}
