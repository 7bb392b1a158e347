// The guardrail measurement (engine/guardrails, docs/safety.md#guardrails), one set-based statement: for each
// message type, its live treated (executed) and held-out actions whose outcome window has closed by `now`,
// and per guardrail metric how many of them had the bad event in [executed_at, executed_at + window]
// (and how many users and events that is). Only closed windows are counted, so every action is observed
// for the same time and a later look only adds actions: the growing sample the sequential test expects.
import {
  GUARDRAIL_METRICS,
  GUARDRAIL_TYPES,
  guardrailWindowMs,
  type GuardrailMetric,
} from '../../engine/guardrails/metrics';
import type { GuardrailArm } from '../../engine/guardrails/verdict';
import { PAID_SUBSCRIPTION_STATUSES } from '../../engine/learning/outcomes';
import type { Queryable } from '../types';

const PAID = PAID_SUBSCRIPTION_STATUSES.map((s) => `'${s}'`).join(', ');

const SQL = `
    WITH params AS (SELECT ?::timestamptz AS now),
    rules AS (SELECT * FROM jsonb_to_recordset(?::jsonb) AS r(type text, window_s float8, since timestamptz)),
    acts AS (
      SELECT a.type, a.status = 'holdout' AS held_out, a.target_id::bigint AS user_id, a.executed_at,
             a.executed_at + make_interval(secs => r.window_s) AS until
        FROM engine.actions a
        JOIN rules r ON r.type = a.type
        CROSS JOIN params p
       WHERE a.dry_run = false AND a.status IN ('executed', 'holdout') AND a.target_type = 'user'
         AND a.executed_at IS NOT NULL AND a.executed_at + make_interval(secs => r.window_s) <= p.now
         AND (r.since IS NULL OR a.executed_at >= r.since)
         -- A non-numeric target id never reaches ::bigint (the planner path always writes a user id).
         AND a.target_id ~ '^[0-9]{1,18}$'
    ),
    measured AS (
      SELECT x.type, x.held_out, x.user_id, m.metric, m.events
        FROM acts x
        LEFT JOIN app.users u ON u.id = x.user_id
        -- One suppression per address (its primary key): matched by the user's id or current address.
        CROSS JOIN LATERAL (
          SELECT count(*) FILTER (WHERE s.reason = 'unsubscribe')::int AS unsubscribe,
                 count(*) FILTER (WHERE s.reason = 'complaint')::int AS complaint
            FROM engine.suppressions s
           WHERE (s.user_id = x.user_id OR s.address = lower(btrim(u.email)))
             AND s.created_at >= x.executed_at AND s.created_at <= x.until
        ) sup
        CROSS JOIN LATERAL (
          SELECT count(*) FILTER (WHERE s.canceled_at >= x.executed_at AND s.canceled_at <= x.until)::int AS churn,
                 count(*) FILTER (
                   WHERE s.started_at >= x.executed_at AND s.started_at <= x.until
                     AND s.status IN (${PAID}) AND s.mrr_cents > 0
                     AND s.mrr_cents < (
                           SELECT max(s0.mrr_cents) FROM app.subscriptions s0
                            WHERE s0.user_id = x.user_id AND s0.started_at < x.executed_at
                              AND s0.status IN (${PAID})
                              AND (s0.canceled_at IS NULL OR s0.canceled_at > x.executed_at)))::int AS downgrade
            FROM app.subscriptions s
           WHERE s.user_id = x.user_id
        ) sub
        CROSS JOIN LATERAL (
          VALUES ('unsubscribe', sup.unsubscribe), ('complaint', sup.complaint),
                 ('churn', sub.churn), ('downgrade', sub.downgrade)
        ) AS m(metric, events)
    )
    SELECT type, held_out, metric,
           count(*)::int AS actions,
           count(DISTINCT user_id)::int AS users,
           count(*) FILTER (WHERE events > 0)::int AS affected,
           coalesce(sum(events), 0)::int AS events
      FROM measured
     GROUP BY type, held_out, metric`;

export interface GuardrailCounts {
  treated: GuardrailArm;
  holdout: GuardrailArm;
}

const EMPTY: GuardrailArm = { actions: 0, users: 0, affected: 0, events: 0 };

/**
 * Per message type, per metric (every metric; the engine keeps the declared ones), the treated and holdout
 * counts; `since` per type (ISO) leaves out actions executed before its stream began.
 */
export async function guardrailCounts(
  db: Queryable,
  now: Date,
  since: ReadonlyMap<string, string | null> = new Map(),
): Promise<Map<string, Map<GuardrailMetric, GuardrailCounts>>> {
  const rules = GUARDRAIL_TYPES.map((type) => ({
    type,
    window_s: guardrailWindowMs(type) / 1000,
    since: since.get(type) ?? null,
  }));
  const { rows } = (await db.raw(SQL, [now, JSON.stringify(rules)])) as {
    rows: Array<{ type: string; held_out: boolean; metric: GuardrailMetric } & GuardrailArm>;
  };
  const out = new Map<string, Map<GuardrailMetric, GuardrailCounts>>();
  for (const type of GUARDRAIL_TYPES)
    out.set(type, new Map(GUARDRAIL_METRICS.map((m) => [m, { treated: { ...EMPTY }, holdout: { ...EMPTY } }])));
  for (const r of rows) {
    const arm: GuardrailArm = {
      actions: Number(r.actions),
      users: Number(r.users),
      affected: Number(r.affected),
      events: Number(r.events),
    };
    const c = out.get(r.type)?.get(r.metric);
    if (c) c[r.held_out ? 'holdout' : 'treated'] = arm;
  }
  return out;
}
