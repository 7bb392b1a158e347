// monitorAndRespond: the hourly cheap health check. Records critical findings as alerts, sends what the alert
// policy routes, and, when something healable is critical, starts a selfHeal run (which passes every gate on its own).
import { ParentClosePolicy, proxyActivities, setCurrentDetails, startChild } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { MONITOR_OPTIONS } from './activity-options';
import { alertStep } from './alert-step';
import { selfHeal } from './cycle';
import { completeCycle, openCycle, parseCycleInput, runStep } from './cycle-lifecycle';
import type { CycleInput, CycleResult } from './definitions';

const { monitorHealth } = proxyActivities<Activities>(MONITOR_OPTIONS);

export async function monitorAndRespond(
  rawInput: CycleInput = {},
): Promise<CycleResult & { alerts: number; selfHealWorkflowId: string | null }> {
  const input = parseCycleInput('monitor', rawInput, ['analyze']);
  const cycle = await openCycle('monitor', input, ['monitor']);
  const { cycleId, progress } = cycle;
  const result = await runStep(cycle, progress.phases[0]!, monitorHealth);
  await alertStep(cycle.ctx);

  let selfHealWorkflowId: string | null = null;
  if (result.healRecommended) {
    selfHealWorkflowId = `self-heal-from-${cycleId}`;
    // Abandoned child: the self-heal run outlives this monitor and passes all gates on its own.
    await startChild(selfHeal, {
      workflowId: selfHealWorkflowId,
      args: [{ dryRun: cycle.ctx.dryRun, trigger: 'monitor', requestedBy: cycleId }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Self-heal started by monitor ${cycleId}`,
    });
  }
  await completeCycle(cycle);
  setCurrentDetails(
    `Monitor: health ${result.healthScore}, ${result.counts.alerts ?? 0} alert(s)${selfHealWorkflowId ? `, started ${selfHealWorkflowId}` : ''}`,
  );
  return {
    cycleId,
    kind: 'monitor',
    dryRun: cycle.ctx.dryRun,
    healthScore: result.healthScore,
    alignmentScore: null,
    phases: progress.phases,
    alerts: result.counts.alerts ?? 0,
    selfHealWorkflowId,
  };
}
