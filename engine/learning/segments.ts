// Segment posteriors (docs/learning.md "per segment where samples allow"): a message may work for new users
// and not for established ones. The segment of a user-targeted action is the user's tenure when it is
// planned — 'new' (signed up less than NEW_USER_DAYS before the cycle's now) or 'established'; payment
// and data actions have none. Once a (type, segment) has MIN_SEGMENT_OUTCOMES measured treated outcomes,
// the gates use its own posterior Beta(1 + successes, 1 + failures); before that, the type's posterior.
import type { BetaPosterior } from '../stats/beta';

export type Segment = 'new' | 'established';
export const NEW_USER_DAYS = 30;
export const MIN_SEGMENT_OUTCOMES = 30;

export function segmentOf(userCreatedAt: Date | null, now: Date): Segment | null {
  if (!userCreatedAt) return null;
  return now.getTime() - userCreatedAt.getTime() < NEW_USER_DAYS * 86_400_000 ? 'new' : 'established';
}

export interface SegmentCounts {
  successes: number;
  failures: number;
}

/** The posterior the gates use: the segment's when it has enough outcomes, else the type's. */
export function gatingPosterior(
  typePosterior: BetaPosterior | null,
  segment: Segment | null,
  counts: SegmentCounts | undefined,
): { posterior: BetaPosterior | null; source: 'segment' | 'type'; segmentOutcomes: number } {
  const n = counts ? counts.successes + counts.failures : 0;
  if (segment && counts && n >= MIN_SEGMENT_OUTCOMES) {
    return {
      posterior: { alpha: 1 + counts.successes, beta: 1 + counts.failures },
      source: 'segment',
      segmentOutcomes: n,
    };
  }
  return { posterior: typePosterior, source: 'type', segmentOutcomes: n };
}
