// The learn and verify phases' SQL (docs/learning.md, docs/architecture.md verify): outcomes of executed actions and the
// per-type success posteriors, suggestion feedback by confidence, early behaviours of retained users, and
// the executed actions of a cycle with their gate decisions. The rules are documented in engine/learning
// and engine/verify; this file implements them set-based, so no table is ever fetched row by row.
//
// Scale (1M users, 20M events): outcomes start from the partial index actions_outcome_due_idx and probe each
// due action's target through primary keys, events_user_time_idx and subscriptions_user_idx. Suggestion
// feedback is one aggregate over the resolved suggestions (suggestions_status_idx) into 20 bins. Behaviours
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
import { OUTCOME_RULES, PENDING_PAYMENT_GRACE_MS, priorOf } from '../../engine/learning/outcomes';
import {
  analyzeSuggestions,
  FINE_BINS,
  type SuggestionAnalysis,
  type SuggestionAnalysisOptions,
  type SuggestionBin,
} from '../../engine/learning/suggestions';
import type { BetaPosterior } from '../../engine/stats/beta';
import type { ExecutedActionCheck } from '../../engine/verify/alignment';
import type { GateOutcome } from '../../engine/types';
import { inTransaction, type Queryable } from '../types';

function assertNow(now: Date): void {
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw new RangeError('learning queries need a valid `now` Date');
}

