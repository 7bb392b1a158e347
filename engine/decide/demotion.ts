// Demotion decisions (docs/learning.md, engine/learning/holdout.ts): an action type whose uplift over its
// holdout is credibly negative runs only with approval from then on; one whose interval is back at or
// above zero is restored. One decision per cycle lists every change, with the figures behind it.
import type { Uplift } from '../learning/holdout';
import { pct } from './format';
import type { Decision } from './types';

export interface DemotionChange {
  type: string;
  change: 'demote' | 'restore';
  uplift: Uplift;
}

function describe(c: DemotionChange): string {
  const u = c.uplift;
  const [lo, hi] = u.interval ?? [NaN, NaN];
  const figures =
    `treated ${u.treated.successes}/${u.treated.n} (${pct(u.treated.rate ?? 0)}) vs holdout ${u.holdout.successes}/${u.holdout.n} ` +
    `(${pct(u.holdout.rate ?? 0)}): uplift ${pct(u.uplift ?? 0)}, 95% interval [${pct(lo)}, ${pct(hi)}]`;
  return c.change === 'demote'
    ? `${c.type} is demoted to approval-only: it does credibly worse than doing nothing (${figures}).`
    : `${c.type} is restored to the normal gates: its uplift is no longer credibly negative (${figures}).`;
}

/** The cycle's demotion decision, or null when nothing changed. */
export function decideDemotions(changes: readonly DemotionChange[]): Decision | null {
  if (!changes.length) return null;
  const demoted = changes.filter((c) => c.change === 'demote').map((c) => c.type);
  const restored = changes.filter((c) => c.change === 'restore').map((c) => c.type);
  return {
    kind: 'action_type_demotion',
    title: [
      demoted.length ? `Demote ${demoted.join(', ')} to approval-only` : null,
      restored.length ? `restore ${restored.join(', ')}` : null,
    ]
      .filter(Boolean)
      .join('; '),
    rationale: changes.map(describe).join(' '),
    // The change follows from a 95% interval excluding (or no longer excluding) zero.
    confidence: 0.95,
    payload: {
      applied: true,
      changes: changes.map((c) => ({
        type: c.type,
        change: c.change,
        uplift: c.uplift.uplift,
        interval: c.uplift.interval,
        treated: c.uplift.treated,
        holdout: c.uplift.holdout,
      })),
    },
  };
}
