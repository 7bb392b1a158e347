// The verify phase: did every executed action respect policy, where do KPIs stand against targets,
// and did effects meet expectations → alignment score and the cycle's summary.
import { queryCycleExecutions } from '../db/repos/actions';
import { type TypeOutcomes } from '../db/repos/action-stats';
import { appendAudit } from '../db/repos/audit';
import { actionStatusCounts } from '../db/repos/actions';
import { setVerification } from '../db/repos/cycles';
import { kpiSnapshotsOf, latestKpiSnapshots } from '../db/repos/kpi-snapshots';
import { learningsOfCycle } from '../db/repos/learning';
import { effectsFromOutcomes, verifyAlignment } from '../engine/verify/alignment';
import type { CycleContext, PhaseSummary } from './context';
import type { ActivityDeps } from './deps';
import { withPhase } from './phase-record';

export async function verify(deps: Pick<ActivityDeps, 'db'>, ctx: CycleContext): Promise<PhaseSummary> {
  const { db } = deps;
  return withPhase(db, ctx, 'verify', async () => {
    const actions = await queryCycleExecutions(db, ctx.cycleId);
    const ownKpis = await kpiSnapshotsOf(db, ctx.cycleId);
    const kpis = ownKpis.length ? ownKpis : await latestKpiSnapshots(db);
    const outcomes = (await learningsOfCycle(db, ctx.cycleId)).action_outcomes?.payload as
      { byType: Record<string, TypeOutcomes> } | undefined;
    const effects = effectsFromOutcomes(outcomes?.byType ?? {});
    const result = verifyAlignment({ actions, kpis, effects });
    const statusCounts = await actionStatusCounts(db, ctx.cycleId);
    const summary = {
      text: result.summary,
      alignmentScore: result.alignmentScore,
      violations: result.violations,
      kpis: result.kpiSummary,
      effects: result.effects,
      actions: statusCounts,
    };
    await setVerification(db, ctx.cycleId, result.alignmentScore, summary);
    await appendAudit(db, {
      actor: 'engine',
      cycleId: ctx.cycleId,
      event: 'phase.verify',
      target: ctx.cycleId,
      after: { alignmentScore: result.alignmentScore, violations: result.violations.length, summary: result.summary },
      dryRun: ctx.dryRun,
      dedupeKey: `phase.verify:${ctx.cycleId}`,
    });
    return {
      counts: { executedChecked: result.executed, compliant: result.compliant, violations: result.violations.length },
      alignmentScore: result.alignmentScore,
    };
  });
}
