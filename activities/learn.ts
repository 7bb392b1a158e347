// The learn phase: outcomes of past actions whose window closed → each type's Beta posterior;
// suggestion adoption and calibration by confidence; early behaviours of retained vs churned users; with a
// retraining hook, the suggestion dataset exported and the retraining pipeline notified (once per cycle);
// the message types' guardrails (treated vs holdout harm, an always-valid test) before the autonomy ladder.
import { highPerformerBehaviours, suggestionFeedback } from '../db/queries/learning';
import { measureOutcomes, type TypeOutcomes } from '../db/repos/action-stats';
import { outcomesMeasuredAt } from '../db/repos/actions';
import { listActionStats, setDemotion } from '../db/repos/action-stats';
import { suggestionBreakdown } from '../db/queries/suggestion-breakdown';
import { appendAudit } from '../db/repos/audit';
import { getThresholds } from '../db/repos/config';
import { learningsOfCycle, saveDecisions, saveLearning } from '../db/repos/learning';
import { decideDemotions, type DemotionChange } from '../engine/decide/demotion';
import { demotionChange, upliftOf, type Uplift } from '../engine/learning/holdout';
import { isMeasuredActionType, priorOf } from '../engine/learning/outcomes';
import type { SrmResult } from '../engine/learning/srm';
import type { CycleContext, PhaseSummary } from './context';
import type { ActivityDeps } from './deps';
import { checkSampleRatios, evaluateGuardrails, evaluateLadder } from './autonomy-ladder';
import { withPhase } from './phase-record';
import { exportForRetraining } from './retraining/hook';

/**
 * Outcomes measured at this cycle's logical now. A retry after a crash between measuring and saving
 * measures nothing new, so the tally is re-read from the actions stamped with this `now` and the prior
 * recovered from the stored posterior: the learning is recorded exactly once either way.
 */
async function actionOutcomes(
  db: ActivityDeps['db'],
  now: Date,
): Promise<{ measured: number; byType: Record<string, TypeOutcomes> }> {
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

type TrustedUplift = Uplift & { demoted: boolean; trustworthy: boolean; srm: SrmResult | null };

/**
 * Each measured type's uplift over its holdout, from the cumulative counts in engine.action_stats, and
 * the demotions or restorations it calls for — applied with the decision and audit entry in one
 * transaction. A retry finds the flag already changed and changes nothing twice.
 */
async function upliftAndDemotions(
  db: ActivityDeps['db'],
  ctx: CycleContext,
  srm: Record<string, SrmResult>,
): Promise<{ uplift: Record<string, TrustedUplift>; changes: DemotionChange[] }> {
  const stats = (await listActionStats(db)).filter((s) => isMeasuredActionType(s.actionType));
  const uplift: Record<string, TrustedUplift> = {};
  const changes: DemotionChange[] = [];
  for (const s of stats) {
    // The prior pseudo-counts are not outcomes: uplift compares measured outcomes only.
    const u = upliftOf(
      { successes: s.successes, failures: s.failures },
      { successes: s.holdoutSuccesses, failures: s.holdoutFailures },
    );
    // A broken split (sample-ratio mismatch) makes the uplift untrustworthy: it changes no flag either way.
    const mismatch = srm[s.actionType]?.status === 'mismatch';
    const change = mismatch ? null : demotionChange(s.demoted, u);
    uplift[s.actionType] = {
      ...u,
      demoted: change === 'demote' ? true : change === 'restore' ? false : s.demoted,
      trustworthy: !mismatch,
      srm: srm[s.actionType] ?? null,
    };
    if (change) changes.push({ type: s.actionType, change, uplift: u });
  }
  const decision = decideDemotions(changes);
  if (decision) {
    await db.transaction(async (trx) => {
      for (const c of changes)
        await setDemotion(
          trx,
          c.type,
          c.change === 'demote' ? { demote: true, reason: decision.rationale } : { demote: false },
        );
      await saveDecisions(trx, ctx.cycleId, [decision]);
      await appendAudit(trx, {
        actor: 'engine',
        cycleId: ctx.cycleId,
        event: 'action_type.demotion',
        target: changes.map((c) => c.type).join(','),
        after: { changes: decision.payload.changes },
        dryRun: ctx.dryRun,
        dedupeKey: `action_type.demotion:${ctx.cycleId}`,
      });
    });
  }
  return { uplift, changes };
}

export async function learn(
  deps: Pick<ActivityDeps, 'db'> & Partial<Pick<ActivityDeps, 'clock' | 'retraining'>>,
  ctx: CycleContext,
): Promise<PhaseSummary> {
  const { db, retraining } = deps;
  return withPhase(db, ctx, 'learn', async (progress) => {
    const now = new Date(ctx.now);
    const saved = await learningsOfCycle(db, ctx.cycleId);
    progress('measuring outcomes of past actions');
    const outcomes = saved.action_outcomes
      ? (saved.action_outcomes.payload as { measured: number; byType: Record<string, TypeOutcomes> })
      : await actionOutcomes(db, now);
    await saveLearning(db, ctx.cycleId, 'action_outcomes', outcomes);
    progress('sample-ratio mismatch of the holdouts');
    const srm = await checkSampleRatios(db, ctx);
    progress('uplift over the holdouts');
    const { uplift, changes } = await upliftAndDemotions(db, ctx, srm);
    await saveLearning(db, ctx.cycleId, 'action_uplift', {
      uplift,
      changes: changes.map((c) => ({ type: c.type, change: c.change })),
    });
    progress('guardrails of the message types');
    const guardrails = await evaluateGuardrails(db, ctx);
    await saveLearning(db, ctx.cycleId, 'guardrails', { results: guardrails });
    progress('autonomy ladder');
    const ladder = await evaluateLadder(db, ctx, srm, guardrails);
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
    let exported: { rows: number; notified: number } | null = null;
    if (retraining) {
      progress('retraining dataset export');
      const clock = deps.clock ?? (() => new Date());
      exported = await exportForRetraining({ db, clock, hook: retraining }, ctx, suggestions.threshold);
    }
    progress('early behaviours of high performers');
    const behaviours = await highPerformerBehaviours(db, now);
    await saveLearning(db, ctx.cycleId, 'high_performers', behaviours);
    const counts = {
      outcomesMeasured: outcomes.measured,
      actionTypesUpdated: Object.keys(outcomes.byType).length,
      suggestionsResolved: suggestions.resolved,
      behavioursRanked: behaviours.ranked.length,
      behaviourPatterns: behaviours.patterns.length,
      demotionChanges: changes.length,
      sampleRatioMismatches: Object.values(srm).filter((r) => r.status === 'mismatch').length,
      autonomyChanges: ladder.filter((e) => e.change).length,
      guardrailBreaches: guardrails.filter((g) => g.verdict === 'breach_major' || g.verdict === 'breach_minor').length,
      ...(exported ? { retrainingRows: exported.rows, retrainingNotified: exported.notified } : {}),
    };
    await appendAudit(db, {
      actor: 'engine',
      cycleId: ctx.cycleId,
      event: 'phase.learn',
      target: ctx.cycleId,
      after: {
        counts,
        posteriors: Object.fromEntries(Object.entries(outcomes.byType).map(([k, v]) => [k, v.posterior])),
      },
      dryRun: ctx.dryRun,
      dedupeKey: `phase.learn:${ctx.cycleId}`,
    });
    return { counts };
  });
}
