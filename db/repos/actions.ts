// engine.actions and what hangs off them: gate decisions, effects (one per external effect, unique
// idempotency key), approvals, plus the counters the safety gates read. Set-based: one query per batch.
import type { BetaPosterior } from '../../engine/stats/beta';
import type { ActionMode, ActionStatus, ActionType, GateOutcome, Phase } from '../../engine/types';
import { iso, json, type Queryable } from '../types';

export interface ActionRecord {
  id: string;
  cycleId: string;
  phase: Phase;
  type: ActionType;
  targetType: string;
  targetId: string;
  params: Record<string, unknown>;
  findingId: number | null;
  detectionConfidence: number;
  confidence: number;
  expectedImpact: Record<string, unknown>;
  mode: ActionMode;
  status: ActionStatus;
  statusReason: string | null;
  dryRun: boolean;
  createdAt: string;
  executedAt: string | null;
  outcomeDueAt: string | null;
}

export function toActionRecord(r: Record<string, any>): ActionRecord {
  return {
    id: r.id,
    cycleId: r.cycle_id,
    phase: r.phase,
    type: r.type,
    targetType: r.target_type,
    targetId: r.target_id,
    params: r.params ?? {},
    findingId: r.finding_id == null ? null : Number(r.finding_id),
    detectionConfidence: Number(r.detection_confidence),
    confidence: Number(r.confidence),
    expectedImpact: r.expected_impact ?? {},
    mode: r.mode,
    status: r.status,
    statusReason: r.status_reason ?? null,
    dryRun: Boolean(r.dry_run),
    createdAt: iso(r.created_at)!,
    executedAt: iso(r.executed_at),
    outcomeDueAt: iso(r.outcome_due_at),
  };
}

export type NewAction = Omit<ActionRecord, 'createdAt' | 'executedAt' | 'outcomeDueAt'> & {
  /** Held-out actions: when they would have run, and when their outcome is due. */
  executedAt?: Date;
  /** The target user's tenure segment at planning time (engine/learning/segments.ts). */
  segment?: string | null;
  outcomeDueAt?: Date | null;
};

/** Inserts actions that do not exist yet (ON CONFLICT (id) DO NOTHING); returns the ids it inserted. */
export async function insertActions(
  db: Queryable,
  actions: readonly NewAction[],
  chunkSize = 500,
): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let i = 0; i < actions.length; i += chunkSize) {
    const rows = actions.slice(i, i + chunkSize).map((a) => ({
      id: a.id,
      cycle_id: a.cycleId,
      phase: a.phase,
      type: a.type,
      target_type: a.targetType,
      target_id: a.targetId,
      params: json(a.params) ?? '{}',
      finding_id: a.findingId,
      detection_confidence: a.detectionConfidence,
      confidence: a.confidence,
      expected_impact: json(a.expectedImpact) ?? '{}',
      mode: a.mode,
      status: a.status,
      status_reason: a.statusReason,
      dry_run: a.dryRun,
      executed_at: a.executedAt ?? null,
      segment: a.segment ?? null,
      outcome_due_at: a.outcomeDueAt ?? null,
    }));
    const ids = await db('engine.actions').insert(rows).onConflict('id').ignore().returning('id');
    for (const r of ids as Array<{ id: string }>) inserted.add(r.id);
  }
  return inserted;
}

export async function getAction(db: Queryable, id: string): Promise<ActionRecord | null> {
  const row = await db('engine.actions').where({ id }).first();
  return row ? toActionRecord(row) : null;
}

export async function getActionsByIds(db: Queryable, ids: readonly string[]): Promise<Map<string, ActionRecord>> {
  const out = new Map<string, ActionRecord>();
  if (!ids.length) return out;
  const rows = await db('engine.actions').whereRaw('id = ANY(?::text[])', [[...ids]]);
  for (const r of rows) out.set(r.id, toActionRecord(r));
  return out;
}

/**
 * Moves an action to a new status only from one of `from` (guards against a concurrent transition);
 * returns whether it moved.
 */
export async function transitionAction(
  db: Queryable,
  id: string,
  from: readonly ActionStatus[],
  to: { status: ActionStatus; reason?: string | null; executedAt?: Date | null; outcomeDueAt?: Date | null },
): Promise<boolean> {
  const patch: Record<string, unknown> = { status: to.status };
  if (to.reason !== undefined) patch.status_reason = to.reason;
  if (to.executedAt !== undefined) patch.executed_at = to.executedAt;
  if (to.outcomeDueAt !== undefined) patch.outcome_due_at = to.outcomeDueAt;
  const n = await db('engine.actions')
    .where({ id })
    .whereIn('status', [...from])
    .update(patch);
  return n > 0;
}

// ---------------------------------------------------------------- gate decisions

