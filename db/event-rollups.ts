// The engine's rollups of app.events (docs/scale.md): per user, the first qualifying occurred_at of the D7
// return, the onboarding step and the week-5 return, and the first week's distinct event names; per UTC day, the
// number of events folded. Events are append-only, so folding is a merge: least() of the first times and a set
// union of the names, which makes folding the same event twice harmless. A refresh folds the events past the
// watermark and refolds each day of the lateness horizon whose count in app.events changed; the daily
// reconciliation does the same for every older day. `full` rebuilds everything. Readers combine the facts with
// the rows at or after the watermark (db/queries/kpis.ts, db/queries/learning.ts).
import type { Knex } from 'knex';
import { D7_OFFSET_END_MS, D7_OFFSET_START_MS, DAY_MS, FUNNEL_WITHIN_MS, pgInterval } from '../engine/kpi/windows';
import { EARLY_WINDOW_MS, RETAINED_WINDOW_END_MS, RETAINED_WINDOW_START_MS } from '../engine/learning/behaviours';
import { iso, type Queryable } from './types';

/**
 * How far back each refresh checks the per-day counts for late events (a cheap index-only count); days before it
 * are checked by the daily reconciliation.
 */
export const EVENT_LATENESS_HORIZON_MS = 72 * 3_600_000;
/** The monitor reconciles when the last reconciliation (or rebuild) is older than this. */
export const RECONCILE_EVERY_MS = DAY_MS;

export interface RollupState {
  watermark: string | null;
  refreshedAt: string | null;
  rebuiltAt: string | null;
  reconciledAt: string | null;
}

export interface RollupRun {
  kind: 'refresh' | 'rebuild' | 'reconcile';
  /** The occurred_at range folded ([from, to)); from is null for a rebuild. */
  from: string | null;
  to: string;
  /** Users whose facts were merged, days whose counts were replaced. */
  users: number;
  days: number;
  ms: number;
}

type StateRow = {
  watermark: Date | null;
  refreshed_at: Date | null;
  rebuilt_at: Date | null;
  reconciled_at: Date | null;
};

function toState(r: StateRow | undefined): RollupState {
  return {
    watermark: iso(r?.watermark),
    refreshedAt: iso(r?.refreshed_at),
    rebuiltAt: iso(r?.rebuilt_at),
    reconciledAt: iso(r?.reconciled_at),
  };
}

export async function readRollupState(db: Queryable): Promise<RollupState> {
  const { rows } = (await db.raw(
    'SELECT watermark, refreshed_at, rebuilt_at, reconciled_at FROM engine.event_rollup_state',
  )) as { rows: StateRow[] };
  return toState(rows[0]);
}

/** The watermark, read in the caller's snapshot: facts cover occurred_at < it, readers add the raw rows at or after it. */
export async function rollupWatermark(db: Queryable): Promise<Date | null> {
  const s = await readRollupState(db);
  return s.watermark ? new Date(s.watermark) : null;
}

async function lockState(trx: Knex.Transaction): Promise<StateRow> {
  const { rows } = (await trx.raw(
    'SELECT watermark, refreshed_at, rebuilt_at, reconciled_at FROM engine.event_rollup_state WHERE id FOR UPDATE',
  )) as { rows: StateRow[] };
  if (!rows[0]) throw new Error('engine.event_rollup_state has no row: run the migrations');
  return rows[0];
}

function utcDayStart(t: Date): Date {
  return new Date(Math.floor(t.getTime() / DAY_MS) * DAY_MS);
}

function rangeClause(from: Date | null, to: Date): { sql: string; bindings: Date[] } {
  return from
    ? { sql: 'e.occurred_at >= ? AND e.occurred_at < ?', bindings: [from, to] }
    : { sql: 'e.occurred_at < ?', bindings: [to] };
}

/**
 * Merges the facts of the events in [from, to) into engine.event_user_facts; returns the users merged. Only the
 * events of known users that fall in one of the facts' windows are read past the join, so every group has a fact.
 */
