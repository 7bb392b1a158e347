// A campaign's rate-controlled rollout (docs/campaigns.md), as pure rules the campaignRollout workflow
// follows: the ramp turns into waves of recipients, and after each wave the error rate so far decides
// whether the next one goes out (AWS Systems Manager's MaxErrors, as a share of the sends attempted).

/** Cumulative recipient counts at the end of each wave: ceil(share × total), at least one more per wave, the last = total. */
export function waveCutoffs(total: number, ramp: readonly number[]): number[] {
  if (!Number.isInteger(total) || total <= 0) return [];
  const out: number[] = [];
  for (const share of ramp) {
    const prev = out[out.length - 1] ?? 0;
    const cut = Math.min(total, Math.max(prev + 1, Math.ceil(share * total - 1e-9)));
    if (cut > prev) out.push(cut);
    if (cut === total) break;
  }
  if (out[out.length - 1] !== total) out.push(total);
  return out;
}

export interface WaveTally {
  /** Sends attempted so far (executed + failed; blocked by a gate is not an attempt). */
  attempted: number;
  failed: number;
}

export type WaveVerdict = { halt: false } | { halt: true; reason: string };

/** Halts once the failures so far exceed maxErrorRate of the sends attempted so far. */
export function afterWave(tally: WaveTally, maxErrorRate: number): WaveVerdict {
  if (tally.attempted <= 0 || tally.failed <= 0) return { halt: false };
  const rate = tally.failed / tally.attempted;
  if (rate <= maxErrorRate) return { halt: false };
  const pct = (x: number) => `${(Math.round(x * 1000) / 10).toFixed(1)}%`;
  return {
    halt: true,
    reason: `${tally.failed} of ${tally.attempted} sends failed (${pct(rate)} > MaxErrors ${pct(maxErrorRate)})`,
  };
}

export const ROLLOUT_STATES = [
  'awaiting_approval',
  'running',
  'paused',
  'completed',
  'halted',
  'cancelled',
  'rejected',
  'expired',
] as const;
export type RolloutStatus = (typeof ROLLOUT_STATES)[number];

/** What the rollout's progress query answers, and what engine.campaigns.progress stores. */
export interface RolloutProgress {
  campaignId: string;
  status: RolloutStatus;
  /** Waves done, of `waves`. */
  wave: number;
  waves: number;
  /** Recipients whose wave has gone out, of `total`. */
  reached: number;
  total: number;
  executed: number;
  failed: number;
  blocked: number;
  pausedBy?: string;
  reason?: string;
  /** While it waits for approval: the distinct approvals it needs and who approved so far. */
  approvals?: { required: number; approvers: string[] };
}
