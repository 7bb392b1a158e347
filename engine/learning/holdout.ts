// Holdout and uplift (docs/learning.md): effectiveness is measured against a control group, not as a raw
// success rate (users who get a nudge may have activated anyway).
//
// Assignment: for each measured action type, a target is held out when
//   u = first 52 bits of sha256("floyo-holdout:v1:<type>:<targetId>") / 2^52  <  share(type)
// (share from the policy `holdout`, default 10%). The hash makes it deterministic — retries, replays
// and later cycles decide the same — and persistent: a held-out user stays in the control group of that
// type, so a control user is never treated in the next cycle. Only targets the gates would admit (run, or
// send for approval) are eligible, so treated and held-out targets come from the same population. A
// held-out action is recorded with status 'holdout', executed_at = the cycle's now (when it would have
// run) and the type's outcome window; it has no effect and its outcome is measured exactly like a
// treated one's, once.
//
// Uplift = p_treated − p_holdout with Newcombe's hybrid score interval (method 10, from the two Wilson
// intervals): good coverage at small counts and rates near 0 or 1, unlike the Wald interval.
// Demotion: when the interval's upper bound is below 0 (credibly harmful), the type runs only with
// approval; it is restored when the upper bound is back at or above 0.
import { sha256 } from '@noble/hashes/sha2.js';
import { wilsonInterval } from '../kpi/wilson';

/** Fewer measured outcomes than this in either group → no uplift (and no demotion). */
export const MIN_UPLIFT_SAMPLE = 20;

export function holdoutDraw(type: string, targetId: string): number {
  // A pure-JS SHA-256, so the engine stays free of node built-ins; the digest is the same as node:crypto's.
  const digest = sha256(new TextEncoder().encode(`floyo-holdout:v1:${type}:${targetId}`));
  // 52 bits fit a double exactly: 6 whole bytes, then the high nibble of the 7th.
  const high48 = digest.slice(0, 6).reduce((acc, byte) => acc * 256 + byte, 0);
  return (high48 * 16 + (digest[6]! >> 4)) / 2 ** 52;
}

export function isHeldOut(type: string, targetId: string, share: number): boolean {
  return share > 0 && holdoutDraw(type, targetId) < share;
}

export interface GroupCounts {
  successes: number;
  failures: number;
}

export interface Uplift {
  treated: { n: number; successes: number; rate: number | null };
  holdout: { n: number; successes: number; rate: number | null };
  /** p_treated − p_holdout; null without both groups. */
  uplift: number | null;
  /** 95% Newcombe hybrid score interval; null below MIN_UPLIFT_SAMPLE in either group. */
  interval: [number, number] | null;
  /** The interval lies entirely below 0. */
  credibleHarm: boolean;
  /** The interval lies entirely above 0. */
  credibleBenefit: boolean;
}

export function upliftOf(treated: GroupCounts, holdout: GroupCounts, minSample = MIN_UPLIFT_SAMPLE): Uplift {
  const n1 = treated.successes + treated.failures;
  const n2 = holdout.successes + holdout.failures;
  const p1 = n1 > 0 ? treated.successes / n1 : null;
  const p2 = n2 > 0 ? holdout.successes / n2 : null;
  const uplift = p1 != null && p2 != null ? p1 - p2 : null;
  let interval: [number, number] | null = null;
  if (uplift != null && n1 >= minSample && n2 >= minSample) {
    const [l1, u1] = wilsonInterval(treated.successes, n1)!;
    const [l2, u2] = wilsonInterval(holdout.successes, n2)!;
    const lower = uplift - Math.sqrt((p1! - l1) ** 2 + (u2 - p2!) ** 2);
    const upper = uplift + Math.sqrt((u1 - p1!) ** 2 + (p2! - l2) ** 2);
    interval = [Math.max(-1, lower), Math.min(1, upper)];
  }
  return {
    treated: { n: n1, successes: treated.successes, rate: p1 },
    holdout: { n: n2, successes: holdout.successes, rate: p2 },
    uplift,
    interval,
    credibleHarm: interval != null && interval[1] < 0,
    credibleBenefit: interval != null && interval[0] > 0,
  };
}

/** What the learn phase does with a type's demotion flag given its uplift. */
export function demotionChange(currentlyDemoted: boolean, u: Uplift): 'demote' | 'restore' | null {
  if (!currentlyDemoted && u.credibleHarm) return 'demote';
  if (currentlyDemoted && u.interval != null && u.interval[1] >= 0) return 'restore';
  return null;
}
