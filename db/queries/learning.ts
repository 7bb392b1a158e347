// The learn phase's read-only analytics over schema app (docs/learning.md): suggestion feedback by
// confidence and early behaviours of retained users. The rules are documented in engine/learning; this
// file implements them set-based, so no table is ever fetched row by row. (Outcomes of executed actions
// are measured by db/repos/action-stats.ts, the executed actions of a cycle read by db/repos/actions.ts.)
//
// Scale (1M users, 20M events): suggestion feedback is one aggregate over the resolved suggestions (suggestions_status_idx) into 20 bins. Behaviours
// range-scan users_created_live_idx over the judged cohort and read each user's first week and week 5 through
// events_user_time_idx, so the work is proportional to the cohort's early events, not to the events table
// (measured: 105k judged users, 4M events → 1.2 s).
//
// `now` is always a parameter (never SQL now()) and durations are exact second counts, so the results depend
// only on the data and `now`, whatever the session TimeZone.
import type { Knex } from 'knex';
import {
  analyzeBehaviours,
  behaviourCohortWindow,
  DEFAULT_COHORT_DAYS,
  EARLY_WINDOW_MS,
  RETAINED_WINDOW_END_MS,
  RETAINED_WINDOW_START_MS,
  type BehaviourAnalysis,
  type BehaviourCounts,
} from '../../engine/learning/behaviours';
import {
  analyzeSuggestions,
  FINE_BINS,
  type SuggestionAnalysis,
  type SuggestionAnalysisOptions,
  type SuggestionBin,
} from '../../engine/learning/suggestions';
import type { Queryable } from '../types';
import { rollupWatermark } from '../event-rollups';
import type { EventSource } from './kpis';

function assertNow(now: Date): void {
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw new RangeError('learning queries need a valid `now` Date');
}

