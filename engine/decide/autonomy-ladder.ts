// The autonomy ladder's decision (docs/safety.md#autonomy-ladder): when a type moves, or a holdout's split
// is broken, or a guardrail is breached, one decision lists every type's level, the evidence behind it and
// its next step.
import type { AutonomyLevel } from '../autonomy/levels';
import type { Decision } from './types';

export interface LadderEntry {
  type: string;
  from: AutonomyLevel;
  level: AutonomyLevel;
  change: 'promote' | 'demote' | 'reset' | null;
  pinned: boolean;
  reason: string;
  nextStep: string;
  srm: 'healthy' | 'mismatch' | 'insufficient' | null;
  /** What the type's guardrails call for this cycle (engine/guardrails); absent or null = nothing. */
  guardrail?: { action: 'pause' | 'cancel_and_demote'; reason: string } | null;
  evidence: Record<string, unknown>;
}

/** The cycle's ladder decision, or null when no type moved, every holdout split is healthy and no guardrail is breached. */
export function decideLadder(entries: readonly LadderEntry[]): Decision | null {
  const moved = entries.filter((e) => e.change);
  const srm = entries.filter((e) => e.srm === 'mismatch');
  const guarded = entries.filter((e) => e.guardrail);
  if (!moved.length && !srm.length && !guarded.length) return null;
  const title = [
    ...moved.map((e) =>
      e.change === 'reset'
        ? `${e.type} starts in ${e.level} (new or changed definition)`
        : `${e.type} ${e.from} → ${e.level}`,
    ),
    ...(srm.length ? [`sample-ratio mismatch in ${srm.map((e) => e.type).join(', ')}: uplift not trusted`] : []),
    ...guarded.map(
      (e) =>
        `guardrail breached in ${e.type}: ${e.guardrail!.action === 'pause' ? 'campaigns paused' : 'campaigns cancelled, type demoted'}`,
    ),
  ].join('; ');
  return {
    kind: 'autonomy_ladder',
    title: `Autonomy ladder: ${title}`,
    rationale: [
      ...[...moved, ...srm.filter((e) => !e.change)].map((e) => `${e.type}: ${e.reason}. Next: ${e.nextStep}.`),
      ...guarded.map((e) => `${e.type} guardrails (${e.guardrail!.action}): ${e.guardrail!.reason}.`),
    ].join(' '),
    // Promotions rest on a 95% interval and demotions on p < the SRM threshold, a 95% interval or the guardrails' alpha.
    confidence: 0.95,
    payload: { applied: true, levels: entries },
  };
}