async function rowsOf<T>(db: Queryable, sql: string, bindings: readonly Knex.RawBinding[]): Promise<T[]> {
  const { rows } = (await db.raw(sql, bindings)) as { rows: T[] };
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// Action effectiveness
// ---------------------------------------------------------------------------------------------------

export type OutcomeSkipReason =
  'not_measurable' | 'target_mismatch' | 'window_open' | 'payment_pending' | 'no_executed_at' | 'dry_run';

export interface TypeOutcomes {
  success: number;
  failure: number;
  /** The type's posterior before and after these outcomes (engine.action_stats). */
  prior: BetaPosterior;
  posterior: BetaPosterior;
  /** Outcomes of held-out (control) actions measured in the same call; they never touch the posterior. */
  holdout?: { success: number; failure: number };
}

export interface MeasureOutcomesResult {
  /** Actions whose outcome this call recorded. */
  measured: number;
  byType: Record<string, TypeOutcomes>;
  /** Due actions left unmeasured, per type and reason (e.g. types with no success signal: not_measurable). */
  skipped: Record<string, Partial<Record<OutcomeSkipReason, number>>>;
}

const RULES_JSON = JSON.stringify(
  Object.entries(OUTCOME_RULES).map(([type, r]) => ({ type, target_type: r.targetType, window_s: r.windowMs / 1000 })),
);

/**
 * Measures every executed action whose outcome is due (outcome_due_at ≤ now, outcome null) under the rules
 * of engine/learning/outcomes.ts, and adds the outcomes to each type's Beta posterior — in one statement,
 * hence one transaction: the UPDATE only touches rows whose outcome is still null (re-checked under the
 * row lock, so two concurrent calls cannot both count an action) and the posterior upsert adds exactly
 * what that UPDATE returned. Calling it again measures nothing new: idempotent under retry.
 */
export async function measureOutcomes(db: Queryable, now: Date): Promise<MeasureOutcomesResult> {
  assertNow(now);
  const sql = `
    WITH params AS (
      SELECT ?::timestamptz AS now, make_interval(secs => ?::float8) AS pending_grace
    ),
    rules AS (
      SELECT * FROM jsonb_to_recordset(?::jsonb) AS r(type text, target_type text, window_s float8)
    ),
    due AS (
      SELECT a.id, a.type, a.target_type, a.executed_at, a.outcome_due_at, a.dry_run,
             r.type IS NOT NULL AS measurable, r.target_type AS rule_target_type,
             make_interval(secs => coalesce(r.window_s, 0)) AS win,
             -- CASE guards the cast: a non-numeric target id never reaches ::bigint.
             CASE WHEN a.target_id ~ '^[0-9]{1,18}$' THEN a.target_id::bigint END AS target_num
        FROM engine.actions a
        CROSS JOIN params p
        LEFT JOIN rules r ON r.type = a.type
       WHERE a.status IN ('executed', 'holdout') AND a.outcome IS NULL AND a.outcome_due_at <= p.now
    ),
    judged AS (
      SELECT d.id, d.type,
             CASE
               WHEN NOT d.measurable THEN 'not_measurable'
               WHEN d.dry_run THEN 'dry_run'
               WHEN d.executed_at IS NULL THEN 'no_executed_at'
               WHEN d.target_type <> d.rule_target_type OR d.target_num IS NULL THEN 'target_mismatch'
               WHEN d.executed_at + d.win > p.now THEN 'window_open'
               WHEN d.type = 'retry_payment' AND pay.status = 'pending' AND p.now < d.outcome_due_at + p.pending_grace THEN 'payment_pending'
             END AS skip_reason,
             CASE d.type
               WHEN 'retry_payment' THEN pay.status IS NOT DISTINCT FROM 'succeeded'
               WHEN 'onboarding_nudge' THEN coalesce(u.activated_at >= d.executed_at AND u.activated_at <= d.executed_at + d.win, false)
               WHEN 'retention_campaign' THEN EXISTS (
                 SELECT 1 FROM app.events e
                  WHERE e.user_id = d.target_num AND e.occurred_at >= d.executed_at AND e.occurred_at <= d.executed_at + d.win)
               WHEN 'proactive_retention' THEN EXISTS (
                 SELECT 1 FROM app.events e
                  WHERE e.user_id = d.target_num AND e.occurred_at >= d.executed_at AND e.occurred_at <= d.executed_at + d.win)
               WHEN 'upgrade_offer' THEN EXISTS (
                 SELECT 1 FROM app.subscriptions s
                  WHERE s.user_id = d.target_num
                    AND s.started_at >= d.executed_at AND s.started_at <= d.executed_at + d.win
                    AND s.status IN ('active', 'past_due', 'canceled')
                    AND s.mrr_cents > coalesce((
                          SELECT max(s0.mrr_cents) FROM app.subscriptions s0
                           WHERE s0.user_id = d.target_num AND s0.started_at < d.executed_at
                             AND s0.status IN ('active', 'past_due', 'canceled')
                             AND (s0.canceled_at IS NULL OR s0.canceled_at > d.executed_at)), 0))
             END AS succeeded
        FROM due d
        CROSS JOIN params p
        LEFT JOIN app.payments pay ON d.type = 'retry_payment' AND pay.id = d.target_num
        LEFT JOIN app.users u ON d.type = 'onboarding_nudge' AND u.id = d.target_num
    ),
    updated AS (
      UPDATE engine.actions a
         SET outcome = CASE WHEN j.succeeded THEN 'success' ELSE 'failure' END,
             outcome_measured_at = (SELECT now FROM params)
        FROM judged j
       WHERE a.id = j.id AND j.skip_reason IS NULL AND a.outcome IS NULL AND a.status IN ('executed', 'holdout')
      RETURNING a.type, a.outcome, a.status, a.segment
    ),
    -- Treated outcomes per (type, segment): the segment posteriors the gates use once they have enough.
    segment_stats AS (
      INSERT INTO engine.action_segment_stats AS ss (action_type, segment, successes, failures, updated_at)
      SELECT type, segment, count(*) FILTER (WHERE outcome = 'success')::int, count(*) FILTER (WHERE outcome = 'failure')::int, now()
        FROM updated WHERE status = 'executed' AND segment IS NOT NULL GROUP BY type, segment
      ON CONFLICT (action_type, segment) DO UPDATE SET
        successes = ss.successes + excluded.successes,
        failures = ss.failures + excluded.failures,
        updated_at = excluded.updated_at
      RETURNING 1
    ),
    -- Treated outcomes feed the success posterior; held-out ones only the control group's counts.
    tally AS (
      SELECT type,
             count(*) FILTER (WHERE outcome = 'success' AND status = 'executed')::int AS successes,
             count(*) FILTER (WHERE outcome = 'failure' AND status = 'executed')::int AS failures,
             count(*) FILTER (WHERE outcome = 'success' AND status = 'holdout')::int AS h_successes,
             count(*) FILTER (WHERE outcome = 'failure' AND status = 'holdout')::int AS h_failures
        FROM updated GROUP BY type
    ),
    stats AS (
      INSERT INTO engine.action_stats AS st (action_type, alpha, beta, successes, failures, holdout_successes, holdout_failures, updated_at)
      SELECT type, 1 + successes, 1 + failures, successes, failures, h_successes, h_failures, now() FROM tally
      ON CONFLICT (action_type) DO UPDATE SET
        alpha = st.alpha + excluded.successes,
        beta = st.beta + excluded.failures,
        successes = st.successes + excluded.successes,
        failures = st.failures + excluded.failures,
        holdout_successes = st.holdout_successes + excluded.holdout_successes,
        holdout_failures = st.holdout_failures + excluded.holdout_failures,
        updated_at = excluded.updated_at
      RETURNING st.action_type, st.alpha, st.beta
    )
    -- (segment_stats runs although unreferenced: PostgreSQL always completes data-modifying WITH parts.)
    SELECT 'measured' AS row_kind, t.type, NULL::text AS reason, t.successes, t.failures, t.h_successes, t.h_failures, s.alpha, s.beta, NULL::int AS n
      FROM tally t JOIN stats s ON s.action_type = t.type
    UNION ALL
    SELECT 'skipped', j.type, j.skip_reason, NULL, NULL, NULL, NULL, NULL, NULL, count(*)::int
      FROM judged j WHERE j.skip_reason IS NOT NULL GROUP BY j.type, j.skip_reason`;

  return inTransaction(db, async (trx) => {
    // Serializes concurrent learn phases: the row re-check already prevents double counting, the lock
    // also keeps two statements from locking the same actions and stats rows in different orders.
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('engine.actions:measure_outcomes'))`);
    // Fresh statistics first: actions are inserted in bursts between autovacuum runs, and with stale
    // counts the planner joins the UPDATE to the due set by nested loop, quadratic in due actions
    // (2,500 due: 2.4 s before, 0.15 s after). ANALYZE samples the table; it is cheap next to that.
    await trx.raw('ANALYZE engine.actions');
    const rows = await rowsOf<{
      row_kind: 'measured' | 'skipped';
      type: string;
      reason: OutcomeSkipReason | null;
      successes: number | null;
      failures: number | null;
      h_successes: number | null;
      h_failures: number | null;
      alpha: number | null;
      beta: number | null;
      n: number | null;
    }>(trx, sql, [now, PENDING_PAYMENT_GRACE_MS / 1000, RULES_JSON]);
    const result: MeasureOutcomesResult = { measured: 0, byType: {}, skipped: {} };
    for (const r of rows) {
      if (r.row_kind === 'measured') {
        const tally = { success: Number(r.successes), failure: Number(r.failures) };
        const holdout = { success: Number(r.h_successes), failure: Number(r.h_failures) };
        const posterior = { alpha: Number(r.alpha), beta: Number(r.beta) };
        result.byType[r.type] = { ...tally, prior: priorOf(posterior, tally), posterior, holdout };
        result.measured += tally.success + tally.failure + holdout.success + holdout.failure;
      } else {
        const s = (result.skipped[r.type] ??= {});
        s[r.reason!] = Number(r.n);
      }
    }
    return result;
  });
}

/**
 * The outcomes recorded with outcome_measured_at = `at` (a learn phase's `now`), per type: what a
 * measureOutcomes call at that `now` recorded, also after a retry that measured nothing new.
 */
export async function outcomesMeasuredAt(
  db: Queryable,
  at: Date,
): Promise<Record<string, { success: number; failure: number; holdout: { success: number; failure: number } }>> {
  assertNow(at);
  const rows = await rowsOf<{ type: string; success: number; failure: number; h_success: number; h_failure: number }>(
    db,
    `SELECT type,
            count(*) FILTER (WHERE outcome = 'success' AND status = 'executed')::int AS success,
            count(*) FILTER (WHERE outcome = 'failure' AND status = 'executed')::int AS failure,
            count(*) FILTER (WHERE outcome = 'success' AND status = 'holdout')::int AS h_success,
            count(*) FILTER (WHERE outcome = 'failure' AND status = 'holdout')::int AS h_failure
       FROM engine.actions WHERE outcome_measured_at = ?::timestamptz AND outcome IS NOT NULL GROUP BY type ORDER BY type`,
    [at],
  );
  return Object.fromEntries(
    rows.map((r) => [
      r.type,
      {
        success: Number(r.success),
        failure: Number(r.failure),
        holdout: { success: Number(r.h_success), failure: Number(r.h_failure) },
      },
    ]),
  );
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
    sum_conf2: number;
    sum_conf2_applied: number;
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
            coalesce(sum(confidence ^ 2) FILTER (WHERE valid), 0)::float8 AS sum_conf2,
            coalesce(sum(confidence ^ 2) FILTER (WHERE valid AND y = 1), 0)::float8 AS sum_conf2_applied
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
        sumSquaredConfidence: Number(r.sum_conf2),
        sumSquaredConfidenceApplied: Number(r.sum_conf2_applied),
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
                         AND e.occurred_at <  u.created_at + make_interval(secs => ?::float8)) AS retained
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
              AND e.occurred_at <  c.created_at + make_interval(secs => ?::float8)) x
     )
     SELECT name, count(*)::int AS did, count(*) FILTER (WHERE retained)::int AS did_retained FROM early GROUP BY name
     UNION ALL
     -- The totals ride along as the row with a null name (event names are NOT NULL).
     SELECT NULL, count(*)::int, count(*) FILTER (WHERE retained)::int FROM cohort`,
    [RETAINED_WINDOW_START_MS / 1000, RETAINED_WINDOW_END_MS / 1000, w.start, w.end, EARLY_WINDOW_MS / 1000],
  );
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

export async function highPerformerBehaviours(
  db: Queryable,
  now: Date,
  opts: { cohortDays?: number; minSample?: number; top?: number } = {},
): Promise<BehaviourAnalysis & { cohort: { start: string; end: string } }> {
  const counts = await queryBehaviourCounts(db, now, opts);
  const w = behaviourCohortWindow(now, opts.cohortDays ?? DEFAULT_COHORT_DAYS);
  return { ...analyzeBehaviours(counts, opts), cohort: { start: w.start.toISOString(), end: w.end.toISOString() } };
}

// ---------------------------------------------------------------------------------------------------
// Verify inputs
// ---------------------------------------------------------------------------------------------------

/**
 * The actions of a cycle that executed or attempted an effect (status executed or failed, or an
 * executed_at), each with its gate decisions, its approval and the dry-run flags verify checks.
 */
export async function queryCycleExecutions(db: Queryable, cycleId: string): Promise<ExecutedActionCheck[]> {
  const rows = await rowsOf<{
    id: string;
    type: string;
    status: string;
    dry_run: boolean;
    cycle_dry_run: boolean;
    gates: GateOutcome[];
    approval_status: string | null;
    decided_by: string | null;
  }>(
    db,
    `SELECT a.id, a.type, a.status, a.dry_run, c.dry_run AS cycle_dry_run,
            coalesce((SELECT json_agg(json_build_object('gate', g.gate, 'passed', g.passed, 'reason', g.reason, 'details', g.details) ORDER BY g.id)
                        FROM engine.gate_decisions g WHERE g.action_id = a.id), '[]'::json) AS gates,
            ap.status AS approval_status, ap.decided_by
       FROM engine.actions a
       JOIN engine.cycles c ON c.id = a.cycle_id
       LEFT JOIN engine.approvals ap ON ap.action_id = a.id
      -- A held-out action carries executed_at (when it would have run) but never ran: not an execution.
      WHERE a.cycle_id = ? AND (a.status IN ('executed', 'failed') OR (a.executed_at IS NOT NULL AND a.status <> 'holdout'))
      ORDER BY a.id`,
    [cycleId],
  );
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    // An executed_at with another status (e.g. a later manual change) still counts as an execution.
    status: r.status === 'executed' || r.status === 'failed' ? r.status : 'executed',
    dryRun: r.dry_run,
    cycleDryRun: r.cycle_dry_run,
    gates: r.gates,
    approval: r.approval_status == null ? null : { status: r.approval_status, decidedBy: r.decided_by },
  }));
}
