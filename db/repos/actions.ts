// engine.actions and their engine.gate_decisions: storing, transitioning and reading actions, the counts
// the safety gates and the phases read, and the api's views. Set-based: one query per batch.
import type { Knex } from 'knex';
import type { ActionDto } from '../../api/schemas/common';
import { fixKey } from '../../engine/safety/fix-budget';
import type { ExecutedActionCheck } from '../../engine/verify/alignment';
import { getApprovalRecord } from './approvals';
import { effectsOfAction } from './effects';
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

/** Per status: how many actions a cycle has. */
export async function actionStatusCounts(db: Queryable, cycleId: string): Promise<Record<string, number>> {
  const rows = await db('engine.actions')
    .where({ cycle_id: cycleId })
    .groupBy('status')
    .select('status')
    .count({ n: '*' });
  return Object.fromEntries(rows.map((r: Record<string, any>) => [r.status, Number(r.n)]));
}

/** Users a cycle already planned one of these message types for. */
export async function messagedUserIdsOfCycle(
  db: Queryable,
  cycleId: string,
  messageTypes: readonly string[],
): Promise<string[]> {
  return db('engine.actions')
    .where({ cycle_id: cycleId, target_type: 'user' })
    .whereIn('type', [...messageTypes])
    .pluck('target_id');
}

/**
 * (type, target) pairs of these types still in flight across cycles: waiting for an operator, or held out
 * in a live cycle with the outcome not measured yet. Keys are "type\u0000targetId".
 */
export async function inFlightTargets(db: Queryable, types: readonly string[]): Promise<Set<string>> {
  if (!types.length) return new Set();
  const rows = await db('engine.actions')
    .where((w) => {
      w.where({ status: 'pending_approval' }).orWhere((h) => {
        h.where({ status: 'holdout', dry_run: false }).whereNull('outcome');
      });
    })
    .whereIn('type', [...new Set(types)])
    .select('type', 'target_id');
  return new Set(rows.map((r: { type: string; target_id: string }) => `${r.type}\u0000${r.target_id}`));
}

/**
 * The fix budget's count: live attempts of each (type, target) asked for, in cycles whose logical time is
 * `since` or later, keyed by fixKey. An attempt is an action executed or failed, or one the idempotency
 * gate blocked because the fix was already done once (the target came back in need of the same fix).
 */
export async function fixAttemptCounts(
  db: Queryable,
  targets: ReadonlyArray<{ type: string; targetId: string }>,
  since: Date,
): Promise<Map<string, number>> {
  if (!targets.length) return new Map();
  const { rows } = (await db.raw(
    `select a.type, a.target_id, count(*)::int as n
       from engine.actions a
       join unnest(?::text[], ?::text[]) as t(type, target_id) on a.type = t.type and a.target_id = t.target_id
       join engine.cycles c on c.id = a.cycle_id
      where a.dry_run = false and c.logical_now >= ?
        and (a.status in ('executed', 'failed')
             or (a.status = 'blocked' and exists (
                   select 1 from engine.gate_decisions g
                    where g.action_id = a.id and g.gate = 'idempotency' and not g.passed)))
      group by a.type, a.target_id`,
    [targets.map((t) => t.type), targets.map((t) => t.targetId), since],
  )) as { rows: Array<{ type: string; target_id: string; n: number }> };
  return new Map(rows.map((r) => [fixKey(r.type, r.target_id), r.n]));
}

/** What the decide phase weighs of a cycle's planned actions. */
export async function plannedActionsOfCycle(
  db: Queryable,
  cycleId: string,
): Promise<
  Array<{
    id: string;
    type: ActionType;
    expectedImpact: Record<string, unknown>;
    confidence: number;
    detectionConfidence: number;
  }>
> {
  const rows = await db('engine.actions')
    .where({ cycle_id: cycleId })
    .select('id', 'type', 'expected_impact', 'confidence', 'detection_confidence');
  return rows.map((a: Record<string, any>) => ({
    id: a.id,
    type: a.type,
    expectedImpact: a.expected_impact,
    confidence: a.confidence,
    detectionConfidence: a.detection_confidence,
  }));
}

/**
 * The outcomes recorded with outcome_measured_at = `at` (a learn phase's `now`), per type: what a
 * measureOutcomes call at that `now` recorded, also after a retry that measured nothing new.
 */
