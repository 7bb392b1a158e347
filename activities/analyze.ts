// The analyze phase: KPI snapshot, every detector, findings merged by fingerprint, health score.
import { refreshEventRollups } from '../db/event-rollups';
import { computeKpis } from '../db/queries/kpis';
import { detectorScope, runAllDetectors } from '../db/queries/detectors';
import { appendAudit } from '../db/repos/audit';
import { getPolicies, getThresholds } from '../db/repos/config';
import { setHealthScore } from '../db/repos/cycles';
import { listOpenFindings, recordFindings } from '../db/repos/findings';
import { saveKpiSnapshots } from '../db/repos/kpi-snapshots';
import { healthScore } from '../engine/health';
import type { CycleContext, PhaseSummary } from './context';
import type { ActivityDeps } from './deps';
import { withPhase } from './phase-record';

export async function analyze(deps: Pick<ActivityDeps, 'db'>, ctx: CycleContext): Promise<PhaseSummary> {
  const { db } = deps;
  return withPhase(db, ctx, 'analyze', async (progress) => {
    const now = new Date(ctx.now);
    const [thresholds, policies] = await Promise.all([getThresholds(db), getPolicies(db)]);
    progress(ctx.full ? 'rebuilding the event rollups from scratch' : 'folding new events into the rollups');
    // Engine bookkeeping, not an effect: the same in dry runs, and a retried attempt refolds harmlessly.
    const rollups = await refreshEventRollups(db, now, { full: ctx.full });
    progress('computing KPIs');
    const kpis = await computeKpis(db, now, {
      minSample: thresholds['kpi.min_sample'] ?? 30,
      grossMargin: thresholds['kpi.gross_margin'] ?? 0.8,
    });
    await saveKpiSnapshots(db, ctx.cycleId, now, kpis);
    progress('running detectors');
    const detected = await runAllDetectors(db, now, { kpis, maxAttempts: policies.payment_retry.maxAttempts });
    const recorded = await recordFindings(db, ctx.cycleId, now, detected, { scope: detectorScope({ kpis }) });
    const open = await listOpenFindings(db);
    const score = healthScore(open);
    await setHealthScore(db, ctx.cycleId, score);
    const counts = {
      kpisBelowTarget: kpis.filter((k) => k.status === 'below_target').length,
      kpisInsufficientData: kpis.filter((k) => k.status === 'insufficient_data').length,
      findings: detected.length,
      issues: detected.filter((f) => f.category === 'issue').length,
      opportunities: detected.filter((f) => f.category === 'opportunity').length,
      opened: recorded.opened,
      resolved: recorded.resolved,
      openFindings: open.length,
      rollupUsersFolded: rollups.users,
      rollupMs: rollups.ms,
    };
    await appendAudit(db, {
      actor: 'engine',
      cycleId: ctx.cycleId,
      event: 'phase.analyze',
      target: ctx.cycleId,
      after: {
        healthScore: score,
        counts,
        rollups: { kind: rollups.kind, from: rollups.from, to: rollups.to },
        kpis: kpis.map((k) => ({ name: k.name, value: k.value, status: k.status })),
      },
      dryRun: ctx.dryRun,
      dedupeKey: `phase.analyze:${ctx.cycleId}`,
    });
    return { counts, healthScore: score };
  });
}
