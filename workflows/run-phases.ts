// The one orchestration all cycle-like workflows share: open the cycle, run the requested phases in
// order (each an activity with its own timeout and retry policy), keep the progress query and the
// search attributes current, and close the cycle. Deterministic: no I/O, no clock, no randomness.
import {
  ApplicationFailure,
  proxyActivities,
  setHandler,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities, PhaseSummary } from '../activities';
import type { Phase } from '../engine/types';
import {
  progressQuery,
  SA_CYCLE_KIND,
  SA_DRY_RUN,
  SA_HEALTH_SCORE,
  SA_TRIGGER,
  type CycleKind,
  type CycleProgress,
  type CycleResult,
  type PhaseProgress,
} from './definitions';
import { normalizeCycleInput } from './input';

const NON_RETRYABLE = ['ValidationError', 'NonRetryableError'];

/** Per phase: how long one attempt may take, how it retries, and the summary the Web UI shows. */
const PHASE_OPTIONS: Record<Phase, ActivityOptions> = {
  analyze: {
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: '2 minutes',
    summary: 'Analyze: KPIs, detectors, findings, health score',
  },
  heal: {
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: '2 minutes',
    summary: 'Heal: plan, gate and execute remediations',
  },
  optimize: {
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: '2 minutes',
    summary: 'Optimize: activation, retention, conversion, revenue',
  },
  prevent: {
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: '2 minutes',
    summary: 'Prevent: act on churn signals, data-quality drift',
  },
  learn: {
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: '2 minutes',
    summary: 'Learn: outcomes → posteriors, suggestion feedback, behaviours',
  },
  decide: { startToCloseTimeout: '5 minutes', summary: 'Decide: allocation, prioritization, pricing' },
  verify: { startToCloseTimeout: '5 minutes', summary: 'Verify: policy compliance, KPIs vs targets, alignment' },
};

const RETRY = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE,
};

const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { ...RETRY, maximumAttempts: 10 },
});

function phaseActivity(phase: Phase) {
  return proxyActivities<Activities>({ ...PHASE_OPTIONS[phase], retry: RETRY })[phase];
}

export async function runPhases(kind: CycleKind, rawInput: unknown, allowed: readonly Phase[]): Promise<CycleResult> {
  let input;
  try {
    input = normalizeCycleInput(rawInput, allowed);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`Invalid ${kind} input: ${(err as Error).message}`, 'ValidationError');
  }
  const info = workflowInfo();
  const cycleId = info.workflowId;
  const progress: CycleProgress = {
    cycleId,
    kind,
    dryRun: input.dryRun ?? true,
    currentPhase: null,
    phases: input.phases.map((name): PhaseProgress => ({ name, status: 'pending' })),
    healthScore: null,
    alignmentScore: null,
  };
  setHandler(progressQuery, () => progress);

  const opened = await bookkeeping.openCycle({
    cycleId,
    runId: info.runId,
    kind,
    trigger: input.trigger,
    requestedBy: input.requestedBy,
    dryRun: input.dryRun,
    phases: input.phases,
    now: input.now,
  });
  progress.dryRun = opened.dryRun;
  upsertSearchAttributes([
    { key: SA_CYCLE_KIND, value: kind },
    { key: SA_DRY_RUN, value: opened.dryRun },
    { key: SA_TRIGGER, value: input.trigger },
  ]);
  const ctx = { cycleId, kind, dryRun: opened.dryRun, now: opened.now };

  for (const entry of progress.phases) {
    const phase = entry.name as Phase;
    progress.currentPhase = phase;
    entry.status = 'running';
    setCurrentDetails(`${opened.dryRun ? 'Dry run' : 'LIVE'} ${kind}: running ${phase}`);
    let summary: PhaseSummary;
    try {
      summary = await phaseActivity(phase)(ctx);
    } catch (err) {
      entry.status = 'failed';
      progress.currentPhase = null;
      await bookkeeping.closeCycle({ cycleId, status: 'failed', error: `${phase}: ${(err as Error).message}` });
      throw err;
    }
    entry.status = 'completed';
    entry.counts = summary.counts;
    if (summary.healthScore != null) {
      progress.healthScore = summary.healthScore;
      upsertSearchAttributes([{ key: SA_HEALTH_SCORE, value: summary.healthScore }]);
    }
    if (summary.alignmentScore != null) progress.alignmentScore = summary.alignmentScore;
  }
  progress.currentPhase = null;
  await bookkeeping.closeCycle({ cycleId, status: 'completed' });
  setCurrentDetails(
    `${opened.dryRun ? 'Dry run' : 'LIVE'} ${kind} completed` +
      (progress.healthScore != null ? ` · health ${progress.healthScore}` : '') +
      (progress.alignmentScore != null ? ` · alignment ${progress.alignmentScore.toFixed(2)}` : ''),
  );
  return {
    cycleId,
    kind,
    dryRun: opened.dryRun,
    healthScore: progress.healthScore,
    alignmentScore: progress.alignmentScore,
    phases: progress.phases,
  };
}
