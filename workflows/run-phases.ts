// The one orchestration all cycle workflows share: open the cycle, run the requested phases in order
// (each an activity with its own timeout and retry policy), keep the progress query and the search
// attributes current, and close the cycle. Deterministic: no I/O, no clock, no randomness.
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CycleKind, Phase } from '../engine/types';
import { PHASE_OPTIONS } from './activity-options';
import { alertStep } from './alert-step';
import { rollOutCampaigns } from './campaign-children';
import { completeCycle, openCycle, parseCycleInput, runStep } from './cycle-lifecycle';
import type { CycleResult } from './definitions';

function phaseActivity(phase: Phase) {
  return proxyActivities<Activities>(PHASE_OPTIONS[phase])[phase];
}

export async function runPhases(kind: CycleKind, rawInput: unknown, allowed: readonly Phase[]): Promise<CycleResult> {
  const input = parseCycleInput(kind, rawInput, allowed);
  const cycle = await openCycle(kind, input, input.phases);
  const { progress } = cycle;
  const mode = cycle.ctx.dryRun ? 'Dry run' : 'LIVE';

  for (const entry of progress.phases) {
    const phase = entry.name as Phase;
    setCurrentDetails(`${mode} ${kind}: running ${phase}`);
    const summary = await runStep(cycle, entry, phaseActivity(phase));
    if (summary.alignmentScore != null) progress.alignmentScore = summary.alignmentScore;
    if (summary.campaigns) {
      setCurrentDetails(`${mode} ${kind}: rolling out ${phase}'s campaigns`);
      await rollOutCampaigns(summary.campaigns);
    }
    // Right after the findings are recorded, so a page does not wait for the effect phases.
    if (phase === 'analyze') await alertStep(cycle.ctx);
  }
  await completeCycle(cycle);
  setCurrentDetails(
    `${mode} ${kind} completed` +
      (progress.healthScore != null ? ` · health ${progress.healthScore}` : '') +
      (progress.alignmentScore != null ? ` · alignment ${progress.alignmentScore.toFixed(2)}` : ''),
  );
  return {
    cycleId: cycle.cycleId,
    kind,
    dryRun: cycle.ctx.dryRun,
    healthScore: progress.healthScore,
    alignmentScore: progress.alignmentScore,
    phases: progress.phases,
  };
}
