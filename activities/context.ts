// What every phase activity receives and returns. Small on purpose: phase outputs live in Postgres.
import type { CycleKind } from '../workflows/definitions';

export interface CycleContext {
  cycleId: string;
  kind: CycleKind;
  dryRun: boolean;
  /** The cycle's logical now (ISO), fixed when the cycle opened. */
  now: string;
}

export interface PhaseSummary {
  counts: Record<string, number>;
  healthScore?: number;
  alignmentScore?: number;
}
