// engine.guardrail_results: the latest guardrail result per (message type, metric) (engine/guardrails) — the
// verdict, the counts behind it, the always-valid p-value (a running minimum over the looks, so the next
// look starts from it) and interval — and the action each type's results call for, which the campaign
// rollouts read to pause (minor breach) or cancel (major breach) the running campaigns of a type.
import {
  guardrailActionOf,
  type GuardrailAction,
  type GuardrailResult,
  type StoredStream,
} from '../../engine/guardrails/verdict';
import { iso, type Queryable } from '../types';

export interface GuardrailResultRecord extends GuardrailResult {
  action: GuardrailAction | null;
  looks: number;
  definitionVersion: number;
  /** Actions executed from here count (a changed definition starts a new stream); null = the whole history. */
  since: string | null;
  cycleId: string;
  evaluatedAt: string;
}

function toRecord(r: Record<string, any>): GuardrailResultRecord {
  const low = r.interval_low == null ? null : Number(r.interval_low);
  const high = r.interval_high == null ? null : Number(r.interval_high);
  return {
    type: r.action_type,
    metric: r.metric,
    severity: r.severity,
    margin: Number(r.margin),
    treated: r.treated,
    holdout: r.holdout,
    difference: r.difference == null ? null : Number(r.difference),
    pValue: Number(r.p_value),
    interval: low != null && high != null ? [low, high] : null,
    alpha: Number(r.alpha),
    verdict: r.verdict,
    reason: r.reason,
    action: r.action ?? null,
    looks: Number(r.looks),
    definitionVersion: Number(r.definition_version),
    since: iso(r.stream_since),
    cycleId: r.cycle_id,
    evaluatedAt: iso(r.evaluated_at)!,
  };
}

export async function listGuardrailResults(db: Queryable): Promise<GuardrailResultRecord[]> {
  return (await db('engine.guardrail_results').orderBy(['action_type', 'metric'])).map(toRecord);
}

/** Per type, the stored streams of its metrics: where the next look's running minimum starts. */
export async function storedGuardrailStreams(db: Queryable): Promise<Map<string, StoredStream[]>> {
  const rows = await db('engine.guardrail_results').select(
    'action_type',
    'metric',
    'p_value',
    'definition_version',
    'stream_since',
  );
  const out = new Map<string, StoredStream[]>();
  for (const r of rows)
    out.set(r.action_type, [
      ...(out.get(r.action_type) ?? []),
      {
        metric: r.metric,
        pValue: Number(r.p_value),
        definitionVersion: Number(r.definition_version),
        since: iso(r.stream_since),
      },
    ]);
  return out;
}

const actionOfVerdict = (v: GuardrailResult['verdict']): GuardrailAction | null =>
  v === 'breach_major' ? 'cancel_and_demote' : v === 'breach_minor' ? 'pause' : null;

/**
 * Stores this look's results (one row per type and metric, replaced). A repeated look of the same cycle (a
 * retried learn phase) rewrites the same row without counting a second look.
 */
export async function saveGuardrailResults(
  db: Queryable,
  cycleId: string,
  now: Date,
  results: ReadonlyArray<GuardrailResult & { definitionVersion: number; since: string | null }>,
): Promise<void> {
  if (!results.length) return;
  await db('engine.guardrail_results')
    .insert(
      results.map((r) => ({
        action_type: r.type,
        metric: r.metric,
        verdict: r.verdict,
        action: actionOfVerdict(r.verdict),
        severity: r.severity,
        margin: r.margin,
        treated: JSON.stringify(r.treated),
        holdout: JSON.stringify(r.holdout),
        difference: r.difference,
        p_value: r.pValue,
        interval_low: r.interval?.[0] ?? null,
        interval_high: r.interval?.[1] ?? null,
        alpha: r.alpha,
        reason: r.reason,
        looks: 1,
        definition_version: r.definitionVersion,
        stream_since: r.since,
        cycle_id: cycleId,
        evaluated_at: now,
        updated_at: db.fn.now(),
      })),
    )
    .onConflict(['action_type', 'metric'])
    .merge({
      verdict: db.raw('excluded.verdict'),
      action: db.raw('excluded.action'),
      severity: db.raw('excluded.severity'),
      margin: db.raw('excluded.margin'),
      treated: db.raw('excluded.treated'),
      holdout: db.raw('excluded.holdout'),
      difference: db.raw('excluded.difference'),
      p_value: db.raw('excluded.p_value'),
      interval_low: db.raw('excluded.interval_low'),
      interval_high: db.raw('excluded.interval_high'),
      alpha: db.raw('excluded.alpha'),
      reason: db.raw('excluded.reason'),
      // A new stream (changed definition) counts from 1; a retried look of the same cycle counts no second.
      looks: db.raw(
        `CASE WHEN engine.guardrail_results.definition_version <> excluded.definition_version THEN 1
              WHEN engine.guardrail_results.cycle_id = excluded.cycle_id THEN engine.guardrail_results.looks
              ELSE engine.guardrail_results.looks + 1 END`,
      ),
      definition_version: db.raw('excluded.definition_version'),
      stream_since: db.raw('excluded.stream_since'),
      cycle_id: db.raw('excluded.cycle_id'),
      evaluated_at: db.raw('excluded.evaluated_at'),
      updated_at: db.raw('excluded.updated_at'),
    });
}

/**
 * What the latest guardrail results call for per message type: 'cancel_and_demote' on a major breach, 'pause'
 * on a minor one, with the breached metrics as the reason. Types with nothing to do are absent; an
 * inconclusive result is never an action.
 */
export async function guardrailActionsByType(
  db: Queryable,
): Promise<Map<string, { action: GuardrailAction; reason: string }>> {
  const byType = new Map<string, GuardrailResult[]>();
  for (const r of await listGuardrailResults(db)) byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
  const out = new Map<string, { action: GuardrailAction; reason: string }>();
  for (const [type, results] of byType) {
    const a = guardrailActionOf(results);
    if (a) out.set(type, a);
  }
  return out;
}
