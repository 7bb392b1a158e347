// ML suggestion threshold decision (docs/learning.md): turns the suggestion analysis' recommended threshold
// into a *proposal*. It is never applied here: a change goes through the gates (an admin changing the
// versioned threshold), so the payload says applied: false and requiresApproval: true.
//
// Confidence that moving from the current threshold t0 to the proposed t1 is right: the change only
// concerns the suggestions with confidence in [min(t0,t1), max(t0,t1)); with k applied of m of them and
// break-even adoption b = c / (1 + c) (showing one is worth it iff its adoption exceeds b):
//   raising (t1 > t0, hides them):  P(p < b) under Beta(1 + k, 1 + m − k)
//   lowering (t1 < t0, shows them): P(p > b)
// With no known current threshold, t0 = 0 (show everything). No proposal below the analysis' minimum
// sample, or when the proposal equals the current threshold (then the decision is to keep it).
import type { SuggestionAnalysis, ThresholdCandidate } from '../learning/suggestions';
import { posteriorFrom, probabilityBelow } from '../stats/beta';
import { fixed, pct } from './format';
import type { Decision } from './types';

/** The engine.thresholds name a proposal would change. */
export const ML_THRESHOLD_NAME = 'ml.suggestion_threshold';

function shownAt(analysis: SuggestionAnalysis, current: ThresholdCandidate | null): { shown: number; applied: number } {
  return current
    ? { shown: current.shown, applied: current.applied }
    : { shown: analysis.resolved, applied: analysis.applied };
}

export function decideMlThreshold(analysis: SuggestionAnalysis): Decision {
  const t = analysis.threshold;
  const currentThreshold = t.current?.threshold ?? null;
  const base = {
    thresholdName: ML_THRESHOLD_NAME,
    currentThreshold,
    sampleSize: t.sampleSize,
    minResolved: t.minResolved,
    dismissCost: t.dismissCost,
    breakEvenConfidence: t.breakEvenConfidence,
    applied: false,
    requiresApproval: true,
  };
  if (t.recommended == null || !t.recommendedCandidate) {
    return {
      kind: 'ml_threshold',
      title: 'No ML threshold proposal: too few resolved suggestions',
      rationale: `${t.reason}.`,
      confidence: 0,
      payload: { ...base, status: 'insufficient_data', proposedThreshold: null },
    };
  }
  const proposed = t.recommendedCandidate;
  const from = shownAt(analysis, t.current);
  const fromThreshold = currentThreshold ?? 0;
  const raising = proposed.threshold > fromThreshold;
  // The suggestions between the two thresholds: the only ones the change affects.
  const m = Math.abs(from.shown - proposed.shown);
  const k = Math.abs(from.applied - proposed.applied);
  const pBelow = probabilityBelow(t.breakEvenConfidence, posteriorFrom(k, m));
  const fromUtility = t.current ? t.current.utility : analysis.applied - t.dismissCost * analysis.dismissed;
  const gain = proposed.utility - fromUtility;
  const calib = analysis.calibration;
  const metrics =
    `Quality score ${analysis.quality.score == null ? 'n/a' : fixed(analysis.quality.score, 3)}, ` +
    `ECE ${calib.ece == null ? 'n/a' : fixed(calib.ece, 3)}, Brier ${calib.brier == null ? 'n/a' : fixed(calib.brier, 3)} over ${t.sampleSize} resolved suggestions.`;

  if (Math.abs(proposed.threshold - fromThreshold) < 1e-9 || m === 0) {
    // Keeping is right when the suggestions the next step up would hide are worth showing: P(p > b).
    const next = t.candidates.find((c) => c.threshold > fromThreshold + 1e-9);
    const mNext = next ? from.shown - next.shown : 0;
    const kNext = next ? from.applied - next.applied : 0;
    const confidence = mNext > 0 ? 1 - probabilityBelow(t.breakEvenConfidence, posteriorFrom(kNext, mNext)) : 0.5;
    return {
      kind: 'ml_threshold',
      title: `Keep the ML suggestion threshold at ${fixed(fromThreshold)}`,
      rationale:
        `${currentThreshold == null ? 'Showing every suggestion' : `The current threshold ${fixed(fromThreshold)}`} already maximizes utility ` +
        `(${t.utility.description}); the next step up would hide ${mNext} suggestions of which ${kNext} were applied. ${metrics}`,
      confidence,
      payload: {
        ...base,
        status: 'keep',
        proposedThreshold: fromThreshold,
        utilityGain: 0,
        nextStep: { suggestions: mNext, applied: kNext },
      },
    };
  }
  const adoptionBetween = m > 0 ? k / m : null;
  const confidence = raising ? pBelow : 1 - pBelow;
  const fromText = currentThreshold == null ? 'showing every suggestion' : `the current ${fixed(currentThreshold)}`;
  return {
    kind: 'ml_threshold',
    title: `Propose ML suggestion threshold ${fixed(proposed.threshold)} (from ${currentThreshold == null ? 'none' : fixed(currentThreshold)})`,
    rationale:
      `${raising ? 'Raising' : 'Lowering'} the threshold to ${fixed(proposed.threshold)} instead of ${fromText} ` +
      `${raising ? 'hides' : 'shows'} ${m} suggestions of which ${k} were applied (${adoptionBetween == null ? 'n/a' : pct(adoptionBetween)} ` +
      `against the break-even adoption ${pct(t.breakEvenConfidence)} at dismiss cost ${t.dismissCost}); utility ${fixed(fromUtility, 1)} → ` +
      `${fixed(proposed.utility, 1)} (${gain >= 0 ? '+' : ''}${fixed(gain, 1)}). ${metrics} Proposed only: applying it needs an admin through the gates.`,
    confidence,
    payload: {
      ...base,
      status: 'proposed',
      proposedThreshold: proposed.threshold,
      direction: raising ? 'raise' : 'lower',
      affected: { suggestions: m, applied: k, adoptionRate: adoptionBetween },
      utilityFrom: fromUtility,
      utilityTo: proposed.utility,
      utilityGain: gain,
      proposed,
    },
  };
}
