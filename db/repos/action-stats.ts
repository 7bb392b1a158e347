// The api's view of what the learn phase recorded: each action type's success posterior with the
// mean and lower bound the confidence gates use (db/queries/learning.ts owns the reads).
import type { Knex } from 'knex';
import { listActionStats } from '../queries/learning';
import { upliftOf } from '../../engine/learning/holdout';
import { isMeasuredActionType } from '../../engine/learning/outcomes';
import { MIN_SEGMENT_OUTCOMES } from '../../engine/learning/segments';
import { lowerBound, mean } from '../../engine/stats/beta';

export async function actionStatsWithBounds(db: Knex) {
  const [rows, segmentRows] = await Promise.all([
    listActionStats(db),
    db('engine.action_segment_stats').orderBy(['action_type', 'segment']),
  ]);
  type SegmentPosterior = {
    segment: string;
    successes: number;
    failures: number;
    alpha: number;
    beta: number;
    mean: number;
    lowerBound: number;
    usedByGates: boolean;
  };
  const segments = new Map<string, SegmentPosterior[]>();
  for (const s of segmentRows as Array<Record<string, any>>) {
    const counts = { successes: Number(s.successes), failures: Number(s.failures) };
    const posterior = { alpha: 1 + counts.successes, beta: 1 + counts.failures };
    const list = segments.get(s.action_type) ?? [];
    list.push({
      segment: String(s.segment),
      ...counts,
      alpha: posterior.alpha,
      beta: posterior.beta,
      mean: mean(posterior),
      lowerBound: lowerBound(posterior),
      usedByGates: counts.successes + counts.failures >= MIN_SEGMENT_OUTCOMES,
    });
    segments.set(s.action_type, list);
  }
  return rows.map((r) => ({
    segments: segments.get(r.actionType) ?? [],
    ...r,
    mean: mean(r),
    lowerBound: lowerBound(r),
    uplift: isMeasuredActionType(r.actionType)
      ? upliftOf(
          { successes: r.successes, failures: r.failures },
          { successes: r.holdoutSuccesses, failures: r.holdoutFailures },
        )
      : null,
  }));
}