async function foldFacts(trx: Knex.Transaction, from: Date | null, to: Date): Promise<number> {
  const { rowCount } = (await trx.raw(
    `INSERT INTO engine.event_user_facts AS f (user_id, d7_first_at, onboarded_first_at, retained_first_at, first_week_names)
     SELECT e.user_id,
            min(e.occurred_at) FILTER (WHERE e.occurred_at >= u.created_at + :d7Start::interval
                                         AND e.occurred_at <  u.created_at + :d7End::interval),
            min(e.occurred_at) FILTER (WHERE e.name = 'onboarding_completed'
                                         AND e.occurred_at <= u.created_at + :funnel::interval),
            min(e.occurred_at) FILTER (WHERE e.occurred_at >= u.created_at + :retStart::interval
                                         AND e.occurred_at <  u.created_at + :retEnd::interval),
            coalesce(array_agg(DISTINCT e.name ORDER BY e.name)
                       FILTER (WHERE e.occurred_at >= u.created_at AND e.occurred_at < u.created_at + :early::interval),
                     '{}')
       FROM app.events e
       JOIN app.users u ON u.id = e.user_id
      WHERE ${from ? 'e.occurred_at >= :from AND ' : ''}e.occurred_at < :to
        AND ((e.occurred_at >= u.created_at AND e.occurred_at < u.created_at + :early::interval)
             OR (e.occurred_at >= u.created_at + :d7Start::interval AND e.occurred_at < u.created_at + :d7End::interval)
             OR (e.occurred_at >= u.created_at + :retStart::interval AND e.occurred_at < u.created_at + :retEnd::interval)
             OR (e.name = 'onboarding_completed' AND e.occurred_at <= u.created_at + :funnel::interval))
      GROUP BY e.user_id
     ON CONFLICT (user_id) DO UPDATE SET
       d7_first_at = least(f.d7_first_at, excluded.d7_first_at),
       onboarded_first_at = least(f.onboarded_first_at, excluded.onboarded_first_at),
       retained_first_at = least(f.retained_first_at, excluded.retained_first_at),
       first_week_names = CASE WHEN excluded.first_week_names <@ f.first_week_names THEN f.first_week_names
                               ELSE ARRAY(SELECT DISTINCT n FROM unnest(f.first_week_names || excluded.first_week_names) n ORDER BY n) END`,
    {
      d7Start: pgInterval(D7_OFFSET_START_MS),
      d7End: pgInterval(D7_OFFSET_END_MS),
      funnel: pgInterval(FUNNEL_WITHIN_MS),
      retStart: pgInterval(RETAINED_WINDOW_START_MS),
      retEnd: pgInterval(RETAINED_WINDOW_END_MS),
      early: pgInterval(EARLY_WINDOW_MS),
      to,
      ...(from ? { from } : {}),
    },
  )) as { rowCount: number | null };
  return rowCount ?? 0;
}

/**
 * app.events' count per UTC day in [from, to). Always read before the fold it describes: an event inserted in
 * between is then folded but not counted, and the next check refolds its day, never the other way round.
 */
async function rawDayCounts(trx: Queryable, from: Date | null, to: Date): Promise<Map<string, number>> {
  const range = rangeClause(from, to);
  const { rows } = (await trx.raw(
    `SELECT to_char((e.occurred_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, count(*) AS events
       FROM app.events e WHERE ${range.sql} GROUP BY 1`,
    range.bindings,
  )) as { rows: Array<{ day: string; events: string }> };
  return new Map(rows.map((r) => [r.day, Number(r.events)]));
}

