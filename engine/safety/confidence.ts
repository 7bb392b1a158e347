// Action confidence (docs/safety.md): how sure the engine is that acting is right AND that it will work.
import { lowerBound, type BetaPosterior } from '../stats/beta';

/** An action type without measured outcomes: the action_stats row default. */
export const UNINFORMED: BetaPosterior = { alpha: 1, beta: 1 };

/** The credible level of the success posterior's lower bound (90% → its 5% quantile). */
export const POSTERIOR_LEVEL = 0.9;

function validPosterior(p: BetaPosterior | null | undefined): BetaPosterior {
  return p && p.alpha > 0 && p.beta > 0 && Number.isFinite(p.alpha) && Number.isFinite(p.beta) ? p : UNINFORMED;
}

/**
 * detection confidence × the lower bound of the type's success posterior, rounded to 6 decimals so the
 * value stored on the action is exactly the value the gate compared. An invalid posterior counts as
 * uninformed (the most cautious reading); detection confidence is clamped to [0, 1].
 */
export function actionConfidence(detectionConfidence: number, posterior: BetaPosterior | null | undefined): number {
  const d = Number.isFinite(detectionConfidence) ? Math.min(Math.max(detectionConfidence, 0), 1) : 0;
  const lb = lowerBound(validPosterior(posterior), POSTERIOR_LEVEL);
  return Math.round(d * lb * 1e6) / 1e6;
}