export async function insertGateDecisions(
  db: Queryable,
  rows: ReadonlyArray<{ actionId: string; outcome: GateOutcome }>,
  chunkSize = 1000,
): Promise<void> {
  for (let i = 0; i < rows.length; i += chunkSize) {
    await db('engine.gate_decisions')
      .insert(
        rows.slice(i, i + chunkSize).map(({ actionId, outcome }) => ({
          action_id: actionId,
          gate: outcome.gate,
          passed: outcome.passed,
          reason: outcome.reason,
          details: json(outcome.details ?? {}),
        })),
      )
      .onConflict(['action_id', 'gate'])
      .ignore();
  }
}

/** Replaces one gate's decision when a gate re-checked at execution time no longer passes. */
export async function overrideGateDecision(db: Queryable, actionId: string, outcome: GateOutcome): Promise<void> {
  await db('engine.gate_decisions')
    .insert({
      action_id: actionId,
      gate: outcome.gate,
      passed: outcome.passed,
      reason: outcome.reason,
      details: json(outcome.details ?? {}),
    })
    .onConflict(['action_id', 'gate'])
    .merge(['passed', 'reason', 'details', 'created_at']);
}

export async function gateDecisionsOf(db: Queryable, actionId: string): Promise<GateOutcome[]> {
  const rows = await db('engine.gate_decisions').where({ action_id: actionId }).orderBy('id');
  return rows.map((r: Record<string, any>) => ({
    gate: r.gate,
    passed: r.passed,
    reason: r.reason,
    details: r.details ?? {},
  }));
}

// ---------------------------------------------------------------- counters for the gates

/** engine.findings ids by fingerprint. */
export async function findingIdsByFingerprint(
  db: Queryable,
  fingerprints: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!fingerprints.length) return out;
  const rows = await db('engine.findings')
    .select('id', 'fingerprint')
    .whereRaw('fingerprint = ANY(?::text[])', [[...new Set(fingerprints)]]);
  for (const r of rows) out.set(r.fingerprint, Number(r.id));
  return out;
}

/** Measured treated outcomes per (type, segment) for the given types: "type\u0000segment" → counts. */
export async function segmentCountsOf(
  db: Queryable,
  types: readonly string[],
): Promise<Map<string, { successes: number; failures: number }>> {
  const out = new Map<string, { successes: number; failures: number }>();
  if (!types.length) return out;
  const rows = await db('engine.action_segment_stats').whereRaw('action_type = ANY(?::text[])', [[...new Set(types)]]);
  for (const r of rows)
    out.set(`${r.action_type}\u0000${r.segment}`, { successes: Number(r.successes), failures: Number(r.failures) });
  return out;
}

/** Signup times of the given users (for their segment). */
export async function userCreatedAt(db: Queryable, userIds: readonly number[]): Promise<Map<number, Date>> {
  const out = new Map<number, Date>();
  if (!userIds.length) return out;
  const rows = await db('app.users')
    .select('id', 'created_at')
    .whereRaw('id = ANY(?::bigint[])', [[...new Set(userIds)]]);
  for (const r of rows) out.set(Number(r.id), new Date(r.created_at));
  return out;
}

/** Types the learn phase demoted to approval-only, with the reason. */
export async function demotedTypes(db: Queryable): Promise<Map<string, { reason: string }>> {
  const rows = await db('engine.action_stats').where({ demoted: true }).select('action_type', 'demoted_reason');
  return new Map(
    rows.map((r: Record<string, any>) => [
      r.action_type as string,
      { reason: String(r.demoted_reason ?? 'uplift credibly negative') },
    ]),
  );
}

/** Success posteriors of the given types (engine.action_stats); a type without a row is absent. */
export async function posteriorsOf(db: Queryable, types: readonly string[]): Promise<Map<string, BetaPosterior>> {
  const out = new Map<string, BetaPosterior>();
  if (!types.length) return out;
  const rows = await db('engine.action_stats')
    .select('action_type', 'alpha', 'beta')
    .whereRaw('action_type = ANY(?::text[])', [[...new Set(types)]]);
  for (const r of rows) out.set(r.action_type, { alpha: Number(r.alpha), beta: Number(r.beta) });
  return out;
}

/** Statuses of an action that was admitted past the gates (it runs, ran, or waits/waited for an operator). */
export const ADMITTED_STATUSES: readonly ActionStatus[] = [
  'planned',
  'dry_run',
  'executed',
  'failed',
  'pending_approval',
  'approved',
  'rejected',
  'expired',
];

/** Per type: actions this cycle admitted so far (the type cap counts per cycle and type). */
export async function admittedCountsByType(db: Queryable, cycleId: string): Promise<Map<string, number>> {
  const { rows } = await db.raw(
    `SELECT type, count(*)::int AS n FROM engine.actions
      WHERE cycle_id = ? AND mode <> 'recommendation' AND status = ANY(?::text[])
      GROUP BY type`,
    [cycleId, [...ADMITTED_STATUSES]],
  );
  return new Map(rows.map((r: { type: string; n: number }) => [r.type, Number(r.n)]));
}

/**
 * Per user: outbox messages created at or after `since` (the contact window; no upper bound, so a logical
 * now in the past only widens it), leaving out the message with `excludeKey` (the one being re-driven).
 */
