// The learn phase: outcomes of past actions whose window closed → each type's Beta posterior;
// suggestion adoption and calibration by confidence; early behaviours of retained vs churned users.
import { highPerformerBehaviours, listActionStats, measureOutcomes, outcomesMeasuredAt, suggestionFeedback, type TypeOutcomes } from '../db/queries/learning';
import { suggestionBreakdown } from '../db/queries/suggestion-breakdown';
import { appendAudit } from '../db/repos/audit';
import { getThresholds } from '../db/repos/config';
import { learningsOfCycle, saveLearning } from '../db/repos/learning';
import { priorOf } from '../engine/learning/outcomes';
import type { CycleContext, PhaseSummary } from './context';
import type { ActivityDeps } from './deps';
import { withPhase } from './phase-record';

/**
 * Outcomes measured at this cycle's logical now. A retry after a crash between measuring and saving
 * measures nothing new, so the tally is re-read from the actions stamped with this `now` and the prior
 * recovered from the stored posterior: the learning is recorded exactly once either way.
 */
async function actionOutcomes(db: ActivityDeps['db'], now: Date): Promise<{ measured: number; byType: Record<string, TypeOutcomes> }> {
  const fresh = await measureOutcomes(db, now);
  if (fresh.measured > 0) return { measured: fresh.measured, byType: fresh.byType };
  const tally = await outcomesMeasuredAt(db, now);
  const stats = new Map((await listActionStats(db)).map((s) => [s.actionType, s]));
  const byType: Record<string, TypeOutcomes> = {};
  let measured = 0;
  for (const [type, t] of Object.entries(tally)) {
    const s = stats.get(type);
    if (!s) continue;
    const posterior = { alpha: s.alpha, beta: s.beta };
    byType[type] = { ...t, prior: priorOf(posterior, t), posterior };
    measured += t.success + t.failure;
  }
  return { measured, byType };
}

export async function learn(deps: Pick<ActivityDeps, 'db'>, ctx: CycleContext): Promise<PhaseSummary> {
  const { db } = deps;
  return withPhase(db, ctx, 'learn', async (progress) => {
    const now = new Date(ctx.now);
    const saved = await learningsOfCycle(db, ctx.cycleId);
    progress('measuring outcomes of past actions');
    const outcomes = saved.action_outcomes
      ? (saved.action_outcomes.payload as { measured: number; byType: Record<string, TypeOutcomes> })
      : await actionOutcomes(db, now);
    await saveLearning(db, ctx.cycleId, 'action_outcomes', outcomes);
    progress('suggestion feedback');
    // The utility weights and the threshold in force are versioned config: the recommendation and its
    // expected change are computed against what the platform does today.
    const thresholds = await getThresholds(db);
    const suggestions = {
      ...(await suggestionFeedback(db, now, {
        currentThreshold: thresholds['ml.suggestion_threshold'] ?? null,
        appliedGain: thresholds['ml.applied_gain'],
        dismissCost: thresholds['ml.dismiss_cost'],
      })),
      breakdown: await suggestionBreakdown(db, now),
    };
    await saveLearning(db, ctx.cycleId, 'suggestion_feedback', suggestions);
    progress('early behaviours of high performers');
    const behaviours = await highPerformerBehaviours(db, now);
    await saveLearning(db, ctx.cycleId, 'high_performers', behaviours);
    const counts = {
      outcomesMeasured: outcomes.measured,
      actionTypesUpdated: Object.keys(outcomes.byType).length,
      suggestionsResolved: suggestions.resolved,
      behavioursRanked: behaviours.ranked.length,
    };
    await appendAudit(db, {
      actor: 'engine',
      cycleId: ctx.cycleId,
      event: 'phase.learn',
      target: ctx.cycleId,
      after: { counts, posteriors: Object.fromEntries(Object.entries(outcomes.byType).map(([k, v]) => [k, v.posterior])) },
      dryRun: ctx.dryRun,
      dedupeKey: `phase.learn:${ctx.cycleId}`,
    });
    return { counts };
  });
}
