// monitorAndRespond: the hourly cheap health check. Records critical findings as alerts and, when
// something healable is critical, starts a selfHeal run (which passes every gate on its own).
import {
  ApplicationFailure,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  progressQuery,
  SA_CYCLE_KIND,
  SA_DRY_RUN,
  SA_HEALTH_SCORE,
  SA_TRIGGER,
  type CycleInput,
  type CycleProgress,
  type CycleResult,
} from './definitions';
import { normalizeCycleInput } from './input';
import { selfHeal } from './cycle';

const RETRY = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 5,
  nonRetryableErrorTypes: ['ValidationError', 'NonRetryableError'],
};
const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { ...RETRY, maximumAttempts: 10 },
});
const { monitorHealth } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: RETRY,
  summary: 'Monitor: health detectors, alerts on critical findings',
});

export async function monitorAndRespond(
  rawInput: CycleInput = {},
): Promise<CycleResult & { alerts: number; selfHealWorkflowId: string | null }> {
  let input;
  try {
    input = normalizeCycleInput(rawInput, ['analyze']);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`Invalid monitor input: ${(err as Error).message}`, 'ValidationError');
  }
  const info = workflowInfo();
  const cycleId = info.workflowId;
  const progress: CycleProgress = {
    cycleId,
    kind: 'monitor',
    dryRun: input.dryRun ?? true,
    currentPhase: 'monitor',
    phases: [{ name: 'monitor', status: 'running' }],
    healthScore: null,
    alignmentScore: null,
  };
  setHandler(progressQuery, () => progress);
  const opened = await bookkeeping.openCycle({
    cycleId,
    runId: info.runId,
    kind: 'monitor',
    trigger: input.trigger,
    requestedBy: input.requestedBy,
    dryRun: input.dryRun,
    phases: ['monitor'],
    now: input.now,
  });
  progress.dryRun = opened.dryRun;
  upsertSearchAttributes([
    { key: SA_CYCLE_KIND, value: 'monitor' },
    { key: SA_DRY_RUN, value: opened.dryRun },
    { key: SA_TRIGGER, value: input.trigger },
  ]);
  let result;
  try {
    result = await monitorHealth({ cycleId, kind: 'monitor', dryRun: opened.dryRun, now: opened.now });
  } catch (err) {
    progress.phases[0]!.status = 'failed';
    await bookkeeping.closeCycle({ cycleId, status: 'failed', error: `monitor: ${(err as Error).message}` });
    throw err;
  }
  progress.healthScore = result.healthScore;
  progress.phases[0] = { name: 'monitor', status: 'completed', counts: result.counts };
  progress.currentPhase = null;
  upsertSearchAttributes([{ key: SA_HEALTH_SCORE, value: result.healthScore }]);

  let selfHealWorkflowId: string | null = null;
  if (result.healRecommended) {
    selfHealWorkflowId = `self-heal-from-${cycleId}`;
    // Abandoned child: the self-heal run outlives this monitor and passes all gates on its own.
    await startChild(selfHeal, {
      workflowId: selfHealWorkflowId,
      args: [{ dryRun: opened.dryRun, trigger: 'monitor', requestedBy: cycleId }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Self-heal started by monitor ${cycleId}`,
    });
  }
  await bookkeeping.closeCycle({ cycleId, status: 'completed' });
  setCurrentDetails(
    `Monitor: health ${result.healthScore}, ${result.counts.alerts ?? 0} alert(s)${selfHealWorkflowId ? `, started ${selfHealWorkflowId}` : ''}`,
  );
  return {
    cycleId,
    kind: 'monitor',
    dryRun: opened.dryRun,
    healthScore: result.healthScore,
    alignmentScore: null,
    phases: progress.phases,
    alerts: result.counts.alerts ?? 0,
    selfHealWorkflowId,
  };
}
