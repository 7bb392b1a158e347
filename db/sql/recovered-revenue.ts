// The recovered-revenue statement (engine/learning/recovered-revenue.ts defines the figures): one row
// per failed charge a live cycle admitted a retry for, then the arms' sums for the whole window, per
// month and per decline code in one pass (GROUPING SETS). A charge's month, decline code and arm come
// from its first admitted retry decision; it is retried when an attempt reached the gateway, recovered
// when the payment is now paid or a measured retry outcome says it settled (the gateway's answer can
// precede the platform's sync).
import { ADMITTED_STATUSES } from '../repos/actions';

// Admitted in a live cycle: a dry run's decisions never touch a charge, so they are neither arm.
const LIVE_ADMITTED = [...ADMITTED_STATUSES.filter((s) => s !== 'dry_run'), 'holdout'].map((s) => `'${s}'`).join(', ');

/** Bindings: window start (timestamptz, included), window end (timestamptz, excluded). */
export const RECOVERED_REVENUE_SQL = `
    WITH decided AS (
      SELECT a.id, a.target_id AS payment_id, a.status, a.outcome, a.params,
             coalesce(a.executed_at, a.created_at) AS decided_at
        FROM engine.actions a
       WHERE a.type = 'retry_payment' AND a.target_type = 'payment' AND NOT a.dry_run
         AND a.status IN (${LIVE_ADMITTED})
    ),
    -- One pass over the decisions, grouped per charge: the first decision's arm, time, code and amount.
    charges AS (
      SELECT d.payment_id,
             (array_agg(d.status = 'holdout' ORDER BY d.decided_at, d.id))[1] AS held_out,
             min(d.decided_at) AS first_at,
             (array_agg(d.params->>'failureCode' ORDER BY d.decided_at, d.id))[1] AS first_code,
             (array_agg(d.params->>'amountCents' ORDER BY d.decided_at, d.id))[1] AS first_amount,
             bool_or(d.status = 'executed') AS retried,
             bool_or(d.outcome = 'success') AS settled
        FROM decided d
       GROUP BY d.payment_id
    ),
    per_charge AS (
      SELECT c.held_out, c.retried,
             coalesce(nullif(lower(trim(c.first_code)), ''), 'unknown') AS decline_code,
             to_char(c.first_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month,
             coalesce(pay.amount_cents,
                      CASE WHEN c.first_amount ~ '^[0-9]{1,12}$' THEN c.first_amount::bigint END, 0)::float8 AS amount,
             coalesce(pay.status = 'succeeded', false) OR c.settled AS recovered
        FROM charges c
        -- CASE guards the cast: a non-numeric target id never reaches ::bigint.
        LEFT JOIN app.payments pay ON pay.id = CASE WHEN c.payment_id ~ '^[0-9]{1,18}$' THEN c.payment_id::bigint END
       WHERE c.first_at >= ?::timestamptz AND c.first_at < ?::timestamptz
    )
    SELECT CASE WHEN GROUPING(month) = 0 THEN 'month'
                WHEN GROUPING(decline_code) = 0 THEN 'decline_code'
                ELSE 'total' END AS dimension,
           coalesce(month, decline_code) AS key,
           held_out,
           count(*)::int AS charges,
           sum(amount) AS amount,
           count(*) FILTER (WHERE retried)::int AS retried,
           coalesce(sum(amount) FILTER (WHERE retried), 0) AS retried_amount,
           count(*) FILTER (WHERE recovered)::int AS recovered,
           coalesce(sum(amount) FILTER (WHERE recovered), 0) AS recovered_amount,
           sum(amount * amount) AS sum_sq_amount,
           coalesce(sum(amount * amount) FILTER (WHERE recovered), 0) AS sum_sq_recovered_amount
      FROM per_charge
     GROUP BY GROUPING SETS ((held_out), (held_out, month), (held_out, decline_code))
`;
