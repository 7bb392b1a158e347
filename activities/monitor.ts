// The monitor's one activity: the cheap health detectors, an alert per critical finding, and whether
// a self-heal run is worth starting.
import { HEALTH_SCOPE, runHealthDetectors } from '../db/queries/detectors';
import { ensureEventPartitions } from '../db/event-partitions';
import { readRollupState, reconcileEventRollups, reconciliationDue, refreshEventRollups } from '../db/event-rollups';
import { raiseAlerts } from '../db/repos/alerts';
import { appendAudit } from '../db/repos/audit';
import { setHealthScore } from '../db/repos/cycles';
import { listOpenFindings, recordFindings } from '../db/repos/findings';
import { healthScore } from '../engine/health';
import type { CycleContext, PhaseSummary } from './context';
import type { ActivityDeps } from './deps';
import { withPhase } from './phase-record';

// Open findings the heal phase knows how to act on: worth a self-heal run when something is critical.
const HEALABLE_DETECTORS = new Set(['billing', 'orphaned_records', 'data_quality']);

export async function monitorHealth(
  deps: Pick<ActivityDeps, 'db'>,
  ctx: CycleContext,
): Promise<PhaseSummary & { healthScore: number; healRecommended: boolean }> {
  const { db } = deps;
  let healRecommended = false;
  const summary = await withPhase(db, ctx, 'monitor', async () => {
    const now = new Date(ctx.now);
    // Hourly schema maintenance, the same in dry runs (it writes no data): next months' event partitions.
    await ensureEventPartitions(db, now);
    // Keeps the rollups close behind the events, so a cycle's refresh is small; once a day, the late-event check.
    const rollups = await refreshEventRollups(db, now);
    const reconciled = reconciliationDue(await readRollupState(db), now) ? await reconcileEventRollups(db, now) : null;
    const detected = await runHealthDetectors(db, now);
    const recorded = await recordFindings(db, ctx.cycleId, now, detected, { scope: HEALTH_SCOPE });
    const critical = recorded.findings.filter((f) => f.severity === 'critical' && f.status === 'open');
    if (critical.length) {
      await raiseAlerts(
        db,
        ctx.cycleId,
        critical.map((f) => ({ findingId: f.id, severity: f.severity, message: f.title })),
      );
      for (const f of critical) {
        await appendAudit(db, {
          actor: 'engine',
          cycleId: ctx.cycleId,
          event: 'alert.raised',
          target: f.fingerprint,
          after: { severity: f.severity, title: f.title, evidence: f.evidence },
          dryRun: ctx.dryRun,
          dedupeKey: `alert:${ctx.cycleId}:${f.id}`,
        });
      }
    }
    const open = await listOpenFindings(db);
    const score = healthScore(open);
    healRecommended =
      critical.length > 0 &&
      open.some((f) => HEALABLE_DETECTORS.has(f.detector) && (f.severity === 'critical' || f.severity === 'high'));
    await setHealthScore(db, ctx.cycleId, score);
    return {
      counts: {
        findings: detected.length,
        alerts: critical.length,
        openFindings: open.length,
        resolved: recorded.resolved,
        rollupUsersFolded: rollups.users,
        ...(reconciled ? { rollupDaysReconciled: reconciled.days } : {}),
      },
      healthScore: score,
    };
  });
  return { ...summary, healthScore: summary.healthScore ?? 100, healRecommended };
}
