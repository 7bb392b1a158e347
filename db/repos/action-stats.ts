// engine.action_stats and engine.action_segment_stats: each action type's success posterior (overall and
// per segment), its holdout counts and demotion, as the gates read them and as the api shows them with the
// mean and lower bound the confidence gates use. The learn phase's outcome statement adds to the counts.
import { upliftOf } from '../../engine/learning/holdout';
import { isMeasuredActionType } from '../../engine/learning/outcomes';
import { MIN_SEGMENT_OUTCOMES } from '../../engine/learning/segments';
import { lowerBound, mean, type BetaPosterior } from '../../engine/stats/beta';
import type { Queryable } from '../types';

export interface ActionStatsRow extends BetaPosterior {
  actionType: string;
  successes: number;
  failures: number;
  holdoutSuccesses: number;
  holdoutFailures: number;
  demoted: boolean;
  demotedReason: string | null;
  updatedAt: string;
}

/** Every action type's success posterior (engine.action_stats). */
export async function listActionStats(db: Queryable): Promise<ActionStatsRow[]> {
  const rows = await db('engine.action_stats').select('*').orderBy('action_type');
  return rows.map((r: Record<string, any>) => ({
    actionType: r.action_type,
    alpha: Number(r.alpha),
    beta: Number(r.beta),
    successes: Number(r.successes),
    failures: Number(r.failures),
    holdoutSuccesses: Number(r.holdout_successes ?? 0),
    holdoutFailures: Number(r.holdout_failures ?? 0),
    demoted: Boolean(r.demoted),
    demotedReason: r.demoted_reason ?? null,
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}

/** Demotes a type to approval-only or restores it; a no-op when the flag already says so (a retry). */
export async function setDemotion(
  db: Queryable,
  actionType: string,
  change: { demote: true; reason: string } | { demote: false },
): Promise<void> {
  await db('engine.action_stats')
    .where({ action_type: actionType, demoted: !change.demote })
    .update(
      change.demote
        ? { demoted: true, demoted_reason: change.reason, demoted_at: db.fn.now() }
        : { demoted: false, demoted_reason: null, demoted_at: null },
    );
}

export async function actionStatsWithBounds(db: Queryable) {
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

/** Measured treated outcomes per (type, segment) for the given types: "type\u0000segment" → counts. */
export async function segmentCountsOf(
  db: Queryable,
  types: readonly string[],
): Promise<Map<string, { successes: number; failures: number }>> {
  const out = new Map<string, { successes: number; failures: number }>();
  if (!types.length) return out;
  const rows = await db('engine.action_segment_stats').whereRaw('action_type = ANY(?::text[])', [[...new Set(types)]]);
  for (const r of rows)
    out.set(`${r.action_type}\u0000${r.segment}`, { successes: Number(r.successes), failures: Number(r.failures) });
  return out;
}

/** Types the learn phase demoted to approval-only, with the reason. */
export async function demotedTypes(db: Queryable): Promise<Map<string, { reason: string }>> {
  const rows = await db('engine.action_stats').where({ demoted: true }).select('action_type', 'demoted_reason');
  return new Map(
    rows.map((r: Record<string, any>) => [
      r.action_type as string,
      { reason: String(r.demoted_reason ?? 'uplift credibly negative') },
    ]),
  );
}

/** Success posteriors of the given types (engine.action_stats); a type without a row is absent. */
export async function posteriorsOf(db: Queryable, types: readonly string[]): Promise<Map<string, BetaPosterior>> {
  const out = new Map<string, BetaPosterior>();
  if (!types.length) return out;
  const rows = await db('engine.action_stats')
    .select('action_type', 'alpha', 'beta')
    .whereRaw('action_type = ANY(?::text[])', [[...new Set(types)]]);
  for (const r of rows) out.set(r.action_type, { alpha: Number(r.alpha), beta: Number(r.beta) });
  return out;
}