export async function outcomesMeasuredAt(
  db: Queryable,
  at: Date,
): Promise<Record<string, { success: number; failure: number; holdout: { success: number; failure: number } }>> {
  if (!(at instanceof Date) || Number.isNaN(at.getTime()))
    throw new RangeError('outcomesMeasuredAt needs a valid Date');
  const { rows } = (await db.raw(
    `SELECT type,
            count(*) FILTER (WHERE outcome = 'success' AND status = 'executed')::int AS success,
            count(*) FILTER (WHERE outcome = 'failure' AND status = 'executed')::int AS failure,
            count(*) FILTER (WHERE outcome = 'success' AND status = 'holdout')::int AS h_success,
            count(*) FILTER (WHERE outcome = 'failure' AND status = 'holdout')::int AS h_failure
       FROM engine.actions WHERE outcome_measured_at = ?::timestamptz AND outcome IS NOT NULL GROUP BY type ORDER BY type`,
    [at],
  )) as { rows: Array<{ type: string; success: number; failure: number; h_success: number; h_failure: number }> };
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

/**
 * The actions of a cycle that executed or attempted an effect (status executed or failed, or an
 * executed_at), each with its gate decisions, its approval and the dry-run flags verify checks.
 */
export async function queryCycleExecutions(db: Queryable, cycleId: string): Promise<ExecutedActionCheck[]> {
  type Row = {
    id: string;
    type: string;
    status: string;
    dry_run: boolean;
    cycle_dry_run: boolean;
    gates: GateOutcome[];
    approval_status: string | null;
    decided_by: string | null;
  };
  const { rows } = (await db.raw(
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
  )) as { rows: Row[] };
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

/** Ids of a cycle's actions of one type, in id order. */
export async function actionIdsOfCycle(db: Queryable, cycleId: string, type: string): Promise<string[]> {
  return db('engine.actions').where({ cycle_id: cycleId, type }).whereNotNull('status').orderBy('id').pluck('id');
}

/** Counts for /metrics: actions by type and status. */
export async function countActionsByTypeAndStatus(
  db: Queryable,
): Promise<Array<{ type: string; status: string; n: number }>> {
  const rows = await db('engine.actions').select('type', 'status').count({ n: '*' }).groupBy('type', 'status');
  return rows.map((r: Record<string, any>) => ({ type: r.type, status: r.status, n: Number(r.n) }));
}

// ---------------------------------------------------------------- the api's views

/** The api's shape of an action: the domain record (db/repos/actions.ts) under the api's field names. */
export function toActionDto(r: Record<string, any>): ActionDto {
  const { id, outcomeDueAt: _due, ...rest } = toActionRecord(r);
  return { actionId: id, ...rest, outcome: r.outcome ?? null, outcomeMeasuredAt: iso(r.outcome_measured_at) };
}

export interface Page<T> {
  items: T[];
  total: number;
}

async function page(
  base: () => Knex.QueryBuilder,
  order: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
  limit: number,
  offset: number,
): Promise<Page<ActionDto>> {
  const [rows, count] = await Promise.all([
    order(base()).limit(limit).offset(offset),
    base().count({ n: '*' }).first(),
  ]);
  return { items: rows.map(toActionDto), total: Number((count as { n: number } | undefined)?.n ?? 0) };
}

export function listCycleActions(
  db: Queryable,
  cycleId: string,
  q: { limit: number; offset: number; status?: string; phase?: string },
): Promise<Page<ActionDto>> {
  return page(
    () => {
      const b = db('engine.actions').where({ cycle_id: cycleId });
      if (q.status) b.where({ status: q.status });
      if (q.phase) b.where({ phase: q.phase });
      return b;
    },
    (b) =>
      b.orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]),
    q.limit,
    q.offset,
  );
}

/** What the cycle recommends to humans: recommendation-mode actions and actions waiting for approval. */
export function cycleRecommendations(db: Queryable, cycleId: string, limit: number): Promise<Page<ActionDto>> {
  return page(
    () =>
      db('engine.actions')
        .where({ cycle_id: cycleId })
        .andWhere((w) => {
          w.where({ mode: 'recommendation' }).orWhere({ status: 'pending_approval' });
        }),
    (b) =>
      b.orderBy([
        { column: 'confidence', order: 'desc' },
        { column: 'id', order: 'asc' },
      ]),
    limit,
    0,
  );
}

