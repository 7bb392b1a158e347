// Schema maintenance, not an effect: the monthly partitions of app.events for this month and the next ones, so
// new events never land in the DEFAULT partition. Runs the same in dry runs (it changes no data), and does
// nothing when app.events is not a partitioned table the engine owns (a platform's views, read-only mode).
import type { Knex } from 'knex';

/** Months past the current one that always have a partition: a month's partition exists well before it begins. */
export const EVENT_PARTITIONS_AHEAD = 3;

/** PostgreSQL's lock_not_available: the function's lock_timeout expired. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Creates the missing monthly partitions of app.events through `monthsAhead` months past `now`; returns how
 * many. A lock wait past the function's lock_timeout (a long read holds app.events) is no error: 0, and the
 * next call (the hourly monitor) tries again, months before the partition is needed.
 */
export async function ensureEventPartitions(
  db: Knex,
  now: Date,
  monthsAhead: number = EVENT_PARTITIONS_AHEAD,
): Promise<number> {
  try {
    const { rows } = (await db.raw(
      'SELECT engine.ensure_event_partitions(?::int, ?::timestamptz, ?::timestamptz) AS created',
      [monthsAhead, now, now],
    )) as { rows: Array<{ created: number }> };
    return Number(rows[0]?.created ?? 0);
  } catch (err) {
    if ((err as { code?: string }).code === LOCK_NOT_AVAILABLE) return 0;
    throw err;
  }
}
