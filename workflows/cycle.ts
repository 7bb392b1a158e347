// The cycle workflows: the full autonomous cycle and the single-purpose runs the api exposes.
import { PHASES } from '../engine/types';
import type { CycleInput, CycleResult } from './definitions';
import { runPhases } from './run-phases';

/** analyze → heal → optimize → prevent → learn → decide → verify (or the requested subset). */
export async function autonomousCycle(input: CycleInput = {}): Promise<CycleResult> {
  return runPhases('cycle', input, PHASES);
}

/** Heal only, on the findings already open (started by the monitor on critical findings). */
export async function selfHeal(input: CycleInput = {}): Promise<CycleResult> {
  return runPhases('self_heal', input, ['heal']);
}

/** Fresh analysis, then remediation of what it found. */
export async function autoRemediate(input: CycleInput = {}): Promise<CycleResult> {
  return runPhases('auto_remediate', input, ['analyze', 'heal']);
}

/** Fresh analysis, then the optimization phase. */
export async function selfOptimize(input: CycleInput = {}): Promise<CycleResult> {
  return runPhases('self_optimize', input, ['analyze', 'optimize']);
}
