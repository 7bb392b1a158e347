// The learn phase's outcome statement (one statement, hence one transaction): judges every due action
// under its type's rule and adds the outcomes to the posteriors. The success CASE is generated from the
// rules in engine/learning/outcomes.ts: each type's signal picks its fragment here, so the types and
// their signals are declared once, in the engine, and a signal without a fragment does not compile.
import { PAID_SUBSCRIPTION_STATUSES, type SuccessSignal } from '../../engine/learning/outcomes';

const PAID = PAID_SUBSCRIPTION_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * The SQL of each success signal over a due action `d` (target_num, executed_at, win) with its target
 * payment `pay` and user `u` joined; mirrors isOutcomeSuccess().
 */
const SIGNAL_SQL: Record<SuccessSignal, (d: string, pay: string, u: string) => string> = {
  payment_succeeded: (_d, pay) => `${pay}.status IS NOT DISTINCT FROM 'succeeded'`,
  activated_in_window: (d, _pay, u) =>
    `coalesce(${u}.activated_at >= ${d}.executed_at AND ${u}.activated_at <= ${d}.executed_at + ${d}.win, false)`,
  event_in_window: (d) => `EXISTS (
                 SELECT 1 FROM app.events e
                  WHERE e.user_id = ${d}.target_num AND e.occurred_at >= ${d}.executed_at AND e.occurred_at <= ${d}.executed_at + ${d}.win)`,
  higher_paid_plan_in_window: (d) => `EXISTS (
                 SELECT 1 FROM app.subscriptions s
                  WHERE s.user_id = ${d}.target_num
                    AND s.started_at >= ${d}.executed_at AND s.started_at <= ${d}.executed_at + ${d}.win
                    AND s.status IN (${PAID})
                    AND s.mrr_cents > coalesce((
                          SELECT max(s0.mrr_cents) FROM app.subscriptions s0
                           WHERE s0.user_id = ${d}.target_num AND s0.started_at < ${d}.executed_at
                             AND s0.status IN (${PAID})
                             AND (s0.canceled_at IS NULL OR s0.canceled_at > ${d}.executed_at)), 0))`,
};

function successCase(d: string, pay: string, u: string): string {
  const branches = Object.entries(SIGNAL_SQL).map(([signal, sql]) => `WHEN '${signal}' THEN ${sql(d, pay, u)}`);
  return `CASE ${d}.signal\n               ${branches.join('\n               ')}\n             END AS succeeded`;
}

/**
 * Bindings: now (timestamptz), the pending-payment grace (seconds), the rules as JSON
 * ([{ type, target_type, signal, window_s }]).
 */
export const MEASURE_OUTCOMES_SQL = `
    WITH params AS (
      SELECT ?::timestamptz AS now, make_interval(secs => ?::float8) AS pending_grace
    ),
    rules AS (
      SELECT * FROM jsonb_to_recordset(?::jsonb) AS r(type text, target_type text, signal text, window_s float8)
    ),
    due AS (
      SELECT a.id, a.type, a.target_type, a.executed_at, a.outcome_due_at, a.dry_run,
             r.type IS NOT NULL AS measurable, r.target_type AS rule_target_type,
             r.signal, make_interval(secs => coalesce(r.window_s, 0)) AS win,
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
               WHEN d.signal = 'payment_succeeded' AND pay.status = 'pending' AND p.now < d.outcome_due_at + p.pending_grace THEN 'payment_pending'
             END AS skip_reason,
             ${successCase('d', 'pay', 'u')}
        FROM due d
        CROSS JOIN params p
        LEFT JOIN app.payments pay ON d.signal = 'payment_succeeded' AND pay.id = d.target_num
        LEFT JOIN app.users u ON d.signal = 'activated_in_window' AND u.id = d.target_num
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
