// The open/step/close sequence every cycle-like workflow shares (runPhases and the monitor): validate the
// input, open the engine.cycles row, keep the progress query and search attributes current, run each step
// as an activity, and close the cycle as completed or failed. Deterministic: no I/O, no clock.
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ValidationError } from '../engine/safety/errors';
import type { Activities, CycleContext } from '../activities';
import { BOOKKEEPING_OPTIONS } from './activity-options';
import {
  progressQuery,
  SA_CYCLE_KIND,
  SA_DRY_RUN,
  SA_HEALTH_SCORE,
  SA_TRIGGER,
  type CycleProgress,
  type PhaseProgress,
} from './definitions';
import { normalizeCycleInput, type NormalizedCycleInput } from './input';
import type { CycleKind, Phase } from '../engine/types';

const bookkeeping = proxyActivities<Activities>(BOOKKEEPING_OPTIONS);

export interface OpenedCycle {
  cycleId: string;
  kind: CycleKind;
  input: NormalizedCycleInput;
  progress: CycleProgress;
  /** What every step activity receives. */
  ctx: CycleContext;
}

/** A malformed start (CLI, schedule, test) fails at once and non-retryably, naming the bad field. */
export function parseCycleInput(kind: CycleKind, rawInput: unknown, allowed: readonly Phase[]): NormalizedCycleInput {
  try {
    return normalizeCycleInput(rawInput, allowed);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`Invalid ${kind} input: ${(err as Error).message}`, ValidationError.name);
  }
}

/** Registers the progress query, opens the cycle's row (which decides dry-run) and sets the search attributes. */
export async function openCycle(
  kind: CycleKind,
  input: NormalizedCycleInput,
  steps: ReadonlyArray<Phase | 'monitor'>,
): Promise<OpenedCycle> {
  const info = workflowInfo();
  const cycleId = info.workflowId;
  const progress: CycleProgress = {
    cycleId,
    kind,
    dryRun: input.dryRun ?? true,
    currentPhase: null,
    phases: steps.map((name): PhaseProgress => ({ name, status: 'pending' })),
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
    phases: [...steps],
    now: input.now,
  });
  progress.dryRun = opened.dryRun;
  upsertSearchAttributes([
    { key: SA_CYCLE_KIND, value: kind },
    { key: SA_DRY_RUN, value: opened.dryRun },
    { key: SA_TRIGGER, value: input.trigger },
  ]);
  return {
    cycleId,
    kind,
    input,
    progress,
    ctx: {
      cycleId,
      kind,
      dryRun: opened.dryRun,
      now: opened.now,
      // Only when asked: the activities' input (and the committed replay histories) stay as they were otherwise.
      ...(input.full ? { full: true } : {}),
    },
  };
}

/**
 * Runs one step's activity with its progress entry kept current. When it fails, the cycle is closed as
 * failed with the step's error and the error is rethrown, so the workflow fails with it.
 */
export async function runStep<T extends { counts: Record<string, number>; healthScore?: number | null }>(
  cycle: OpenedCycle,
  entry: PhaseProgress,
  activity: (ctx: CycleContext) => Promise<T>,
): Promise<T> {
  cycle.progress.currentPhase = entry.name;
  entry.status = 'running';
  let result: T;
  try {
    result = await activity(cycle.ctx);
  } catch (err) {
    entry.status = 'failed';
    cycle.progress.currentPhase = null;
    await bookkeeping.closeCycle({ cycleId: cycle.cycleId, status: 'failed', error: `${entry.name}: ${causeOf(err)}` });
    throw err;
  }
  entry.status = 'completed';
  entry.counts = result.counts;
  if (result.healthScore != null) {
    cycle.progress.healthScore = result.healthScore;
    upsertSearchAttributes([{ key: SA_HEALTH_SCORE, value: result.healthScore }]);
  }
  return result;
}

/** The activity's own error message, not the wrapper's "Activity task failed". */
function causeOf(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return (cause as Error).message;
}

/** Closes the cycle's row as completed once every step has run. */
export async function completeCycle(cycle: OpenedCycle): Promise<void> {
  cycle.progress.currentPhase = null;
  await bookkeeping.closeCycle({ cycleId: cycle.cycleId, status: 'completed' });
}
