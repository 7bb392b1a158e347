// Mixture sequential probability ratio test (mSPRT; Johari, Pekelis, Walsh, "Always valid inference") for
// the difference of two proportions, θ = p_treated − p_holdout, under H0: θ = 0.
//
// The engine looks at the same growing experiment every cycle. A fixed-sample test read that way rejects
// far more often than its alpha; the mSPRT does not: with a normal mixture N(0, τ²) over θ and the normal
// approximation θ̂ ~ N(θ, V), the mixture likelihood ratio has the closed form
//   Λ = sqrt(V0 / (V0 + τ²)) · exp(τ² θ̂² / (2 V0 (V0 + τ²)))
// and Λ is a martingale under H0, so P(Λ ever ≥ 1/α) ≤ α (Ville's inequality). The always-valid p-value is
// the running minimum of 1/Λ over the looks; the always-valid confidence sequence is the set of θ0 the test
// of H0: θ = θ0 does not reject at level α:
//   θ̂ ± sqrt(V (V + τ²) / τ² · (2 log(1/α) + log((V + τ²) / V))).
// V0 is the pooled variance under H0 (robust when one arm has no events yet); the interval uses the unpooled
// variance around θ̂. Only exp, log and sqrt are needed: no normal quantile or cdf enters the closed form.
// Below minPerArm in either arm, or without a single event (or non-event) in both arms, the normal
// approximation means nothing: the result is 'inconclusive' with a p-value of 1 and no interval, never NaN.

export interface ArmCounts {
  /** Units observed (actions whose window closed). */
  n: number;
  /** Units with the event (e.g. an unsubscribe in the window). */
  events: number;
}

export interface MsprtOptions {
  /** Level of the test and of the confidence sequence. */
  alpha: number;
  /** Standard deviation of the normal mixture over θ: the size of difference the test is most sensitive to. */
  tau: number;
  /** Fewer units than this in either arm → inconclusive. */
  minPerArm: number;
}

export interface MsprtResult {
  treated: { n: number; events: number; rate: number | null };
  holdout: { n: number; events: number; rate: number | null };
  /** θ̂ = rate_treated − rate_holdout; null without both arms. */
  difference: number | null;
  /** log Λ of this look (the log keeps it finite where Λ overflows); null when inconclusive. */
  logLikelihoodRatio: number | null;
  /** Always-valid p-value: the minimum of 1/Λ over this and every earlier look (1 when nothing was tested). */
  pValue: number;
  /** Always-valid (1 − alpha) confidence sequence for θ at this look; null when inconclusive. */
  interval: [number, number] | null;
  status: 'inconclusive' | 'significant' | 'not_significant';
  alpha: number;
}

const rateOf = (a: ArmCounts) => (a.n > 0 ? a.events / a.n : null);

function validCounts(a: ArmCounts): boolean {
  return Number.isFinite(a.n) && Number.isFinite(a.events) && a.n >= 0 && a.events >= 0 && a.events <= a.n;
}

/**
 * One look of the mSPRT. `previousPValue` is the always-valid p-value of the earlier looks at the same
 * experiment (the running minimum is what keeps it valid); omit it on the first look.
 */
export function msprt(
  treated: ArmCounts,
  holdout: ArmCounts,
  opts: MsprtOptions,
  previousPValue: number | null = null,
): MsprtResult {
  const prior = previousPValue != null && previousPValue >= 0 && previousPValue <= 1 ? previousPValue : 1;
  const pT = validCounts(treated) ? rateOf(treated) : null;
  const pH = validCounts(holdout) ? rateOf(holdout) : null;
  const base = {
    treated: { n: treated.n, events: treated.events, rate: pT },
    holdout: { n: holdout.n, events: holdout.events, rate: pH },
    difference: pT != null && pH != null ? pT - pH : null,
    alpha: opts.alpha,
  };
  const status = (p: number) => (p < opts.alpha ? 'significant' : 'not_significant');
  const inconclusive: MsprtResult = {
    ...base,
    logLikelihoodRatio: null,
    pValue: prior,
    interval: null,
    // An earlier look's rejection stands: the p-value never goes back up.
    status: prior < opts.alpha ? 'significant' : 'inconclusive',
  };
  if (pT == null || pH == null || !(opts.tau > 0) || !(opts.alpha > 0 && opts.alpha < 1)) return inconclusive;
  if (treated.n < opts.minPerArm || holdout.n < opts.minPerArm || treated.n < 1 || holdout.n < 1) return inconclusive;
  const pooled = (treated.events + holdout.events) / (treated.n + holdout.n);
  const v0 = pooled * (1 - pooled) * (1 / treated.n + 1 / holdout.n);
  if (!(v0 > 0)) return inconclusive;
  const tau2 = opts.tau ** 2;
  const theta = pT - pH;
  const logLambda = 0.5 * Math.log(v0 / (v0 + tau2)) + (tau2 * theta ** 2) / (2 * v0 * (v0 + tau2));
  const pValue = Math.min(prior, 1, Math.exp(-logLambda));
  const unpooled = (pT * (1 - pT)) / treated.n + (pH * (1 - pH)) / holdout.n;
  const v = unpooled > 0 ? unpooled : v0;
  const half = Math.sqrt(((v * (v + tau2)) / tau2) * (2 * Math.log(1 / opts.alpha) + Math.log((v + tau2) / v)));
  return {
    ...base,
    difference: theta,
    logLikelihoodRatio: logLambda,
    pValue,
    interval: [Math.max(-1, theta - half), Math.min(1, theta + half)],
    status: status(pValue),
  };
}
