// The decide phase: resource allocation, feature prioritization, pricing and the ML threshold
// proposal, each recorded with its rationale and confidence. Decisions advise; they change nothing.
import { plannedActionsOfCycle } from '../db/repos/actions';
import { appendAudit } from '../db/repos/audit';
import { kpiSnapshotsOf, latestKpiSnapshots } from '../db/repos/kpi-snapshots';
import { learningsOfCycle, latestLearnings, saveDecisions } from '../db/repos/learning';
import { makeDecisions } from '../engine/decide/decisions';
import type { SuggestionAnalysis } from '../engine/learning/suggestions';
import type { CycleContext, PhaseSummary } from './context';
import type { ActivityDeps } from './deps';
import { withPhase } from './phase-record';

export async function decide(deps: Pick<ActivityDeps, 'db'>, ctx: CycleContext): Promise<PhaseSummary> {
  const { db } = deps;
  return withPhase(db, ctx, 'decide', async () => {
    // A cycle run without analyze/learn decides on the latest measurements instead.
    const ownKpis = await kpiSnapshotsOf(db, ctx.cycleId);
    const kpis = ownKpis.length ? ownKpis : await latestKpiSnapshots(db);
    const planned = await plannedActionsOfCycle(db, ctx.cycleId);
    const learnings = await learningsOfCycle(db, ctx.cycleId);
    const suggestions = (learnings.suggestion_feedback ?? (await latestLearnings(db)).suggestion_feedback)?.payload as
      SuggestionAnalysis | undefined;
    // Planned impacts already include each type's success probability: no successRates here, or
    // feature prioritization would discount them twice.
    const decisions = makeDecisions({
      kpis,
      plannedActions: planned,
      suggestions: suggestions ?? null,
    });
    await saveDecisions(db, ctx.cycleId, decisions);
    for (const d of decisions) {
      await appendAudit(db, {
        actor: 'engine',
        cycleId: ctx.cycleId,
        event: 'decision.recorded',
        target: d.kind,
        after: { title: d.title, rationale: d.rationale, confidence: d.confidence },
        dryRun: ctx.dryRun,
        dedupeKey: `decision:${ctx.cycleId}:${d.kind}`,
      });
    }
    return { counts: { decisions: decisions.length, plannedActions: planned.length } };
  });
}