async function foldedDayCounts(trx: Knex.Transaction, from: Date): Promise<Map<string, number>> {
  const { rows } = (await trx.raw(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, events FROM engine.event_day_counts WHERE day >= ?::timestamptz::date`,
    [from],
  )) as { rows: Array<{ day: string; events: string }> };
  return new Map(rows.map((r) => [r.day, Number(r.events)]));
}

/** Replaces the folded counts of the given days. */
async function writeDayCounts(trx: Knex.Transaction, counts: Map<string, number>): Promise<void> {
  if (!counts.size) return;
  const days = [...counts.keys()];
  await trx.raw('DELETE FROM engine.event_day_counts WHERE day = ANY (?::date[])', [days]);
  await trx.raw(`INSERT INTO engine.event_day_counts (day, events) SELECT * FROM unnest(?::date[], ?::bigint[])`, [
    days,
    days.map((d) => counts.get(d)!),
  ]);
}

const dayStartOf = (day: string) => new Date(`${day}T00:00:00Z`);

async function saveState(
  trx: Knex.Transaction,
  run: RollupRun,
  set: { watermark?: Date; refreshed?: Date; rebuilt?: Date; reconciled?: Date },
): Promise<void> {
  await trx.raw(
    `UPDATE engine.event_rollup_state
        SET watermark = coalesce(?::timestamptz, watermark),
            refreshed_at = coalesce(?::timestamptz, refreshed_at),
            rebuilt_at = coalesce(?::timestamptz, rebuilt_at),
            reconciled_at = coalesce(?::timestamptz, reconciled_at),
            last_run = ?::jsonb
      WHERE id`,
    [set.watermark ?? null, set.refreshed ?? null, set.rebuilt ?? null, set.reconciled ?? null, JSON.stringify(run)],
  );
}

/**
 * The new watermark: just past the latest event before `to`, so it follows the data rather than the clock (an
 * event is late only when it is older than what was already seen), and never before the current one.
 */
async function nextWatermark(trx: Knex.Transaction, current: Date | null, to: Date): Promise<Date> {
  const { rows } = (await trx.raw('SELECT max(e.occurred_at) AS latest FROM app.events e WHERE e.occurred_at < ?', [
    to,
  ])) as { rows: Array<{ latest: Date | null }> };
  const latest = rows[0]?.latest;
  // timestamptz has microseconds and a JS Date milliseconds: 1 ms past the latest keeps it inside [from, watermark).
  const next = latest ? new Date(Math.min(to.getTime(), latest.getTime() + 1)) : to;
  return current && current > next ? current : next;
}

async function rebuildLocked(trx: Knex.Transaction, to: Date, started: number): Promise<RollupRun> {
  // One pass over every event: a hash join with the users wants memory, not a million index probes.
  await trx.raw(`SET LOCAL work_mem = '256MB'`);
  await trx.raw('TRUNCATE engine.event_user_facts, engine.event_day_counts');
  const watermark = await nextWatermark(trx, null, to);
  const counts = await rawDayCounts(trx, null, watermark);
  const users = await foldFacts(trx, null, watermark);
  await writeDayCounts(trx, counts);
  const run: RollupRun = {
    kind: 'rebuild',
    from: null,
    to: watermark.toISOString(),
    users,
    days: counts.size,
    ms: Date.now() - started,
  };
  await saveState(trx, run, { watermark, refreshed: to, rebuilt: to, reconciled: to });
  return run;
}

/**
 * Folds the events that occurred since the watermark and moves it to just past the latest event before `to`
 * (never back). Late events: every day of the lateness horizon before the watermark whose event count changed
 * since it was folded is refolded. The first refresh, and `full`, rebuild from scratch. Serialized by a row lock,
 * so workers refreshing together take turns and the second one finds little left to fold.
 */
export async function refreshEventRollups(
  db: Knex,
  to: Date,
  opts: { full?: boolean; horizonMs?: number } = {},
): Promise<RollupRun> {
  const started = Date.now();
  return db.transaction(async (trx) => {
    const state = await lockState(trx);
    if (opts.full || !state.watermark) return rebuildLocked(trx, to, started);
    const previous = state.watermark;
    const watermark = await nextWatermark(trx, previous, to);
    const horizonFrom = utcDayStart(new Date(previous.getTime() - (opts.horizonMs ?? EVENT_LATENESS_HORIZON_MS)));
    await trx.raw(`SET LOCAL work_mem = '64MB'`);
    // Counted before folding (see rawDayCounts); each day's folded count covers [day, min(day + 1, watermark)).
    const fresh = await rawDayCounts(trx, previous, watermark);
    // The horizon's count and the new events' fold read disjoint ranges: side by side on a second connection
    // (about as long as the fold at a million users), unless the caller gave a single connection.
    const [late, freshUsers] = db.isTransaction
      ? [await rawDayCounts(trx, horizonFrom, previous), await foldFacts(trx, previous, watermark)]
      : await Promise.all([rawDayCounts(db, horizonFrom, previous), foldFacts(trx, previous, watermark)]);
    const folded = await foldedDayCounts(trx, horizonFrom);
    const changed = [...late.keys()].filter((day) => folded.get(day) !== late.get(day)).sort();
    let users = freshUsers;
    for (const day of changed) {
      const from = dayStartOf(day);
      users += await foldFacts(trx, from, new Date(Math.min(from.getTime() + DAY_MS, previous.getTime())));
    }
    const counts = new Map<string, number>();
    for (const day of new Set([...changed, ...fresh.keys()]))
      counts.set(day, (late.get(day) ?? 0) + (fresh.get(day) ?? 0));
    await writeDayCounts(trx, counts);
    const run: RollupRun = {
      kind: 'refresh',
      from: previous.toISOString(),
      to: watermark.toISOString(),
      users,
      days: changed.length,
      ms: Date.now() - started,
    };
    await saveState(trx, run, { watermark, refreshed: to });
    return run;
  });
}

/**
 * Finds the UTC days before the refresh's horizon whose event count in app.events differs from the folded one
 * (events that arrived later than the horizon) and refolds each; returns what it refolded. One index-only pass
 * over events_time_idx.
 */
export async function reconcileEventRollups(
  db: Knex,
  now: Date,
  opts: { horizonMs?: number } = {},
): Promise<RollupRun & { changedDays: string[] }> {
  const started = Date.now();
  return db.transaction(async (trx) => {
    const state = await lockState(trx);
    if (!state.watermark) {
      const run = await rebuildLocked(trx, now, started);
      return { ...run, changedDays: [] };
    }
    const before = utcDayStart(new Date(state.watermark.getTime() - (opts.horizonMs ?? EVENT_LATENESS_HORIZON_MS)));
    const { rows } = (await trx.raw(
      `SELECT to_char(r.day, 'YYYY-MM-DD') AS day, r.events
         FROM (SELECT (e.occurred_at AT TIME ZONE 'UTC')::date AS day, count(*) AS events
                 FROM app.events e WHERE e.occurred_at < ? GROUP BY 1) r
         LEFT JOIN engine.event_day_counts c ON c.day = r.day
        WHERE c.events IS DISTINCT FROM r.events
        ORDER BY 1`,
      [before],
    )) as { rows: Array<{ day: string; events: string }> };
    let users = 0;
    for (const { day } of rows) {
      const from = dayStartOf(day);
      users += await foldFacts(trx, from, new Date(from.getTime() + DAY_MS));
    }
    // The counts read before the folds (see rawDayCounts).
    await writeDayCounts(trx, new Map(rows.map((r) => [r.day, Number(r.events)])));
    const run: RollupRun = {
      kind: 'reconcile',
      from: null,
      to: before.toISOString(),
      users,
      days: rows.length,
      ms: Date.now() - started,
    };
    await saveState(trx, run, { reconciled: now });
    return { ...run, changedDays: rows.map((r) => r.day) };
  });
}

/** Whether the monitor should reconcile at `now`: never reconciled, or longer ago than RECONCILE_EVERY_MS. */
export function reconciliationDue(state: RollupState, now: Date): boolean {
  if (!state.watermark) return false;
  const last = state.reconciledAt ?? state.rebuiltAt;
  return !last || now.getTime() - new Date(last).getTime() >= RECONCILE_EVERY_MS;
}
