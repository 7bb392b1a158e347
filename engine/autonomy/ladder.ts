// Promotion and demotion on the autonomy ladder (docs/safety.md#autonomy-ladder), as pure rules the learn
// phase applies to each action type's measured evidence:
//   shadow → approval   at least minShadowDecisions "would have done" records since it entered shadow, no SRM
//   approval → auto     at least minOutcomes measured treated outcomes, the uplift's 95% lower bound > 0, no SRM
//   one step down       on a breach: a sample-ratio mismatch, the uplift's upper bound < 0, or a major
//                       guardrail breach (engine/guardrails: `guardrailBreach`)
// A pinned level never moves; the evidence and the step it would take are still reported.
import type { Uplift } from '../learning/holdout';
import type { SrmResult } from '../learning/srm';
import type { AutonomyLevel } from './levels';

export interface LadderPolicy {
  minShadowDecisions: number;
  minOutcomes: number;
}

export interface LadderEvidence {
  /** Actions of the type recorded as shadowed since it entered shadow. */
  shadowDecisions: number;
  /** Measured treated outcomes (engine.action_stats successes + failures). */
  outcomes: number;
  /** Uplift over the holdout; null for a type without a success signal. */
  uplift: Uplift | null;
  srm: SrmResult | null;
  /** The type's major guardrail breaches in one line (engine/guardrails), else null. */
  guardrailBreach: string | null;
}

export interface LadderStep {
  level: AutonomyLevel;
  change: 'promote' | 'demote' | null;
  /** Why it moved, or why it stays. */
  reason: string;
  /** What would move it next, in one line. */
  nextStep: string;
}

const fmt = (x: number) => (Math.round(x * 10000) / 100).toFixed(2) + '%';

/** The breach that demotes a type, or null. */
export function breachOf(e: LadderEvidence): string | null {
  if (e.srm?.status === 'mismatch')
    return `sample-ratio mismatch: ${e.srm.observed.holdout} held out of ${e.srm.observed.treated + e.srm.observed.holdout} (expected ${fmt(e.srm.expectedHoldoutShare)}), p = ${e.srm.pValue!.toExponential(2)}`;
  if (e.uplift?.interval && e.uplift.interval[1] < 0)
    return `uplift credibly negative: 95% interval [${fmt(e.uplift.interval[0])}, ${fmt(e.uplift.interval[1])}]`;
  return e.guardrailBreach;
}

function autoBlocker(e: LadderEvidence, p: LadderPolicy): string | null {
  if (e.outcomes < p.minOutcomes)
    return `${p.minOutcomes - e.outcomes} more measured outcomes (${e.outcomes} of ${p.minOutcomes})`;
  if (!e.uplift) return 'a measured uplift over the holdout (this type has no success signal: pin it to move it)';
  if (!e.uplift.interval) return 'enough outcomes in both treated and holdout groups for an uplift interval';
  if (!(e.uplift.interval[0] > 0)) return `the uplift's lower bound above 0 (now ${fmt(e.uplift.interval[0])})`;
  return null;
}

/** The level a type moves to from `current` given its evidence (one step at most per evaluation). */
export function ladderStep(current: AutonomyLevel, e: LadderEvidence, p: LadderPolicy): LadderStep {
  const breach = breachOf(e);
  if (breach) {
    if (current === 'shadow')
      return {
        level: 'shadow',
        change: null,
        reason: `stays in shadow: ${breach}`,
        nextStep: 'approval once the breach is gone and the evidence is there',
      };
    const level: AutonomyLevel = current === 'auto' ? 'approval' : 'shadow';
    return {
      level,
      change: 'demote',
      reason: `demoted ${current} → ${level}: ${breach}`,
      nextStep: `${current} again on fresh evidence once the breach is gone`,
    };
  }
  const srmBlocks = e.srm?.status === 'mismatch';
  if (current === 'shadow') {
    if (e.shadowDecisions >= p.minShadowDecisions && !srmBlocks)
      return {
        level: 'approval',
        change: 'promote',
        reason: `promoted shadow → approval: ${e.shadowDecisions} shadow decisions (at least ${p.minShadowDecisions})`,
        nextStep: `auto after ${p.minOutcomes} measured outcomes with the uplift's lower bound above 0`,
      };
    return {
      level: 'shadow',
      change: null,
      reason: `in shadow: ${e.shadowDecisions} of ${p.minShadowDecisions} shadow decisions`,
      nextStep: `approval after ${p.minShadowDecisions - e.shadowDecisions} more shadow decisions`,
    };
  }
  if (current === 'approval') {
    const blocker = autoBlocker(e, p);
    if (!blocker)
      return {
        level: 'auto',
        change: 'promote',
        reason: `promoted approval → auto: ${e.outcomes} outcomes, uplift 95% interval [${fmt(e.uplift!.interval![0])}, ${fmt(e.uplift!.interval![1])}]`,
        nextStep: 'stays at auto while no breach (SRM, uplift upper bound below 0, major guardrail breach)',
      };
    return {
      level: 'approval',
      change: null,
      reason: 'at approval: every action needs an operator',
      nextStep: `auto after ${blocker}`,
    };
  }
  return {
    level: 'auto',
    change: null,
    reason: 'at auto: the gates decide',
    nextStep: 'stays at auto while no breach (SRM, uplift upper bound below 0, major guardrail breach)',
  };
}
