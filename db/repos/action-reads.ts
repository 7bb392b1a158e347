// Reads of engine.actions (and their approvals) for the cycle, system-state and opportunity routes.
import type { Knex } from 'knex';
import { gateDecisionsOf, getApprovalRecord, toActionRecord } from './actions';
import type { ActionDto } from '../../api/schemas/common';
import { iso } from '../types';

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
  db: Knex,
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
export function cycleRecommendations(db: Knex, cycleId: string, limit: number): Promise<Page<ActionDto>> {
  return page(
    () =>
      db('engine.actions')
        .where({ cycle_id: cycleId })
        .andWhere((w) => w.where({ mode: 'recommendation' }).orWhere({ status: 'pending_approval' })),
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
export function phaseActions(db: Knex, cycleId: string, phase: string, limit: number): Promise<Page<ActionDto>> {
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
  db: Knex,
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
export async function getActionDetail(db: Knex, actionId: string) {
  const row = await db('engine.actions').where({ id: actionId }).first();
  if (!row) return null;
  const [gates, approval, effects] = await Promise.all([
    gateDecisionsOf(db, actionId),
    getApprovalRecord(db, actionId),
    db('engine.effects').where({ action_id: actionId }).orderBy('id'),
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
    effects: effects.map((e: Record<string, any>) => ({
      idempotencyKey: e.idempotency_key,
      port: e.port,
      target: e.target,
      status: e.status,
      request: e.request ?? {},
      response: e.response ?? null,
      createdAt: iso(e.created_at)!,
      completedAt: iso(e.completed_at),
    })),
  };
}
