// What every phase activity receives and returns. Small on purpose: phase outputs live in Postgres.
import type { CycleKind } from '../workflows/definitions';

export interface CycleContext {
  cycleId: string;
  kind: CycleKind;
  dryRun: boolean;
  /** The cycle's logical now (ISO), fixed when the cycle opened. */
  now: string;
  /** The analyze phase rebuilds the event rollups from scratch (docs/scale.md). */
  full?: boolean;
}

export interface PhaseSummary {
  counts: Record<string, number>;
  /** Campaigns of an effect phase for the cycle to roll out as child workflows (docs/campaigns.md). */
  campaigns?: {
    /** Admitted by the gates: the cycle waits up to waitSeconds for their rollouts. */
    admitted: string[];
    /** Waiting for one approval each: their rollouts wait for it, the cycle does not. */
    awaitingApproval: string[];
    waitSeconds: number;
  };
  healthScore?: number;
  alignmentScore?: number;
}
