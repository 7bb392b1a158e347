// Set-based counts behind the sample-ratio-mismatch check and the autonomy ladder, read off engine.actions.
import type { Queryable } from '../types';

/**
 * Per type, the targets the gates admitted since `since` (dry and live, any later status), split into
 * treated and held out: the population the holdout draw ran on. Shadowed, blocked and recommended actions
 * were never eligible for the draw and are not counted.
 */
export async function holdoutSplits(
  db: Queryable,
  since: Date,
): Promise<Map<string, { treated: number; holdout: number }>> {
  const { rows } = (await db.raw(
    `SELECT type,
            count(*) FILTER (WHERE status <> 'holdout')::int AS treated,
            count(*) FILTER (WHERE status = 'holdout')::int  AS holdout
       FROM engine.actions
      WHERE created_at >= ?
        AND mode IN ('auto', 'needs_approval')
        AND status IN ('holdout', 'dry_run', 'planned', 'executed', 'failed', 'pending_approval', 'approved', 'rejected', 'expired')
      GROUP BY type`,
    [since],
  )) as { rows: Array<{ type: string; treated: number; holdout: number }> };
  return new Map(rows.map((r) => [r.type, { treated: Number(r.treated), holdout: Number(r.holdout) }]));
}

/** Per type, the actions recorded as shadowed since the type's current level began (engine.autonomy_levels). */
export async function shadowDecisionCounts(db: Queryable): Promise<Map<string, number>> {
  const { rows } = (await db.raw(
    `SELECT a.type, count(*)::int AS n
       FROM engine.actions a
       LEFT JOIN engine.autonomy_levels l ON l.action_type = a.type
      WHERE a.status = 'shadowed' AND a.created_at >= coalesce(l.level_since, '-infinity'::timestamptz)
      GROUP BY a.type`,
  )) as { rows: Array<{ type: string; n: number }> };
  return new Map(rows.map((r) => [r.type, Number(r.n)]));
}