export async function contactCounts(
  db: Queryable,
  userIds: readonly number[],
  since: Date,
  excludeKey: string | null = null,
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!userIds.length) return out;
  const { rows } = await db.raw(
    `SELECT user_id, count(*)::int AS n FROM engine.outbox
      WHERE user_id = ANY(?::bigint[]) AND created_at >= ? AND idempotency_key IS DISTINCT FROM ?
      GROUP BY user_id`,
    [[...new Set(userIds)], since, excludeKey],
  );
  for (const r of rows as Array<{ user_id: number; n: number }>) out.set(Number(r.user_id), Number(r.n));
  return out;
}

/**
 * Per type: effects that failed with an error at or after `since` (the circuit-breaker window). A declined
 * payment retry is a failed effect too, but a business outcome, not a malfunction: it is not counted.
 */
export async function failureCounts(
  db: Queryable,
  types: readonly string[],
  since: Date,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!types.length) return out;
  const { rows } = await db.raw(
    `SELECT action_type, count(*)::int AS n FROM engine.effects
      WHERE action_type = ANY(?::text[]) AND created_at >= ? AND status = 'failed'
        AND (response->>'outcome') IS DISTINCT FROM 'declined'
      GROUP BY action_type`,
    [[...new Set(types)], since],
  );
  for (const r of rows as Array<{ action_type: string; n: number }>) out.set(r.action_type, Number(r.n));
  return out;
}

// ---------------------------------------------------------------- effects

export type EffectStatus = 'pending' | 'succeeded' | 'failed';

export interface EffectRecord {
  id: number;
  idempotencyKey: string;
  actionId: string;
  actionType: string;
  port: string;
  target: string;
  status: EffectStatus;
  request: Record<string, unknown>;
  response: Record<string, unknown> | null;
  createdAt: string;
  completedAt: string | null;
}

function toEffectRecord(r: Record<string, any>): EffectRecord {
  return {
    id: Number(r.id),
    idempotencyKey: r.idempotency_key,
    actionId: r.action_id,
    actionType: r.action_type,
    port: r.port,
    target: r.target,
    status: r.status,
    request: r.request ?? {},
    response: r.response ?? null,
    createdAt: iso(r.created_at)!,
    completedAt: iso(r.completed_at),
  };
}

export async function getEffectByKey(db: Queryable, key: string): Promise<EffectRecord | null> {
  const row = await db('engine.effects').where({ idempotency_key: key }).first();
  return row ? toEffectRecord(row) : null;
}

/**
 * Claims an idempotency key with a pending effect row. Returns the row for the key: the new one
 * (created = true), or the one already there, possibly another action's.
 */
export async function claimEffect(
  db: Queryable,
  e: {
    key: string;
    actionId: string;
    actionType: string;
    port: string;
    target: string;
    request: Record<string, unknown>;
    at: Date;
  },
): Promise<{ effect: EffectRecord; created: boolean }> {
  const rows = await db('engine.effects')
    .insert({
      idempotency_key: e.key,
      action_id: e.actionId,
      action_type: e.actionType,
      port: e.port,
      target: e.target,
      status: 'pending',
      request: json(e.request) ?? '{}',
      created_at: e.at,
    })
    .onConflict('idempotency_key')
    .ignore()
    .returning('*');
  if (rows.length) return { effect: toEffectRecord(rows[0]), created: true };
  const existing = await getEffectByKey(db, e.key);
  if (!existing) throw new Error(`effect ${e.key} vanished after a conflicting insert`);
  return { effect: existing, created: false };
}

/** Completes a pending effect; a no-op when it is already complete (returns the stored row either way). */
export async function completeEffect(
  db: Queryable,
  key: string,
  status: 'succeeded' | 'failed',
  response: Record<string, unknown>,
  at: Date,
): Promise<EffectRecord> {
  await db('engine.effects')
    .where({ idempotency_key: key, status: 'pending' })
    .update({ status, response: json(response), completed_at: at });
  const row = await getEffectByKey(db, key);
  if (!row) throw new Error(`effect ${key} not found`);
  return row;
}

// ---------------------------------------------------------------- approvals

export type ApprovalRowStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'executed' | 'failed';

export interface ApprovalRecord {
  actionId: string;
  workflowId: string;
  status: ApprovalRowStatus;
  deadline: string;
  decidedBy: string | null;
  reason: string | null;
  decidedAt: string | null;
  createdAt: string;
}

export function toApprovalRecord(r: Record<string, any>): ApprovalRecord {
  return {
    actionId: r.action_id,
    workflowId: r.workflow_id,
    status: r.status,
    deadline: iso(r.deadline)!,
    decidedBy: r.decided_by ?? null,
    reason: r.reason ?? null,
    decidedAt: iso(r.decided_at),
    createdAt: iso(r.created_at)!,
  };
}

export async function getApprovalRecord(db: Queryable, actionId: string): Promise<ApprovalRecord | null> {
  const row = await db('engine.approvals').where({ action_id: actionId }).first();
  return row ? toApprovalRecord(row) : null;
}
