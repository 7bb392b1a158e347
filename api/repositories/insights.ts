// The api's view of what the learn phase recorded: each action type's success posterior with the
// mean and lower bound the confidence gates use (db/queries/learning.ts owns the reads).
import type { Knex } from 'knex';
import { listActionStats } from '../../db/queries/learning';
import { upliftOf } from '../../engine/learning/holdout';
import { isMeasuredActionType } from '../../engine/learning/outcomes';
import { lowerBound, mean } from '../../engine/stats/beta';

export async function actionStatsWithBounds(db: Knex) {
  const rows = await listActionStats(db);
  return rows.map((r) => ({
    ...r,
    mean: mean(r),
    lowerBound: lowerBound(r),
    uplift: isMeasuredActionType(r.actionType)
      ? upliftOf({ successes: r.successes, failures: r.failures }, { successes: r.holdoutSuccesses, failures: r.holdoutFailures })
      : null,
  }));
}