/** The actions a cycle planned in one phase, most confident first. */
export function phaseActions(db: Queryable, cycleId: string, phase: string, limit: number): Promise<Page<ActionDto>> {
  return page(
    () => db('engine.actions').where({ cycle_id: cycleId, phase }),
    (b) =>
      b.orderBy([
        { column: 'confidence', order: 'desc' },
        { column: 'id', order: 'asc' },
      ]),
    limit,
    0,
  );
}

/**
 * Actions across cycles, newest first; `awaiting_approval` = pending_approval whose approval is still
 * open, most urgent (nearest deadline) first, with the deadline.
 */
export async function listActions(
  db: Queryable,
  q: {
    status?: string;
    type?: string;
    phase?: string;
    cycleId?: string;
    dryRun?: boolean;
    limit: number;
    offset: number;
  },
): Promise<Page<ActionDto & { approvalDeadline: string | null }>> {
  const awaiting = q.status === 'awaiting_approval';
  const filtered = () => {
    const b = db('engine.actions as a').leftJoin('engine.approvals as ap', 'ap.action_id', 'a.id');
    if (awaiting) b.where('a.status', 'pending_approval').where('ap.status', 'pending');
    else if (q.status) b.where('a.status', q.status);
    if (q.type) b.where('a.type', q.type);
    if (q.phase) b.where('a.phase', q.phase);
    if (q.cycleId) b.where('a.cycle_id', q.cycleId);
    if (q.dryRun !== undefined) b.where('a.dry_run', q.dryRun);
    return b;
  };
  const order = awaiting ? 'ap.deadline asc, a.id asc' : 'a.created_at desc, a.id asc';
  const [rows, count] = await Promise.all([
    filtered()
      .select('a.*', 'ap.deadline as approval_deadline', 'ap.status as approval_status')
      .orderByRaw(order)
      .limit(q.limit)
      .offset(q.offset),
    filtered().count({ n: '*' }).first(),
  ]);
  return {
    items: rows.map((r: Record<string, any>) => ({
      ...toActionDto(r),
      approvalDeadline: r.approval_status === 'pending' ? iso(r.approval_deadline) : null,
    })),
    total: Number((count as { n: number } | undefined)?.n ?? 0),
  };
}

/** One action with its gate decisions, approval and effects; null when unknown. */
export async function getActionDetail(db: Queryable, actionId: string) {
  const row = await db('engine.actions').where({ id: actionId }).first();
  if (!row) return null;
  const [gates, approval, effects] = await Promise.all([
    gateDecisionsOf(db, actionId),
    getApprovalRecord(db, actionId),
    effectsOfAction(db, actionId),
  ]);
  return {
    ...toActionDto(row),
    gates: gates.map((g) => ({ gate: g.gate, passed: g.passed, reason: g.reason, details: g.details ?? {} })),
    approval: approval
      ? {
          workflowId: approval.workflowId,
          status: approval.status,
          deadline: approval.deadline,
          decidedBy: approval.decidedBy,
          reason: approval.reason,
          decidedAt: approval.decidedAt,
        }
      : null,
    effects: effects.map(({ id: _id, actionId: _a, actionType: _t, ...e }) => e),
  };
}

/**
 * Ids of a (cycle, phase)'s actions in a status, oldest first: what a resumed phase still has to drive. Actions of
 * a campaign are not among them: the campaign's rollout drives those.
 */
export async function phaseActionIdsInStatus(
  db: Queryable,
  cycleId: string,
  phase: string,
  statuses: readonly ActionStatus[],
): Promise<string[]> {
  return db('engine.actions')
    .where({ cycle_id: cycleId, phase })
    .whereNull('campaign_id')
    .whereIn('status', [...statuses])
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .pluck('id');
}

/** Per status: how many actions a (cycle, phase) has. */
export async function phaseStatusCounts(
  db: Queryable,
  cycleId: string,
  phase: string,
): Promise<Record<string, number>> {
  const rows = await db('engine.actions')
    .where({ cycle_id: cycleId, phase })
    .groupBy('status')
    .select('status')
    .count({ n: '*' });
  return Object.fromEntries(rows.map((r: Record<string, any>) => [r.status, Number(r.n)]));
}