async function rowsOf<T>(
  db: Queryable,
  sql: string,
  bindings: readonly Knex.RawBinding[] | Knex.ValueDict,
): Promise<T[]> {
  const { rows } = (await db.raw(sql, bindings)) as { rows: T[] };
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// Suggestion feedback
// ---------------------------------------------------------------------------------------------------

export interface SuggestionBinsResult {
  bins: SuggestionBin[];
  /** Resolved suggestions left out because their confidence is not in [0, 1] (or NaN). */
  invalidConfidence: number;
}

export interface SuggestionScope {
  /** Only suggestions shown at or after this time (e.g. the current model's rollout). */
  shownSince?: Date | null;
  modelVersion?: string | null;
}

/**
 * Resolved suggestions (applied = adopted, dismissed) aggregated into the 20 fine bins of
 * engine/learning/suggestions.ts. Only what was resolved before `now` counts, so a cycle recomputed
 * with the same `now` sees the same numbers; a resolved row without resolved_at counts when shown before now.
 */
export async function querySuggestionBins(
  db: Queryable,
  now: Date,
  scope: SuggestionScope = {},
): Promise<SuggestionBinsResult> {
  assertNow(now);
  const rows = await rowsOf<{
    bin: number | null;
    n: number;
    applied: number;
    sum_conf: number;
    sum_conf_applied: number;
    sum_sq: number;
    ssd_applied: number;
    ssd_dismissed: number;
  }>(
    db,
    `WITH resolved AS (
       SELECT s.confidence, (s.status = 'applied')::int AS y,
              s.confidence >= 0 AND s.confidence <= 1 AS valid   -- false for NaN too: NaN sorts above every number
         FROM app.suggestions s
        WHERE s.status IN ('applied', 'dismissed')
          AND s.shown_at < ?::timestamptz
          AND (s.resolved_at IS NULL OR s.resolved_at < ?::timestamptz)
          AND (?::timestamptz IS NULL OR s.shown_at >= ?::timestamptz)
          AND (?::text IS NULL OR s.model_version = ?::text)
     )
     SELECT CASE WHEN valid THEN least(floor(confidence * ${FINE_BINS}), ${FINE_BINS - 1})::int END AS bin,
            count(*)::int AS n,
            coalesce(sum(y), 0)::int AS applied,
            coalesce(sum(confidence) FILTER (WHERE valid), 0)::float8 AS sum_conf,
            coalesce(sum(confidence) FILTER (WHERE valid AND y = 1), 0)::float8 AS sum_conf_applied,
            coalesce(sum((confidence - y) ^ 2) FILTER (WHERE valid), 0)::float8 AS sum_sq,
            -- centred sums of squares per group: var_samp is computed stably, unlike Σp² − n·mean²
            coalesce(var_samp(confidence) FILTER (WHERE valid AND y = 1) * (count(*) FILTER (WHERE valid AND y = 1) - 1), 0)::float8 AS ssd_applied,
            coalesce(var_samp(confidence) FILTER (WHERE valid AND y = 0) * (count(*) FILTER (WHERE valid AND y = 0) - 1), 0)::float8 AS ssd_dismissed
       FROM resolved
      GROUP BY 1
      ORDER BY 1`,
    [
      now,
      now,
      scope.shownSince ?? null,
      scope.shownSince ?? null,
      scope.modelVersion ?? null,
      scope.modelVersion ?? null,
    ],
  );
  const bins: SuggestionBin[] = [];
  let invalidConfidence = 0;
  for (const r of rows) {
    if (r.bin == null) invalidConfidence += Number(r.n);
    else
      bins.push({
        bin: Number(r.bin),
        n: Number(r.n),
        applied: Number(r.applied),
        sumConfidence: Number(r.sum_conf),
        sumConfidenceApplied: Number(r.sum_conf_applied),
        sumSquaredError: Number(r.sum_sq),
        sumSquaredDeviationApplied: Number(r.ssd_applied),
        sumSquaredDeviationDismissed: Number(r.ssd_dismissed),
      });
  }
  return { bins, invalidConfidence };
}

/** querySuggestionBins + analyzeSuggestions: the suggestion-feedback learning of one cycle. */
export async function suggestionFeedback(
  db: Queryable,
  now: Date,
  opts: SuggestionAnalysisOptions & SuggestionScope = {},
): Promise<
  SuggestionAnalysis & {
    invalidConfidence: number;
    scope: { shownSince: string | null; modelVersion: string | null; until: string };
  }
> {
  const { bins, invalidConfidence } = await querySuggestionBins(db, now, opts);
  return {
    ...analyzeSuggestions(bins, opts),
    invalidConfidence,
    scope: {
      shownSince: opts.shownSince?.toISOString() ?? null,
      modelVersion: opts.modelVersion ?? null,
      until: now.toISOString(),
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// High-performing users
// ---------------------------------------------------------------------------------------------------

/**
 * Judged users (live, created in the cohort window of engine/learning/behaviours.ts), how many were
 * retained, and per event name how many did it in their first week and how many of those were retained.
 */
export async function queryBehaviourCounts(
  db: Queryable,
  now: Date,
  opts: { cohortDays?: number } = {},
): Promise<BehaviourCounts> {
  assertNow(now);
  const w = behaviourCohortWindow(now, opts.cohortDays ?? DEFAULT_COHORT_DAYS);
  const rows = await rowsOf<{ name: string | null; did: number; did_retained: number }>(
    db,
    `WITH cohort AS MATERIALIZED (
       SELECT u.id, u.created_at,
              EXISTS (SELECT 1 FROM app.events e
                       WHERE e.user_id = u.id
                         AND e.occurred_at >= u.created_at + make_interval(secs => ?::float8)
                         AND e.occurred_at <  u.created_at + make_interval(secs => ?::float8)
                         -- Implied by the cohort's bounds, but constant: the planner prunes app.events to these months.
                         AND e.occurred_at >= ?::timestamptz AND e.occurred_at < ?::timestamptz) AS retained
         FROM app.users u
        WHERE u.deleted_at IS NULL AND u.created_at >= ?::timestamptz AND u.created_at < ?::timestamptz
     ),
     -- LATERAL keeps this a per-user range probe of events_user_time_idx (the user's first week only);
     -- a plain join lets the planner hash-join a full scan of app.events once the cohort is large.
     early AS (
       SELECT c.retained, x.name
         FROM cohort c
         CROSS JOIN LATERAL (
           SELECT DISTINCT e.name FROM app.events e
            WHERE e.user_id = c.id
              AND e.occurred_at >= c.created_at
              AND e.occurred_at <  c.created_at + make_interval(secs => ?::float8)
              AND e.occurred_at >= ?::timestamptz AND e.occurred_at < ?::timestamptz) x
     )
     SELECT name, count(*)::int AS did, count(*) FILTER (WHERE retained)::int AS did_retained FROM early GROUP BY name
     UNION ALL
     -- The totals ride along as the row with a null name (event names are NOT NULL).
     SELECT NULL, count(*)::int, count(*) FILTER (WHERE retained)::int FROM cohort`,
    [
      RETAINED_WINDOW_START_MS / 1000,
      RETAINED_WINDOW_END_MS / 1000,
      new Date(w.start.getTime() + RETAINED_WINDOW_START_MS),
      new Date(w.end.getTime() + RETAINED_WINDOW_END_MS),
      w.start,
      w.end,
      EARLY_WINDOW_MS / 1000,
      w.start,
      new Date(w.end.getTime() + EARLY_WINDOW_MS),
    ],
  );
  return behaviourCountsOf(rows);
}

/**
 * queryBehaviourCounts from the rollups: each judged user's folded week-5 return and first-week names
 * (engine.event_user_facts), merged with their raw rows at or after the watermark. Equal to the raw query
 * (test/integration/event-rollups.test.ts).
 */
export async function queryBehaviourCountsFromRollups(
  db: Queryable,
  now: Date,
  watermark: Date,
  opts: { cohortDays?: number } = {},
): Promise<BehaviourCounts> {
  assertNow(now);
  const w = behaviourCohortWindow(now, opts.cohortDays ?? DEFAULT_COHORT_DAYS);
  const rows = await rowsOf<{ name: string | null; did: number; did_retained: number }>(
    db,
    `WITH cohort AS MATERIALIZED (
       SELECT u.id, u.created_at FROM app.users u
        WHERE u.deleted_at IS NULL AND u.created_at >= :start AND u.created_at < :end
     ),
     delta AS MATERIALIZED (
       SELECT e.user_id,
              bool_or(e.occurred_at >= c.created_at + make_interval(secs => :retStart::float8)
                      AND e.occurred_at < c.created_at + make_interval(secs => :retEnd::float8)) AS retained,
              coalesce(array_agg(DISTINCT e.name) FILTER (
                WHERE e.occurred_at >= c.created_at AND e.occurred_at < c.created_at + make_interval(secs => :early::float8)),
                '{}') AS names
         FROM app.events e
         JOIN cohort c ON c.id = e.user_id
        WHERE e.occurred_at >= :watermark AND e.occurred_at >= :start AND e.occurred_at < :eventsTo
        GROUP BY e.user_id
     ),
     judged AS MATERIALIZED (
       SELECT f.retained_first_at IS NOT NULL OR coalesce(d.retained, false) AS retained,
              coalesce(f.first_week_names, '{}') || coalesce(d.names, '{}') AS names
         FROM cohort c
         LEFT JOIN engine.event_user_facts f ON f.user_id = c.id
         LEFT JOIN delta d ON d.user_id = c.id
     ),
     early AS (
       SELECT j.retained, x.name FROM judged j CROSS JOIN LATERAL (SELECT DISTINCT n AS name FROM unnest(j.names) n) x
     )
     SELECT name, count(*)::int AS did, count(*) FILTER (WHERE retained)::int AS did_retained FROM early GROUP BY name
     UNION ALL
     SELECT NULL, count(*)::int, count(*) FILTER (WHERE retained)::int FROM judged`,
    {
      start: w.start,
      end: w.end,
      watermark,
      eventsTo: new Date(w.end.getTime() + RETAINED_WINDOW_END_MS),
      retStart: RETAINED_WINDOW_START_MS / 1000,
      retEnd: RETAINED_WINDOW_END_MS / 1000,
      early: EARLY_WINDOW_MS / 1000,
    },
  );
  return behaviourCountsOf(rows);
}

function behaviourCountsOf(rows: Array<{ name: string | null; did: number; did_retained: number }>): BehaviourCounts {
  const totals = rows.find((r) => r.name == null);
  return {
    users: Number(totals?.did ?? 0),
    retained: Number(totals?.did_retained ?? 0),
    events: rows
      .filter((r): r is typeof r & { name: string } => r.name != null)
      .map((r) => ({ name: r.name, did: Number(r.did), didRetained: Number(r.did_retained) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/** The learn phase's behaviour analysis: from the rollups plus newer rows when they exist, else from app.events. */
export async function highPerformerBehaviours(
  db: Queryable,
  now: Date,
  opts: { cohortDays?: number; minSample?: number; top?: number; source?: EventSource } = {},
): Promise<BehaviourAnalysis & { cohort: { start: string; end: string } }> {
  const watermark = opts.source === 'events' ? null : await rollupWatermark(db);
  const counts = watermark
    ? await queryBehaviourCountsFromRollups(db, now, watermark, opts)
    : await queryBehaviourCounts(db, now, opts);
  const w = behaviourCohortWindow(now, opts.cohortDays ?? DEFAULT_COHORT_DAYS);
  return { ...analyzeBehaviours(counts, opts), cohort: { start: w.start.toISOString(), end: w.end.toISOString() } };
}
